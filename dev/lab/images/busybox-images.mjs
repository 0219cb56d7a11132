#!/usr/bin/env node
// Build the lab's busybox images offline from Debian's busybox-static binaries and push them
// to a docker registry through the registry's HTTP API (v2). No docker engine, no npm deps.
//
//   node dev/lab/images/busybox-images.mjs arches
//       prints "DEBIAN_ARCH SUITE" per line: which busybox-static .deb to fetch for each image.
//   node dev/lab/images/busybox-images.mjs push --registry HOST:PORT --bin-dir DIR --record FILE
//       DIR/<debian-arch>/busybox (+ DIR/<debian-arch>/version) are the extracted binaries.
//       Builds every image (one deterministic gzip'd layer), HEADs each manifest and pushes
//       only what the registry lacks, then the multi-arch list library/busybox:latest.
//       Progress on stderr; FILE records {key, images: {repo: {digest, platform(s)}}}, and a
//       later run with the same inputs only HEADs the recorded manifests.
//
// Images use Docker's schema 2 media types, the ones Docker Hub served for these names for
// years; dockerd 20.10+ and registry 2.8 handle them natively (no OCI accept-header quirks).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

// One image per Docker Hub namespace. `suite` is where Debian ships busybox-static for that
// architecture: trixie for all except mips64el, which trixie dropped as a release
// architecture (bookworm still has it). arm32v6 reuses armel's ARMv5 binary: v5 code runs
// on v6, and Docker Hub's busybox list has a linux/arm/v6 entry that `--platform` users expect.
export const IMAGES = [
  { repo: "amd64/busybox", deb: "amd64", suite: "trixie", platform: { architecture: "amd64", os: "linux" } },
  { repo: "arm32v5/busybox", deb: "armel", suite: "trixie", platform: { architecture: "arm", os: "linux", variant: "v5" } },
  { repo: "arm32v6/busybox", deb: "armel", suite: "trixie", platform: { architecture: "arm", os: "linux", variant: "v6" } },
  { repo: "arm32v7/busybox", deb: "armhf", suite: "trixie", platform: { architecture: "arm", os: "linux", variant: "v7" } },
  { repo: "arm64v8/busybox", deb: "arm64", suite: "trixie", platform: { architecture: "arm64", os: "linux", variant: "v8" } },
  { repo: "i386/busybox", deb: "i386", suite: "trixie", platform: { architecture: "386", os: "linux" } },
  { repo: "mips64le/busybox", deb: "mips64el", suite: "bookworm", platform: { architecture: "mips64le", os: "linux" } },
  { repo: "ppc64le/busybox", deb: "ppc64el", suite: "trixie", platform: { architecture: "ppc64le", os: "linux" } },
  { repo: "riscv64/busybox", deb: "riscv64", suite: "trixie", platform: { architecture: "riscv64", os: "linux" } },
  { repo: "s390x/busybox", deb: "s390x", suite: "trixie", platform: { architecture: "s390x", os: "linux" } },
];
export const LIST_REPO = "library/busybox";
export const TAG = "latest";

/** Registry media types (Docker image manifest v2, schema 2). */
export const MT = {
  manifest: "application/vnd.docker.distribution.manifest.v2+json",
  list: "application/vnd.docker.distribution.manifest.list.v2+json",
  config: "application/vnd.docker.container.image.v1+json",
  layer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
};

// Fixed timestamp for every tar entry and the config's `created`: the build is reproducible,
// so the same binaries always give the same digests (and a warm prepare pushes nothing).
const EPOCH = 0;
const CREATED = new Date(EPOCH * 1000).toISOString().replace(".000Z", "Z");

// Applets linked when the binary's applet table cannot be read (see appletsOf). We cannot
// run a foreign busybox to ask it (`busybox --list`), so this is a fixed list of applets that
// Debian's busybox-static config has enabled for years.
const FALLBACK_APPLETS = [
  "[",
  "arch",
  "ash",
  "awk",
  "base64",
  "basename",
  "cat",
  "chmod",
  "chown",
  "cp",
  "cut",
  "date",
  "dd",
  "df",
  "dirname",
  "du",
  "echo",
  "env",
  "expr",
  "false",
  "find",
  "grep",
  "gunzip",
  "gzip",
  "head",
  "hostname",
  "id",
  "kill",
  "ln",
  "ls",
  "md5sum",
  "mkdir",
  "mktemp",
  "mv",
  "nproc",
  "printf",
  "ps",
  "pwd",
  "readlink",
  "rm",
  "rmdir",
  "sed",
  "seq",
  "sh",
  "sha256sum",
  "sleep",
  "sort",
  "stat",
  "tail",
  "tar",
  "tee",
  "test",
  "touch",
  "tr",
  "true",
  "uname",
  "uniq",
  "wc",
  "which",
  "whoami",
  "xargs",
  "yes",
  "zcat",
];
// Applets the lab relies on; the image build fails if the binary lacks one of them.
const REQUIRED_APPLETS = ["sh", "uname", "echo", "cat", "ls", "id", "env", "true", "false", "sleep", "whoami"];

// busybox keeps its applet names as one sorted, NUL-separated string table starting with
// "[\0[[\0" (applet_names in libbb/appletlib.c). Reading it gives the exact applet set of a
// foreign binary without executing it. Returns null when the table is not found or looks odd.
export function appletsOf(binary) {
  const start = binary.indexOf(Buffer.from("[\0[[\0", "latin1"));
  if (start < 0) return null;
  const names = [];
  let i = start;
  for (;;) {
    const end = binary.indexOf(0, i);
    if (end < 0) break;
    const name = binary.toString("latin1", i, end);
    if (!/^[a-z0-9_.[-]+$/.test(name)) break;
    if (names.length > 0 && name <= names[names.length - 1]) break; // table is strictly sorted
    names.push(name);
    i = end + 1;
  }
  if (names.length < 50 || !REQUIRED_APPLETS.every((a) => names.includes(a))) return null;
  return names;
}

// ---- deterministic tar (ustar) ---------------------------------------------------------

function octal(n, width) {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

function tarHeader({ name, mode, size = 0, type, linkname = "" }) {
  if (Buffer.byteLength(name) > 100 || Buffer.byteLength(linkname) > 100) throw new Error(`tar name too long: ${name}`);
  const h = Buffer.alloc(512, 0);
  h.write(name, 0, "utf8");
  h.write(octal(mode, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii"); // uid 0
  h.write(octal(0, 8), 116, "ascii"); // gid 0
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(EPOCH, 12), 136, "ascii");
  h.write("        ", 148, "ascii"); // checksum placeholder: 8 spaces
  h.write(type, 156, "ascii");
  h.write(linkname, 157, "utf8");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  h.write("root", 265, "ascii");
  h.write("root", 297, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148, "ascii");
  return h;
}

// entries: [{name, mode, type: 'dir'|'file'|'symlink', data?, target?}], already ordered.
export function makeTar(entries) {
  const parts = [];
  for (const e of entries) {
    if (e.type === "dir") parts.push(tarHeader({ name: e.name.endsWith("/") ? e.name : `${e.name}/`, mode: e.mode, type: "5" }));
    else if (e.type === "symlink") parts.push(tarHeader({ name: e.name, mode: 0o777, type: "2", linkname: e.target }));
    else {
      parts.push(tarHeader({ name: e.name, mode: e.mode, size: e.data.length, type: "0" }));
      parts.push(e.data);
      const pad = (512 - (e.data.length % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(1024, 0)); // end-of-archive marker
  return Buffer.concat(parts);
}

// ---- image assembly --------------------------------------------------------------------

export const sha256 = (buf) => `sha256:${createHash("sha256").update(buf).digest("hex")}`;

function rootfsEntries(busybox, applets) {
  const passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n";
  const group = "root:x:0:\nnobody:x:65534:\n";
  const links = applets.filter((a) => a !== "busybox").sort();
  return [
    { name: "bin", type: "dir", mode: 0o755 },
    { name: "bin/busybox", type: "file", mode: 0o755, data: busybox },
    ...links.map((a) => ({ name: `bin/${a}`, type: "symlink", target: "busybox" })),
    { name: "etc", type: "dir", mode: 0o755 },
    { name: "etc/group", type: "file", mode: 0o644, data: Buffer.from(group) },
    { name: "etc/passwd", type: "file", mode: 0o644, data: Buffer.from(passwd) },
    { name: "home", type: "dir", mode: 0o755 },
    { name: "root", type: "dir", mode: 0o700 },
    { name: "tmp", type: "dir", mode: 0o1777 },
    { name: "usr", type: "dir", mode: 0o755 },
    { name: "usr/sbin", type: "dir", mode: 0o755 },
    { name: "var", type: "dir", mode: 0o755 },
  ];
}

// Returns {repo, platform, blobs: Map(digest -> Buffer), manifest: Buffer, digest, applets}.
export function buildImage(image, binDir) {
  const dir = join(binDir, image.deb);
  const busybox = readFileSync(join(dir, "busybox"));
  const version = existsSync(join(dir, "version")) ? readFileSync(join(dir, "version"), "utf8").trim() : "unknown";
  const parsed = appletsOf(busybox);
  const applets = parsed ?? FALLBACK_APPLETS;
  const tar = makeTar(rootfsEntries(busybox, applets));
  // level 9, no file name, mtime 0 in the gzip header: Node's zlib output is deterministic.
  const layer = gzipSync(tar, { level: 9 });
  const config = Buffer.from(
    JSON.stringify({
      architecture: image.platform.architecture,
      ...(image.platform.variant ? { variant: image.platform.variant } : {}),
      os: image.platform.os,
      created: CREATED,
      config: {
        Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        Cmd: ["sh"],
      },
      rootfs: { type: "layers", diff_ids: [sha256(tar)] },
      history: [
        {
          created: CREATED,
          created_by: `pulumi-qemu-binfmt lab: Debian busybox-static ${version} (${image.suite}/${image.deb}), ${applets.length} applets`,
        },
      ],
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
    repo: image.repo,
    platform: image.platform,
    blobs: new Map([
      [sha256(config), config],
      [sha256(layer), layer],
    ]),
    manifest,
    digest: sha256(manifest),
    applets: parsed ? "table" : "fallback",
    appletCount: applets.length,
  };
}

export function buildList(built) {
  const list = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.list,
      manifests: built.map((b) => ({ mediaType: MT.manifest, size: b.manifest.length, digest: b.digest, platform: b.platform })),
    }),
  );
  return { manifest: list, digest: sha256(list) };
}

// ---- registry HTTP API v2 --------------------------------------------------------------

export class Registry {
  constructor(hostPort) {
    this.base = `http://${hostPort}`;
  }

  async req(method, path, { headers = {}, body } = {}) {
    const url = path.startsWith("http") ? path : `${this.base}${path}`;
    const res = await fetch(url, { method, headers, body, redirect: "manual" });
    const text = method === "HEAD" ? "" : await res.text();
    return { status: res.status, headers: res.headers, text };
  }

  // Digest of REPO:REF if present (HEAD with the media type we push), else null.
  async manifestDigest(repo, ref, mediaType) {
    const r = await this.req("HEAD", `/v2/${repo}/manifests/${ref}`, { headers: { Accept: mediaType } });
    if (r.status === 404) return null;
    if (r.status !== 200) throw new Error(`HEAD ${repo}:${ref} -> ${r.status}`);
    return r.headers.get("docker-content-digest");
  }

  async hasBlob(repo, digest) {
    const r = await this.req("HEAD", `/v2/${repo}/blobs/${digest}`);
    return r.status === 200;
  }

  // Monolithic upload (POST then PUT ?digest=), or a cross-repository mount when `from` has it.
  async putBlob(repo, digest, data, from) {
    if (await this.hasBlob(repo, digest)) return "present";
    const mount = from ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}` : "";
    const start = await this.req("POST", `/v2/${repo}/blobs/uploads/${mount}`, { headers: { "Content-Length": "0" } });
    if (start.status === 201) return "mounted";
    if (start.status !== 202) throw new Error(`POST upload ${repo} -> ${start.status} ${start.text}`);
    const location = new URL(start.headers.get("location"), this.base);
    location.searchParams.set("digest", digest);
    const put = await this.req("PUT", location.toString(), {
      headers: { "Content-Type": "application/octet-stream", "Content-Length": String(data.length) },
      body: data,
    });
    if (put.status !== 201) throw new Error(`PUT blob ${repo}@${digest} -> ${put.status} ${put.text}`);
    return "uploaded";
  }

  async putManifest(repo, ref, mediaType, body, expectDigest) {
    const r = await this.req("PUT", `/v2/${repo}/manifests/${ref}`, { headers: { "Content-Type": mediaType }, body });
    if (r.status !== 201) throw new Error(`PUT manifest ${repo}:${ref} -> ${r.status} ${r.text}`);
    const got = r.headers.get("docker-content-digest");
    if (got !== expectDigest) throw new Error(`registry digest ${got} != computed ${expectDigest} for ${repo}:${ref}`);
  }
}

// Key of everything an image build depends on: this script and the extracted binaries. When a
// previous push recorded the same key, HEAD requests alone tell whether the registry still holds
// every manifest, and nothing needs rebuilding (gzip -9 of ten binaries is most of a cold second).
function inputsKey(binDir) {
  const h = createHash("sha256");
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const img of IMAGES) {
    h.update(`${img.repo}\0`);
    h.update(readFileSync(join(binDir, img.deb, "busybox")));
    if (existsSync(join(binDir, img.deb, "version"))) h.update(readFileSync(join(binDir, img.deb, "version")));
  }
  return h.digest("hex");
}

async function allPresent(reg, record) {
  for (const img of IMAGES) {
    const entry = record.images?.[img.repo];
    if (!entry || (await reg.manifestDigest(img.repo, TAG, MT.manifest)) !== entry.digest) return false;
  }
  const list = record.images?.[LIST_REPO];
  return Boolean(list) && (await reg.manifestDigest(LIST_REPO, TAG, MT.list)) === list.digest;
}

async function push(registryHostPort, binDir, recordFile) {
  const reg = new Registry(registryHostPort);
  const key = inputsKey(binDir);
  if (existsSync(recordFile)) {
    const record = JSON.parse(readFileSync(recordFile, "utf8"));
    if (record.key === key && (await allPresent(reg, record))) {
      process.stderr.write(`  all ${IMAGES.length + 1} manifests present (HEAD), nothing to build\n`);
      return;
    }
  }
  const built = IMAGES.map((img) => buildImage(img, binDir));
  const images = {};
  for (const b of built) {
    const have = await reg.manifestDigest(b.repo, TAG, MT.manifest);
    if (have === b.digest) {
      process.stderr.write(`  ${b.repo}:${TAG} present ${b.digest}\n`);
    } else {
      for (const [digest, data] of b.blobs) await reg.putBlob(b.repo, digest, data);
      await reg.putManifest(b.repo, TAG, MT.manifest, b.manifest, b.digest);
      process.stderr.write(`  ${b.repo}:${TAG} pushed ${b.digest} (${b.appletCount} applets from ${b.applets})\n`);
    }
    images[b.repo] = { digest: b.digest, platform: b.platform };
  }
  // registry 2.8 accepts a manifest list only if every manifest it names exists in the same
  // repository, so each per-arch manifest is also stored in library/busybox (blobs mounted).
  const list = buildList(built);
  const haveList = await reg.manifestDigest(LIST_REPO, TAG, MT.list);
  if (haveList === list.digest) {
    process.stderr.write(`  ${LIST_REPO}:${TAG} present ${list.digest}\n`);
  } else {
    for (const b of built) {
      for (const [digest, data] of b.blobs) await reg.putBlob(LIST_REPO, digest, data, b.repo);
      await reg.putManifest(LIST_REPO, b.digest, MT.manifest, b.manifest, b.digest);
    }
    await reg.putManifest(LIST_REPO, TAG, MT.list, list.manifest, list.digest);
    process.stderr.write(`  ${LIST_REPO}:${TAG} pushed ${list.digest} (${built.length} platforms)\n`);
  }
  images[LIST_REPO] = { digest: list.digest, platforms: built.map((b) => b.platform) };
  writeRecord(recordFile, { key, images });
}

/** The record of what was pushed (inputs key + digests), written atomically: a killed push leaves none. */
export function writeRecord(recordFile, record) {
  writeFileSync(`${recordFile}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${recordFile}.tmp`, recordFile);
}

/** The value after the option `name` in `args`; throws when it is missing. */
export function arg(args, name) {
  const i = args.indexOf(name);
  if (i < 0 || i + 1 >= args.length) throw new Error(`${name} is required`);
  return args[i + 1];
}

async function main(argv) {
  const [cmd, ...args] = argv;
  if (cmd === "arches") {
    const seen = new Set();
    for (const img of IMAGES) {
      const line = `${img.deb} ${img.suite}`;
      if (!seen.has(line)) process.stdout.write(`${line}\n`);
      seen.add(line);
    }
  } else if (cmd === "push") {
    await push(arg(args, "--registry"), arg(args, "--bin-dir"), arg(args, "--record"));
  } else {
    throw new Error("usage: busybox-images.mjs arches | push --registry HOST:PORT --bin-dir DIR --record FILE");
  }
}

// Run as a script (not when imported by a test).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`busybox-images: ${err.message}\n`);
    process.exit(1);
  });
}
