/**
 * The observation's binfmt_misc entries (src/host/scripts/observe.sh `entry_records`): every entry read by
 * ONE awk, with the same text the per-entry js_lines gave. Run for real with `sh` against a simulated
 * binfmt_misc directory in a temp dir (the script's MNT pointed there); nothing else is touched.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { observationRequest, parseObservation } from "../../../src/host/observation";
import { parseHostArgs } from "../../../src/component/validate";
import { observeScript } from "../../../src/host/scripts/observe";
import { runScript } from "./run-script";
import { DEBIAN12_FACTS } from "../component/harness";

const ENTRIES: Record<string, string> = {
  "qemu-aarch64":
    "enabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: F\noffset 0\nmagic 7f454c460201010000000000000000000200b700\nmask ffffffffffffff00fffffffffffffffffeffffff\n",
  odd: 'disabled\nback\\slash "quote" tab\there\n\n\nmid\n\n',
  leading: "\nleading\n",
  cr: "x\r\ny\n\r\n",
  noeol: "noeol",
  empty: "",
};
/** What the per-entry js_lines made of each (the contract the parser relies on). */
const TEXTS: Record<string, string> = {
  "qemu-aarch64": ENTRIES["qemu-aarch64"]?.trimEnd() ?? "",
  odd: 'disabled\nback\\slash "quote" tabhere\n\n\nmid',
  leading: "\nleading",
  cr: "x\ny",
  noeol: "noeol",
  empty: "",
};

function fakeBinfmt(): string {
  const mnt = mkdtempSync(path.join(tmpdir(), "pqb-observe-"));
  writeFileSync(path.join(mnt, "register"), "");
  writeFileSync(path.join(mnt, "status"), "enabled\n");
  for (const [name, text] of Object.entries(ENTRIES)) writeFileSync(path.join(mnt, name), text);
  return mnt;
}

function observeIn(mnt: string, pathPrefix?: string) {
  const config = parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64"] });
  const request = observationRequest(config);
  // No packages: this machine's apt lists are not the point here and take seconds to query.
  const replace: [string, string][] = [
    ["MNT=/proc/sys/fs/binfmt_misc", `MNT='${mnt}'`],
    [`PACKAGES='${request.packages.join(" ")}'`, "PACKAGES=''"],
  ];
  if (pathPrefix !== undefined) replace.push(["\nPATH=/usr/local/sbin:", `\nPATH=${pathPrefix}:/usr/local/sbin:`]);
  const r = runScript(observeScript("local", request), [], replace);
  assert.equal(r.code, 0, r.stderr);
  return parseObservation(r.stdout, "local");
}

describe("the observation's binfmt_misc entries", () => {
  it("reports every entry but register and status, with the text escaped, control characters dropped and trailing empty lines cut", () => {
    const o = observeIn(fakeBinfmt());
    assert.deepEqual(Object.fromEntries(o.entries.map((e) => [e.name, e.text])), TEXTS);
  });

  it("reads all entries with one awk, not one pipeline per entry (procfs files show size 0, empty or not)", () => {
    const mnt = fakeBinfmt();
    // An awk that logs each program it runs: js_lines' join program runs once per text it quotes.
    const bin = path.join(mnt, "..", `${path.basename(mnt)}-log`);
    mkdirSync(bin);
    const log = path.join(bin, "calls");
    writeFileSync(path.join(bin, "awk"), `#!/bin/sh\nprintf '%s' "$1" | tr '\\n' ' ' >>'${log}'; echo >>'${log}'\nexec /usr/bin/awk "$@"\n`);
    chmodSync(path.join(bin, "awk"), 0o755);
    const o = observeIn(mnt, bin);
    assert.equal(o.entries.length, Object.keys(ENTRIES).length);
    const calls = readFileSync(log, "utf8").split("\n");
    assert.equal(calls.filter((c) => c.includes("function flush")).length, 1, "one awk for the entries");
    const perText = calls.filter((c) => c.includes("NR > 1")).length;
    assert.ok(perText < Object.keys(ENTRIES).length, `js_lines ran ${perText} times: only for the rules' files, not per entry`);
  });

  it("stamps the requested targets' entries with their registration time (the entry file's mtime), and no other entry", () => {
    const mnt = fakeBinfmt();
    utimesSync(path.join(mnt, "qemu-aarch64"), 1795995816, 1795995816);
    const o = observeIn(mnt);
    assert.equal(o.entries.find((e) => e.name === "qemu-aarch64")?.registered, 1795995816);
    assert.deepEqual(
      o.entries.filter((e) => e.registered !== undefined).map((e) => e.name),
      ["qemu-aarch64"],
    );
  });

  it("gives each executable's last inode change (ctime, through symlinks) and 0 for a missing one", () => {
    const o = observeIn(fakeBinfmt());
    const sh = o.elfs.find((e) => e.path === "/bin/sh");
    assert.equal(sh?.changed, Math.floor(statSync("/bin/sh").ctimeMs / 1000));
    assert.ok(o.elfs.filter((e) => !e.exists).every((e) => e.changed === 0));
  });

  it("parses an observation stored by an earlier version (no flock, no ctime): flock not known, so not refused; ctime 0, so no drift", () => {
    const stdout = [
      { kind: "facts", ...DEBIAN12_FACTS, flock: undefined },
      { kind: "binfmt", mounted: true, status: "enabled" },
      { kind: "boot", load: "loaded", unitFileState: "static", active: "active", configDirFs: "ext2/ext3" },
      { kind: "elf", path: "/usr/bin/qemu-aarch64-static", exists: true, executable: true, linking: "static", header: "7f454c46" },
    ]
      .map((r) => JSON.stringify(r))
      .join("\n");
    const o = parseObservation(stdout, "old");
    assert.equal(o.facts.flock, true);
    assert.equal(o.elfs[0]?.changed, 0);
  });

  it("reads the entries one by one, with the same result, when the single awk fails (an entry vanished while it ran)", () => {
    const mnt = fakeBinfmt();
    // An awk that fails for the entries' program only: the one that defines flush().
    const bin = path.join(mnt, "..", `${path.basename(mnt)}-bin`);
    mkdirSync(bin);
    writeFileSync(path.join(bin, "awk"), '#!/bin/sh\ncase "$*" in *"function flush"*) exit 2 ;; esac\nexec /usr/bin/awk "$@"\n');
    chmodSync(path.join(bin, "awk"), 0o755);
    const o = observeIn(mnt, bin);
    assert.deepEqual(Object.fromEntries(o.entries.map((e) => [e.name, e.text])), TEXTS);
  });
});
