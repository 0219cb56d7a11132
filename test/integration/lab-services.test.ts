// The lab's services (dev/lab/services.sh) serve what offline test hosts need: per-suite apt repos
// holding the product's packages with their whole dependency closure, and a registry holding a
// busybox image per architecture with correct platform metadata plus the multi-arch list that
// `docker pull busybox` resolves through a mirror.
//
// Starts its own apt server and registry on 127.0.0.1 (free ports, temporary state dir), so it
// never disturbs a running lab, and stops them afterwards. Runs `prepare` first (seconds when the
// caches are warm; a cold machine downloads ~200 MB of Debian packages).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";

const run = promisify(execFile);
const REPO = resolve(__dirname, "..", "..");
const SERVICES = join(REPO, "dev", "lab", "services.sh");
const SUITES = ["bookworm", "trixie"] as const;

const MT_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const MT_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

// Docker Hub's names and platforms, and what the ELF header of each /bin/busybox must say:
// e_machine, ELF class (1 = 32-bit, 2 = 64-bit), data encoding (1 = little, 2 = big endian).
interface Expected {
  repo: string;
  architecture: string;
  variant?: string;
  machine: number;
  elfClass: 1 | 2;
  endian: 1 | 2;
}
const IMAGES: Expected[] = [
  { repo: "amd64/busybox", architecture: "amd64", machine: 62, elfClass: 2, endian: 1 },
  { repo: "arm32v5/busybox", architecture: "arm", variant: "v5", machine: 40, elfClass: 1, endian: 1 },
  { repo: "arm32v6/busybox", architecture: "arm", variant: "v6", machine: 40, elfClass: 1, endian: 1 },
  { repo: "arm32v7/busybox", architecture: "arm", variant: "v7", machine: 40, elfClass: 1, endian: 1 },
  { repo: "arm64v8/busybox", architecture: "arm64", variant: "v8", machine: 183, elfClass: 2, endian: 1 },
  { repo: "i386/busybox", architecture: "386", machine: 3, elfClass: 1, endian: 1 },
  { repo: "mips64le/busybox", architecture: "mips64le", machine: 8, elfClass: 2, endian: 1 },
  { repo: "ppc64le/busybox", architecture: "ppc64le", machine: 21, elfClass: 2, endian: 1 },
  { repo: "riscv64/busybox", architecture: "riscv64", machine: 243, elfClass: 2, endian: 1 },
  { repo: "s390x/busybox", architecture: "s390x", machine: 22, elfClass: 2, endian: 2 },
];
const APPLETS = ["sh", "uname", "echo", "cat", "ls", "id", "env", "true", "false", "sleep", "whoami"];
const PRODUCT_PACKAGES: Record<(typeof SUITES)[number], string[]> = {
  bookworm: ["qemu-user-static", "binfmt-support", "qemu-user", "qemu-user-binfmt"],
  trixie: ["qemu-user-static", "binfmt-support", "qemu-user", "qemu-user-binfmt"],
};

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr === "object" ? ok(addr.port) : fail(new Error("no port"))));
    });
  });
}

const sha256 = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

async function get(url: string, accept?: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const res = await fetch(url, { headers: accept ? { Accept: accept } : {} });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

// Minimal ustar reader: name -> {type, data, linkname}.
function untar(tar: Buffer): Map<string, { type: string; data: Buffer; linkname: string }> {
  const entries = new Map<string, { type: string; data: Buffer; linkname: string }>();
  const str = (off: number, len: number): string => tar.toString("utf8", off, off + len).replace(/\0.*$/s, "");
  for (let off = 0; off + 512 <= tar.length; ) {
    if (tar.subarray(off, off + 512).every((b) => b === 0)) break;
    const name = str(off, 100);
    const size = parseInt(str(off + 124, 12).trim() || "0", 8);
    const type = str(off + 156, 1) || "0";
    entries.set(name, { type, linkname: str(off + 157, 100), data: tar.subarray(off + 512, off + 512 + size) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

// Tag_CPU_arch from an ARM ELF32's .ARM.attributes section (3..5 = ARMv5*, 6..9 = ARMv6*,
// 10 = ARMv7), or null when absent. Tags 4, 5, 67 and odd tags > 32 are strings; the rest ULEB128.
function armCpuArch(elf: Buffer): number | null {
  const shoff = elf.readUInt32LE(0x20);
  const shentsize = elf.readUInt16LE(0x2e);
  const shnum = elf.readUInt16LE(0x30);
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    if (elf.readUInt32LE(sh + 4) !== 0x70000003) continue; // SHT_ARM_ATTRIBUTES
    const sec = elf.subarray(elf.readUInt32LE(sh + 16), elf.readUInt32LE(sh + 16) + elf.readUInt32LE(sh + 20));
    if (sec[0] !== 0x41) return null; // 'A'
    const subLen = sec.readUInt32LE(1);
    let p = 5;
    while (sec[p] !== 0) p++; // vendor name, "aeabi"
    p++;
    const end = 1 + subLen;
    while (p < end) {
      const tag = sec[p];
      const size = sec.readUInt32LE(p + 1);
      if (tag !== 1) {
        p += size;
        continue;
      } // only Tag_File attributes
      const stop = p + size;
      p += 5;
      const uleb = (): number => {
        let v = 0,
          s = 0,
          b;
        do {
          b = sec[p++];
          v |= (b & 0x7f) << s;
          s += 7;
        } while (b & 0x80);
        return v;
      };
      while (p < stop) {
        const t = uleb();
        if (t === 4 || t === 5 || t === 67 || (t > 32 && t % 2 === 1)) {
          while (sec[p] !== 0) p++;
          p++;
          continue;
        }
        const v = uleb();
        if (t === 6) return v;
        if (t === 32) {
          while (sec[p] !== 0) p++;
          p++;
        }
      }
      return null;
    }
  }
  return null;
}

function parseStanzas(text: string): Map<string, string>[] {
  return text
    .split(/\n\n+/)
    .filter((s) => s.trim() !== "")
    .map((stanza) => {
      const fields = new Map<string, string>();
      let key = "";
      for (const line of stanza.split("\n")) {
        if (/^\s/.test(line) && key) fields.set(key, `${fields.get(key)}\n${line}`);
        else {
          const i = line.indexOf(":");
          key = line.slice(0, i);
          fields.set(key, line.slice(i + 1).trim());
        }
      }
      return fields;
    });
}

let state = "";
let apt = "";
let registry = "";
let env: NodeJS.ProcessEnv = {};

describe("lab services (dev/lab/services.sh)", { timeout: 30 * 60_000 }, () => {
  before(async () => {
    await run("bash", [SERVICES, "prepare", ...SUITES.flatMap((s) => ["--suite", s])], { timeout: 25 * 60_000, maxBuffer: 1 << 24 });
    state = mkdtempSync(join(tmpdir(), "pqb-services-"));
    env = { ...process.env, PQB_LAB_APT_PORT: String(await freePort()), PQB_LAB_REGISTRY_PORT: String(await freePort()) };
    const { stdout } = await run("bash", [SERVICES, "start", "--address", "127.0.0.1", "--state", state], { env, timeout: 60_000 });
    const lines = stdout.trim().split("\n");
    assert.equal(lines.length, 1, `start printed more than one line: ${stdout}`);
    const info = JSON.parse(lines[0]) as { apt: string; registry: string };
    apt = info.apt;
    registry = info.registry;
  });

  after(async () => {
    if (state) {
      await run("bash", [SERVICES, "stop", "--state", state], { env, timeout: 60_000 });
      rmSync(state, { recursive: true, force: true });
    }
  });

  test("start prints the apt URL and the registry address, and says the same when already running", async () => {
    assert.match(apt, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(registry, /^127\.0\.0\.1:\d+$/);
    const again = await run("bash", [SERVICES, "start", "--address", "127.0.0.1", "--state", state], { env, timeout: 60_000 });
    assert.deepEqual(JSON.parse(again.stdout.trim()), { apt, registry });
  });

  for (const img of IMAGES) {
    test(`${img.repo}:latest is a linux/${img.architecture}${img.variant ? `/${img.variant}` : ""} image whose /bin/busybox is built for it`, async () => {
      const m = await get(`http://${registry}/v2/${img.repo}/manifests/latest`, MT_MANIFEST);
      assert.equal(m.status, 200);
      assert.equal(m.headers.get("docker-content-digest"), sha256(m.body));
      const manifest = JSON.parse(m.body.toString()) as { mediaType: string; config: { digest: string }; layers: { digest: string }[] };
      assert.equal(manifest.mediaType, MT_MANIFEST);
      assert.equal(manifest.layers.length, 1);

      const c = await get(`http://${registry}/v2/${img.repo}/blobs/${manifest.config.digest}`);
      assert.equal(sha256(c.body), manifest.config.digest);
      const config = JSON.parse(c.body.toString());
      assert.equal(config.os, "linux");
      assert.equal(config.architecture, img.architecture);
      assert.equal(config.variant, img.variant);
      assert.deepEqual(config.config.Cmd, ["sh"]);

      const l = await get(`http://${registry}/v2/${img.repo}/blobs/${manifest.layers[0].digest}`);
      assert.equal(sha256(l.body), manifest.layers[0].digest);
      const tar = gunzipSync(l.body);
      assert.deepEqual(config.rootfs.diff_ids, [sha256(tar)]);
      const files = untar(tar);
      const busybox = files.get("bin/busybox");
      assert.ok(busybox && busybox.type === "0", "bin/busybox is a regular file");
      const elf = busybox.data;
      assert.equal(elf.toString("latin1", 0, 4), "\x7fELF");
      assert.equal(elf[4], img.elfClass, "ELF class");
      assert.equal(elf[5], img.endian, "ELF data encoding");
      const machine = img.endian === 1 ? elf.readUInt16LE(18) : elf.readUInt16BE(18);
      assert.equal(machine, img.machine, "ELF e_machine");
      if (img.architecture === "arm") {
        const cpu = armCpuArch(elf);
        assert.ok(cpu !== null, "ARM binary has build attributes");
        const range = { v5: [3, 5], v6: [3, 9], v7: [10, 10] }[img.variant as "v5" | "v6" | "v7"];
        assert.ok(cpu >= range[0] && cpu <= range[1], `Tag_CPU_arch ${cpu} fits ${img.variant}`);
      }
      for (const applet of APPLETS) {
        const e = files.get(`bin/${applet}`);
        assert.ok(e && e.type === "2" && e.linkname === "busybox", `bin/${applet} -> busybox`);
      }
    });
  }

  test("library/busybox:latest lists every platform, each resolvable in library/busybox", async () => {
    const r = await get(`http://${registry}/v2/library/busybox/manifests/latest`, MT_LIST);
    assert.equal(r.status, 200);
    const list = JSON.parse(r.body.toString()) as {
      mediaType: string;
      manifests: { digest: string; platform: { architecture: string; os: string; variant?: string } }[];
    };
    assert.equal(list.mediaType, MT_LIST);
    const platforms = list.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ""}`).sort();
    assert.deepEqual(platforms, IMAGES.map((i) => `linux/${i.architecture}${i.variant ? `/${i.variant}` : ""}`).sort());
    for (const entry of list.manifests) {
      const m = await get(`http://${registry}/v2/library/busybox/manifests/${entry.digest}`, MT_MANIFEST);
      assert.equal(m.status, 200, `${entry.digest} in library/busybox`);
      const perArch = IMAGES.find((i) => i.architecture === entry.platform.architecture && i.variant === entry.platform.variant);
      const h = await fetch(`http://${registry}/v2/${perArch?.repo}/manifests/latest`, { method: "HEAD", headers: { Accept: MT_MANIFEST } });
      assert.equal(h.headers.get("docker-content-digest"), entry.digest, `list entry is ${perArch?.repo}:latest`);
    }
  });

  test("the serving registry is read-only (hosts cannot change the cached images)", async () => {
    const res = await fetch(`http://${registry}/v2/amd64/busybox/blobs/uploads/`, { method: "POST" });
    assert.equal(res.status, 405);
  });

  for (const suite of SUITES) {
    test(`the ${suite} apt repo holds the product packages and a complete dependency closure`, async () => {
      const release = await get(`${apt}/${suite}/Release`);
      assert.equal(release.status, 200);
      const packagesRes = await get(`${apt}/${suite}/Packages`);
      assert.equal(packagesRes.status, 200);
      const gz = await get(`${apt}/${suite}/Packages.gz`);
      assert.equal(gunzipSync(gz.body).toString(), packagesRes.body.toString());
      const sha = createHash("sha256").update(packagesRes.body).digest("hex");
      assert.match(release.body.toString(), new RegExp(`^ ${sha} ${packagesRes.body.length} Packages$`, "m"));

      const stanzas = parseStanzas(packagesRes.body.toString());
      const provided = new Set<string>();
      for (const s of stanzas) {
        provided.add(s.get("Package") as string);
        for (const p of (s.get("Provides") ?? "").split(",")) if (p.trim()) provided.add(p.trim().split(/\s/)[0]);
      }
      for (const pkg of PRODUCT_PACKAGES[suite]) assert.ok(provided.has(pkg), `${pkg} in ${suite}`);
      // Every Depends/Pre-Depends has at least one alternative in the repo (names only).
      const missing: string[] = [];
      for (const s of stanzas) {
        for (const field of ["Pre-Depends", "Depends"]) {
          for (const clause of (s.get(field) ?? "").split(",").filter((c) => c.trim())) {
            const alts = clause.split("|").map((a) => a.trim().split(/[\s(:]/)[0]);
            if (!alts.some((a) => provided.has(a))) missing.push(`${s.get("Package")}: ${clause.trim()}`);
          }
        }
      }
      assert.deepEqual(missing, []);
      // Each listed .deb is served with the advertised size.
      const first = stanzas.find((s) => s.get("Package") === "binfmt-support");
      const deb = await get(`${apt}/${suite}/${first?.get("Filename")?.replace(/^\.\//, "")}`);
      assert.equal(deb.status, 200);
      assert.equal(deb.body.length, Number(first?.get("Size")));
    });
  }

  test("configure-host points a root at the lab repo only and merges the registry mirror into daemon.json", async () => {
    const root = mkdtempSync(join(tmpdir(), "pqb-root-"));
    try {
      mkdirSync(join(root, "etc/apt/sources.list.d"), { recursive: true });
      mkdirSync(join(root, "etc/docker"), { recursive: true });
      writeFileSync(join(root, "etc/apt/sources.list"), "deb http://mirror.invalid/debian trixie main\n");
      writeFileSync(join(root, "etc/apt/sources.list.d/debian.sources"), "Types: deb\nURIs: http://mirror.invalid/debian\nSuites: trixie\n");
      writeFileSync(join(root, "etc/docker/daemon.json"), '{"log-level":"warn"}\n');
      for (let i = 0; i < 2; i++) {
        await run("bash", [SERVICES, "configure-host", "--root", root, "--suite", "trixie", "--address", "10.0.0.1", "--state", state], { env });
      }
      const aptPort = new URL(apt).port;
      const regPort = registry.split(":")[1];
      assert.equal(readFileSync(join(root, "etc/apt/sources.list.d/pqb-lab.list"), "utf8"), `deb [trusted=yes] http://10.0.0.1:${aptPort}/trixie ./\n`);
      assert.doesNotMatch(readFileSync(join(root, "etc/apt/sources.list"), "utf8"), /^deb/m);
      assert.equal(readFileSync(join(root, "etc/apt/sources.disabled-by-pqb-lab/debian.sources"), "utf8").includes("mirror.invalid"), true);
      assert.deepEqual(JSON.parse(readFileSync(join(root, "etc/docker/daemon.json"), "utf8")), {
        "log-level": "warn",
        "registry-mirrors": [`http://10.0.0.1:${regPort}`],
        "insecure-registries": [`10.0.0.1:${regPort}`],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
