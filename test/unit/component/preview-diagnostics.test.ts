/**
 * In a preview, every reason a rule's command changes is a diagnostic (src/component/drift-diagnostics.ts),
 * not only a value of the component's outputs, which upstream's command plugin previews as unknown. The fake
 * host has no systemd: nothing applies binfmt.d at boot, so the rule reports its entry as not persistent.
 * Without engine, pulumi.log writes "info: [runtime] …" / "warning: [runtime] …" to the console.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEBIAN12_FACTS, drain, installMocks, settle } from "./harness";
import { repairableByUp, ruleReasons } from "../../../src/component/drift-diagnostics";

async function previewLines(unitsText?: (host: string) => string | undefined): Promise<string[]> {
  const lines: string[] = [];
  const saved = { log: console.log, warn: console.warn };
  console.log = (m: unknown) => void lines.push(String(m));
  console.warn = (m: unknown) => void lines.push(String(m));
  try {
    installMocks({ facts: () => ({ ...DEBIAN12_FACTS, systemd: false }), preview: true, unitsText });
    const { BinfmtHost } = await import("../../../src");
    const host = new BinfmtHost("nosd", { connection: { host: "h" }, architectures: ["arm"] });
    await settle(host.targets).catch(() => undefined);
    await drain();
  } finally {
    console.log = saved.log;
    console.warn = saved.warn;
  }
  return lines;
}

describe("preview diagnostics", () => {
  it("a rule whose entry would not come back at boot says so and why, on a first install (info)", async () => {
    const lines = await previewLines();
    const line = lines.find((l) => l.includes("arm: ") && l.includes("entries would not come back at the next boot"));
    assert.ok(line !== undefined, lines.join("\n"));
    assert.match(line, /^info: \[runtime\] .*arm: .*entries would not come back at the next boot \(no systemd: nothing applies binfmt\.d files at boot\)/);
  });

  it("the host's own conditions are not up's to repair: the message does not promise a repair", () => {
    const rs = ruleReasons(["binfmt_misc entry qemu-arm is not registered"], {
      persistent: false,
      persistenceReason: "systemd-binfmt.service is masked: nothing applies binfmt.d files at boot",
    });
    assert.deepEqual(rs, [
      "binfmt_misc entry qemu-arm is not registered",
      "entries would not come back at the next boot (systemd-binfmt.service is masked: nothing applies binfmt.d files at boot)",
    ]);
    assert.deepEqual(rs.map(repairableByUp), [true, false]);
    assert.equal(repairableByUp("conflict: enabled binfmt_misc entry x matches"), false);
    assert.deepEqual(ruleReasons([], { persistent: true, persistenceReason: "systemd-binfmt (static) applies /etc/binfmt.d at boot" }), []);
  });
});
