/**
 * The observation's packages (src/host/scripts/observe.sh `package_records`): one dpkg-query and one of each
 * apt-cache query for all packages, split per package by one awk, with the records the one-package-at-a-time
 * loop gives. Run for real with `sh`; dpkg-query and apt-cache are small fakes that print what Debian 12's
 * print (formats taken from a lab host) and log every call, so this machine's own apt is neither needed nor read.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { observationRequest, parseObservation, type ObservedPackage } from "../../../src/host/observation";
import { parseHostArgs } from "../../../src/component/validate";
import { observeScript } from "../../../src/host/scripts/observe";
import { runScript } from "./run-script";

const QEMU = "1:7.2+dfsg-7+deb12u18+b3";
const ODD_DEPENDS = 'lsb-base, odd "quote" back\\slash';

/** dpkg's database: name, db:Status-Status, Version, Depends. */
const DPKG = [
  ["qemu-user-static", "installed", QEMU, ""],
  ["binfmt-support", "installed", "2.2.2-2", ODD_DEPENDS],
  ["qemu-user", "config-files", "1:7.0+dfsg-7", "libc6"],
  // A second instance (Multi-Arch: same, another architecture): the first one listed is reported.
  ["binfmt-support", "config-files", "9.9", "other"],
];
const POLICY: Record<string, string> = {
  "qemu-user-static": `qemu-user-static:\n  Installed: ${QEMU}\n  Candidate: ${QEMU}\n  Version table:\n *** ${QEMU} 500\n        500 http://repo/bookworm ./ Packages\n        100 /var/lib/dpkg/status\n`,
  "binfmt-support": "binfmt-support:\n  Installed: 2.2.2-2\n  Candidate: 2.2.2-2\n  Version table:\n *** 2.2.2-2 500\n        100 /var/lib/dpkg/status\n",
  "qemu-user": `qemu-user:\n  Installed: (none)\n  Candidate: ${QEMU}\n  Version table:\n     ${QEMU} 500\n        500 http://repo/bookworm ./ Packages\n`,
  "qemu-user-binfmt": "qemu-user-binfmt:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n",
};
const SHOW: Record<string, string> = {
  "qemu-user-static": `Package: qemu-user-static\nVersion: ${QEMU}\nConflicts: qemu-user-binfmt\nDescription: static\n Package: not a field\n\n`,
  "binfmt-support": `Package: binfmt-support\nPre-Depends: init\nDepends: ${ODD_DEPENDS}\n\n`,
  "qemu-user": `Package: qemu-user\nDepends: libc6 (>= 2.34), zlib1g\n\nPackage: qemu-user\nDepends: second stanza\n\n`,
};
const MADISON: Record<string, string> = {
  "qemu-user-static": ` qemu-user-static | 1:7.2+dfsg-7+deb12u7 | http://repo/bookworm ./ Packages\n qemu-user-static | ${QEMU} | http://repo/bookworm-security ./ Packages\n qemu-user-static | 1:7.2+dfsg-7+deb12u7 | http://mirror/bookworm ./ Packages\n`,
  "binfmt-support": "binfmt-support |    2.2.2-2 | http://repo/bookworm ./ Packages\n",
  "qemu-user": ` qemu-user | ${QEMU} | http://repo/bookworm ./ Packages\n qemu-user | 10 | http://repo/x ./ Packages\n qemu-user | 9 | http://repo/y ./ Packages\n`,
};

const EXPECTED: ObservedPackage[] = [
  {
    name: "qemu-user-static",
    status: "installed",
    installed: QEMU,
    installedDepends: "",
    candidate: QEMU,
    depends: "",
    versions: ["1:7.2+dfsg-7+deb12u18+b3", "1:7.2+dfsg-7+deb12u7"],
    conflicts: "qemu-user-binfmt",
  },
  {
    name: "qemu-user=1:7.0",
    status: "config-files",
    installed: "",
    installedDepends: "",
    candidate: QEMU,
    depends: "libc6 (>= 2.34), zlib1g",
    versions: ["10", QEMU, "9"],
    conflicts: "",
  },
  { name: "qemu-user-binfmt", status: "not-installed", installed: "", installedDepends: "", candidate: "", depends: "", versions: [], conflicts: "" },
  {
    name: "binfmt-support",
    status: "installed",
    installed: "2.2.2-2",
    installedDepends: ODD_DEPENDS,
    candidate: "2.2.2-2",
    depends: ODD_DEPENDS,
    versions: ["2.2.2-2"],
    conflicts: "",
  },
];

/** A bin directory with the fakes (and an apt-get, which the observation only looks for); calls go to `calls`. */
function fakeApt(awkFails = false): { bin: string; calls: string } {
  const bin = mkdtempSync(path.join(tmpdir(), "pqb-apt-"));
  const calls = path.join(bin, "calls");
  const data = path.join(bin, "data");
  for (const [dir, table] of [
    ["policy", POLICY],
    ["show", SHOW],
    ["madison", MADISON],
  ] as const) {
    mkdirSync(path.join(data, dir), { recursive: true });
    for (const [name, text] of Object.entries(table)) writeFileSync(path.join(data, dir, name), text);
  }
  writeFileSync(path.join(data, "dpkg"), DPKG.map((r) => r.join("\t")).join("\n") + "\n");
  const script = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >>'${calls}'\n${body}`);
    chmodSync(path.join(bin, name), 0o755);
  };
  script("apt-get", "exit 0\n");
  // dpkg-query -W -f=FORMAT NAME...: FORMAT's ${field}s and \t \n filled from the table; unknown names on stderr.
  script(
    "dpkg-query",
    `fmt=\${2#-f=}; shift 2; rc=0
for n; do
  line=$(awk -F'\\t' -v n="$n" '$1 == n' '${data}/dpkg')
  if [ -z "$line" ]; then echo "dpkg-query: no packages found matching $n" >&2; rc=1; continue; fi
  printf '%s\\n' "$line" | awk -F'\\t' -v f="$fmt" '{ gsub(/\\$\\{Package\\}/, $1, f); gsub(/\\$\\{db:Status-Status\\}/, $2, f); gsub(/\\$\\{Version\\}/, $3, f); gsub(/\\$\\{Depends\\}/, $4, f); gsub(/\\\\t/, "\\t", f); gsub(/\\\\n/, "\\n", f); printf "%s", f }'
done
exit $rc
`,
  );
  script("apt-cache", `q=$1; shift; [ "$1" = --no-all-versions ] && shift\nfor n; do cat '${data}'/"$q"/"$n" 2>/dev/null; done\nexit 0\n`);
  if (awkFails) {
    // An awk that fails for the packages' program only (the one that collects offered versions); not logged.
    writeFileSync(path.join(bin, "awk"), '#!/bin/sh\ncase "$*" in *offered*) exit 2 ;; esac\nexec /usr/bin/awk "$@"\n');
    chmodSync(path.join(bin, "awk"), 0o755);
  }
  return { bin, calls };
}

function observePackages(packages: string, awkFails = false) {
  const { bin, calls } = fakeApt(awkFails);
  const config = parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64"] });
  const request = observationRequest(config);
  const r = runScript(
    observeScript("local", request),
    [],
    [
      [`PACKAGES='${request.packages.join(" ")}'`, `PACKAGES='${packages}'`],
      ["\nPATH=/usr/local/sbin:", `\nPATH=${bin}:/usr/local/sbin:`],
      // No binfmt_misc, files or probes: only the packages are the point here.
      ["MNT=/proc/sys/fs/binfmt_misc", `MNT='${bin}/no-binfmt'`],
      // The fakes answer for the host's lists: no private apt-get update, whatever this machine's lists hold.
      ["FRESH_LISTS_TIMEOUT='60'", "FRESH_LISTS_TIMEOUT='0'"],
    ],
  );
  assert.equal(r.code, 0, r.stderr);
  const log = readFileSync(calls, "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("apt-get"));
  return { packages: parseObservation(r.stdout, "local").packages, calls: log };
}

const REQUEST = "qemu-user-static qemu-user=1:7.0 qemu-user-binfmt binfmt-support";
/** The end of a batched query's command line: every name, versions cut. */
const ALL_NAMES = " qemu-user-static qemu-user qemu-user-binfmt binfmt-support";

describe("the observation's packages", () => {
  it("reports each package's dpkg status, installed version and Depends, apt's candidate and Depends, and the offered versions", () => {
    assert.deepEqual(observePackages(REQUEST).packages, EXPECTED);
  });

  it("queries dpkg once and each apt-cache query once for all packages, not six times per package", () => {
    const { calls } = observePackages(REQUEST);
    assert.deepEqual(
      calls.map((c) => c.split(" ").slice(0, 2).join(" ")),
      ["dpkg-query -W", "apt-cache policy", "apt-cache show", "apt-cache madison"],
    );
    assert.ok(
      calls.every((c) => c.endsWith(ALL_NAMES)),
      calls.join("\n"),
    );
  });

  it("gives the same records one package at a time when the awk fails", () => {
    const r = observePackages(REQUEST, true);
    assert.deepEqual(r.packages, EXPECTED);
    // (the batched queries may have run before the awk failed: they are the calls naming every package)
    assert.equal(r.calls.filter((c) => !c.endsWith(ALL_NAMES)).length, 4 * 6, "six queries per package");
  });

  it("queries one package at a time when a name has an architecture (apt and dpkg label those differently)", () => {
    const r = observePackages("qemu-user-static:amd64 binfmt-support");
    assert.deepEqual(
      r.packages.map((p) => p.name),
      ["qemu-user-static:amd64", "binfmt-support"],
    );
    assert.equal(r.calls.length, 2 * 6);
    assert.deepEqual(r.packages[1], EXPECTED[3]);
  });
});
