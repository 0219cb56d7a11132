// The CLI as users run it: a separate process (TypeScript through tsx, so no build is needed), exit
// codes and what lands on stdout and stderr.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import fc from "fast-check";
import { runCli } from "../../../src/cli/main";

const ROOT = path.resolve(__dirname, "../../..");
const MAIN = path.join(ROOT, "src/cli/main.ts");

/** The real process: exit code and streams as a shell sees them (a few cases; each spawn costs ~1-2 s). */
function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same entry point in process, for the many option and error cases. */
function inProcess(...args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = runCli(args, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const ARTICLE_ARM =
  ":qemu-arm:M::\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xfe\\xff\\xff\\xff:/usr/bin/qemu-arm-static:F";
const ARTICLE_AARCH64 =
  ":qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xfe\\xff\\xff\\xff:/usr/bin/qemu-aarch64-static:F";

test("rules arm aarch64 prints the article's two lines, one per target", () => {
  const r = cli("rules", "--host-arch", "x86_64", "arm", "aarch64");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${ARTICLE_ARM}\n${ARTICLE_AARCH64}\n`);
  assert.equal(r.stderr, "");
});

test("--interpreter-image: each rule names the pin's directory, as the image install source writes it", () => {
  const digest = "1c7e".padEnd(64, "0");
  const r = inProcess("rules", "--host-arch", "x86_64", "--interpreter-image", `registry:5000/qemu-user-static@sha256:${digest}`, "arm", "aarch64");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `${ARTICLE_ARM.replace("/usr/bin/qemu-arm-static", `/var/lib/pulumi-qemu-binfmt/qemu/${digest}/qemu-arm`)}\n${ARTICLE_AARCH64.replace("/usr/bin/qemu-aarch64-static", `/var/lib/pulumi-qemu-binfmt/qemu/${digest}/qemu-aarch64`)}\n`,
  );
});

test("options: --mask qemu --flags FC --interpreter-dir --interpreter-suffix", () => {
  const r = inProcess("rules", "--host-arch", "x86_64", "--mask", "qemu", "--flags", "FC", "--interpreter-dir", "/opt/qemu/bin", "--interpreter-suffix", "", "linux/arm64");
  assert.equal(r.code, 0, r.stderr);
  const fields = r.stdout.trimEnd().split(":");
  assert.equal(fields[1], "qemu-aarch64");
  assert.equal(fields[5], "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff");
  assert.equal(fields[6], "/opt/qemu/bin/qemu-aarch64");
  assert.equal(fields[7], "OCF");
});

test("native targets are skipped with a note on stderr; only natives is 'nothing to do', exit 0", () => {
  const some = inProcess("rules", "--host-arch", "aarch64", "arm64", "riscv64");
  assert.equal(some.code, 0);
  assert.equal(some.stdout.split("\n").filter(Boolean).length, 1);
  assert.match(some.stderr, /skipped: aarch64 is in the host's own family "arm"/);
  const none = cli("rules", "--host-arch", "x86_64", "amd64", "i386");
  assert.equal(none.code, 0);
  assert.equal(none.stdout, "");
  assert.match(none.stderr, /nothing to do: every requested target runs natively on this x86_64 host \(x86_64, i386\)/);
});

test("--skip exact-native keeps arm on an aarch64 host", () => {
  const r = inProcess("rules", "--host-arch", "aarch64", "--skip", "exact-native", "--json", "arm", "aarch64");
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { nothingToDo: boolean; rules: { target: string; fileName: string; registerString: string }[]; skipped: { target: string }[] };
  assert.deepEqual(
    report.rules.map((x) => [x.target, x.fileName]),
    [["arm", "qemu-arm.conf"]],
  );
  assert.deepEqual(
    report.skipped.map((x) => x.target),
    ["aarch64"],
  );
  assert.equal(report.nothingToDo, false);
});

test("rules --list prints the catalogue; --json as data", () => {
  const text = cli("rules", "--list");
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^TARGET\s+FAMILY\s+EMULATOR/);
  assert.equal(text.stdout.trimEnd().split("\n").length, 35);
  const json = inProcess("rules", "--list", "--json");
  const rows = JSON.parse(json.stdout) as { name: string; acceptedNames: string[] }[];
  assert.equal(rows.length, 34);
  assert.ok(rows.find((r) => r.name === "aarch64")?.acceptedNames.includes("linux/arm64"));
});

test("invalid input, as a process: exit status 2, the message on stderr, nothing on stdout", () => {
  const r = cli("rules", "--host-arch", "x86_64", "arm", "armv9");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^pulumi-qemu-binfmt rules: TARGET #2: unknown target "armv9"/);
  assert.equal(r.stdout, "");
});

test("invalid input: exit 2 and the validation message, naming the option, on stderr", () => {
  const cases: [string[], RegExp][] = [
    [["rules", "--mask", "exact", "arm"], /--mask: invalid mask policy "exact"; valid: ignore-abi-version, qemu/],
    [["rules", "--flags", "FX", "arm"], /--flags: invalid flags "FX": unknown flag "X"; valid letters: P, O, C, F/],
    [["rules", "--interpreter-dir", "/usr/$(reboot)", "arm"], /--interpreter-dir: invalid path "\/usr\/\$\(reboot\)": character "\$" is not allowed/],
    [["rules", "--host-arch", "x86_64;id", "arm"], /--host-arch: invalid host machine "x86_64;id"/],
    [["rules", "--skip", "none", "arm"], /--skip: invalid skip policy "none"; valid: family, exact-native/],
    [["rules", "--host-arch", "x86_64", "arm", "armv9"], /TARGET #2: unknown target "armv9" \(did you mean "armv8"\?\); valid targets, nearest first: arm, armeb/],
    [["rules", "riscv"], /TARGET #1: ambiguous target "riscv": it may mean riscv32 or riscv64/],
    [["rules"], /name at least one TARGET/],
    [["rules", "--list", "arm"], /--list takes no TARGET/],
    [["rules", "--interpreter", "/usr/bin/qemu-arm-static", "arm", "aarch64"], /--interpreter names one emulator .* but 2 TARGETs were given/],
    [["rules", "--interpreter", "/usr/bin/qemu-arm-static", "--interpreter-dir", "/opt", "arm"], /--interpreter: give either interpreter/],
    [["rules", "--bogus", "arm"], /Unknown option '--bogus'/],
    [
      ["rules", "--interpreter-image", "registry:5000/qemu-user-static:latest", "arm"],
      /--interpreter-image: invalid image "registry:5000\/qemu-user-static:latest": it is not pinned by digest/,
    ],
    [
      ["rules", "--interpreter-image", `qemu@sha256:${"a".repeat(64)}`, "--interpreter-dir", "/opt", "arm"],
      /--interpreter-image: the interpreters of "qemu@sha256:a{64}" are \/var\/lib\/pulumi-qemu-binfmt\/qemu\/<digest>\/qemu-<cpu> \(installSource "image"\), so --interpreter-dir does not apply/,
    ],
    [
      ["rules", "--interpreter-image", `qemu@sha256:${"a".repeat(64)}`, "--target-interpreter", "arm=/opt/qemu-arm", "arm"],
      /--interpreter-image: .* so --target-interpreter does not apply/,
    ],
    [["frobnicate"], /unknown command "frobnicate"; valid commands: rules/],
  ];
  for (const [args, message] of cases) {
    const r = inProcess(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.equal(r.stdout, "", args.join(" "));
  }
});

test("hostile arguments (in process): exit 2 with nothing on stdout, or shell-inert binfmt lines", () => {
  const hostile = fc.oneof(fc.string({ unit: "binary", maxLength: 20 }), fc.constantFrom("$(reboot)", "`id`", "a;b", "/usr/bin/x y", "-F", "--", "FC", "/usr/bin", "arm"));
  fc.assert(
    fc.property(
      fc.constantFrom("--flags", "--mask", "--interpreter-dir", "--interpreter-suffix", "--host-arch", "--skip", "--interpreter"),
      hostile,
      hostile,
      (option, value, target) => {
        let out = "";
        const code = runCli(["rules", option, value, target], { out: (t) => (out += t), err: () => undefined });
        if (code === 2) assert.equal(out, "");
        else {
          assert.equal(code, 0);
          for (const line of out.split("\n").filter(Boolean)) assert.match(line, /^[A-Za-z0-9._+/\\:-]+$/);
        }
      },
    ),
    { numRuns: 300 },
  );
});
