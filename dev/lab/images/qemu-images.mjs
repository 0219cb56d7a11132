#!/usr/bin/env node
// Build the lab's QEMU interpreter images offline from Debian's own packages and push them to a
// docker registry through its HTTP API (v2), like busybox-images.mjs (whose tar writer and registry
// client this reuses). They stand in for images such as tonistiigi/binfmt or
// multiarch/qemu-user-static: the install source `image` of the product copies interpreters out of
// them. Two QEMU versions, so tests can switch a pin from one to the other:
//
//   pqb-lab/qemu-user-static:bookworm   Debian 12's qemu-user-static (QEMU 7.2)
//   pqb-lab/qemu-user-static:trixie     Debian 13's qemu-user, which is the static build (QEMU 10.0)
//
// Layout (the one tonistiigi/binfmt uses): /usr/bin/qemu-<cpu>, statically linked, for every cpu
// in CPUS (Debian 12's `-static` suffix is dropped, so both images look alike). One layer, no shell:
// the images are only ever `docker create`d and copied from, never run. Platform: the machine's own
// (the interpreters run natively on the host). Tests read the digests from the registry (HEAD on the
// tag), never from a file.
//
//   node dev/lab/images/qemu-images.mjs push --registry HOST:PORT --bin-dir DIR --record FILE
//       DIR/<suite>/qemu-<cpu> and DIR/<suite>/version are the extracted binaries (services.sh
//       prepare extracts them). Pushes what the registry lacks; FILE records the digests.
//   node dev/lab/images/qemu-images.mjs list
//       prints "SUITE PACKAGE SUFFIX" per image: which .deb services.sh extracts, and the
//       binaries' suffix in it.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { MT, Registry, arg, makeTar, sha256, writeRecord } from "./busybox-images.mjs";

export const REPO = "pqb-lab/qemu-user-static";
export const CPUS = ["arm", "aarch64", "riscv64", "ppc64le", "s390x"];
export const IMAGES = [
  { tag: "bookworm", suite: "bookworm", pkg: "qemu-user-static", suffix: "-static" },
  { tag: "trixie", suite: "trixie", pkg: "qemu-user", suffix: "" },
];

const CREATED = new Date(0).toISOString().replace(".000Z", "Z");

/** Docker's name for the machine's own architecture (the interpreters' platform). */
function dockerArch() {
  return { x64: "amd64", arm64: "arm64", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" }[process.arch] ?? process.arch;
}

export function buildImage(image, binDir) {
  const dir = join(binDir, image.suite);
  const version = readFileSync(join(dir, "version"), "utf8").trim();
  const entries = [
    { name: "usr", type: "dir", mode: 0o755 },
    { name: "usr/bin", type: "dir", mode: 0o755 },
    ...CPUS.map((cpu) => ({ name: `usr/bin/qemu-${cpu}`, type: "file", mode: 0o755, data: readFileSync(join(dir, `qemu-${cpu}`)) })),
  ];
  const tar = makeTar(entries);
  const layer = gzipSync(tar, { level: 6 });
  const config = Buffer.from(
    JSON.stringify({
      architecture: dockerArch(),
      os: "linux",
      created: CREATED,
      config: { Cmd: ["/usr/bin/qemu-aarch64", "--version"], Labels: { "org.opencontainers.image.version": version } },
      rootfs: { type: "layers", diff_ids: [sha256(tar)] },
      history: [{ created: CREATED, created_by: `pulumi-qemu-binfmt lab: Debian ${image.pkg} ${version} (${image.suite}), /usr/bin/qemu-{${CPUS.join(",")}}` }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: { mediaType: MT.config, size: config.length, digest: sha256(config) },
      layers: [{ mediaType: MT.layer, size: layer.length, digest: sha256(layer) }],
    }),
  );
  return {
    tag: image.tag,
    version,
    blobs: new Map([
      [sha256(config), config],
      [sha256(layer), layer],
    ]),
    manifest,
    digest: sha256(manifest),
  };
}

function inputsKey(binDir) {
  const h = createHash("sha256");
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const img of IMAGES) {
    h.update(`${img.tag}\0`);
    h.update(readFileSync(join(binDir, img.suite, "version")));
    for (const cpu of CPUS) h.update(readFileSync(join(binDir, img.suite, `qemu-${cpu}`)));
  }
  return h.digest("hex");
}

async function push(hostPort, binDir, recordFile) {
  const reg = new Registry(hostPort);
  const key = inputsKey(binDir);
  if (existsSync(recordFile)) {
    const record = JSON.parse(readFileSync(recordFile, "utf8"));
    let all = record.key === key;
    for (const img of IMAGES) all = all && (await reg.manifestDigest(REPO, img.tag, MT.manifest)) === record.images?.[img.tag]?.digest;
    if (all) {
      process.stderr.write(`  ${REPO}: ${IMAGES.length} manifests present (HEAD), nothing to build\n`);
      return;
    }
  }
  const images = {};
  for (const img of IMAGES) {
    const b = buildImage(img, binDir);
    if ((await reg.manifestDigest(REPO, b.tag, MT.manifest)) === b.digest) {
      process.stderr.write(`  ${REPO}:${b.tag} present ${b.digest}\n`);
    } else {
      for (const [digest, data] of b.blobs) await reg.putBlob(REPO, digest, data);
      await reg.putManifest(REPO, b.tag, MT.manifest, b.manifest, b.digest);
      process.stderr.write(`  ${REPO}:${b.tag} pushed ${b.digest} (QEMU ${b.version})\n`);
    }
    images[b.tag] = { digest: b.digest, version: b.version };
  }
  writeRecord(recordFile, { key, images });
}

async function main(argv) {
  const [cmd, ...args] = argv;
  if (cmd === "list") {
    for (const img of IMAGES) process.stdout.write(`${img.suite} ${img.pkg} ${img.suffix || "-"}\n`);
    process.stdout.write(`cpus ${CPUS.join(" ")}\n`);
  } else if (cmd === "push") {
    await push(arg(args, "--registry"), arg(args, "--bin-dir"), arg(args, "--record"));
  } else {
    throw new Error("usage: qemu-images.mjs list | push --registry HOST:PORT --bin-dir DIR --record FILE");
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`qemu-images: ${err.message}\n`);
    process.exit(1);
  });
}
