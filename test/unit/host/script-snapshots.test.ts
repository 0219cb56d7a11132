/**
 * Golden tests of every rendered remote script (as pulumi-eks does for its user data): the exact text a
 * host receives on stdin for fixed inputs is compared with the committed files in ./__snapshots__/.
 * A change to a script or to its variables shows up as a diff in review. `npm run shellcheck` also
 * checks these files: the rendered text, variables and libraries included.
 *
 * UPDATE_SNAPSHOTS=1 rewrites the files instead of comparing.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { planHost } from "../../../src/host/plan";
import { parseHostArgs } from "../../../src/component/validate";
import { observeScript } from "../../../src/host/scripts/observe";
import { observationRequest } from "../../../src/host/observation";
import { packagesScript } from "../../../src/host/scripts/packages";
import { ruleScript, skippedRuleScript } from "../../../src/host/scripts/rule";
import { checkScript } from "../../../src/host/scripts/check";
import { imageScript } from "../../../src/host/scripts/image";
import { DEBIAN12_FACTS, observed } from "../component/harness";
import { InstallSource } from "../../../src/host/enums";

const DIR = path.join(__dirname, "__snapshots__");
const UPDATE = process.env.UPDATE_SNAPSHOTS === "1";
const LABEL = "builder-1 (root@10.0.0.21:22)";

function rendered(): Record<string, string> {
  const config = parseHostArgs("builder-1", { connection: { host: "10.0.0.21" }, architectures: ["aarch64", "arm", "x86_64"] });
  const plan = planHost(config, observed(DEBIAN12_FACTS), LABEL);
  const rule = (t: string) => {
    const r = plan.rules.find((x) => x.target.name === t);
    if (r === undefined) throw new Error(`no rule for ${t}`);
    return r;
  };
  return {
    "observe.sh": observeScript(LABEL, observationRequest(config)),
    "packages.sh": packagesScript({ label: LABEL, packages: plan.packages, lockTimeoutSeconds: 120 }),
    "rule-aarch64.sh": ruleScript(rule("aarch64").script),
    "rule-arm.sh": ruleScript(rule("arm").script),
    "rule-x86_64-skipped.sh": skippedRuleScript(LABEL, "x86_64", rule("x86_64").rule.name, "native"),
    "check-aarch64.sh": checkScript({
      label: LABEL,
      target: "aarch64",
      image: "arm64v8/busybox",
      platform: "linux/arm64",
      expected: "aarch64",
      timeoutSeconds: 300,
      native: false,
    }),
    "image-install.sh": imageScript({ label: LABEL, plan: imagePlanFor(), timeoutSeconds: 300 }),
    "check-i386-native.sh": checkScript({ label: LABEL, target: "i386", image: "i386/busybox", platform: "linux/386", expected: "i686", timeoutSeconds: 300, native: true }),
  };
}

/** The image source's plan for the same host and targets (arm + aarch64 registered, x86_64 skipped). */
function imagePlanFor() {
  const config = parseHostArgs("builder-1", {
    connection: { host: "10.0.0.21" },
    architectures: ["aarch64", "arm", "x86_64"],
    installSource: InstallSource.Image,
    interpreterImage: `registry.example:5000/qemu-user-static@sha256:${"1c7e".repeat(16)}`,
  });
  const image = planHost(config, observed(DEBIAN12_FACTS), LABEL).image;
  if (image === undefined) throw new Error("no image plan");
  return image;
}

describe("rendered remote scripts (golden files in test/unit/host/__snapshots__)", () => {
  for (const [file, text] of Object.entries(rendered())) {
    it(`${file} is the committed text`, () => {
      const where = path.join(DIR, file);
      if (UPDATE) {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(where, text);
        return;
      }
      assert.ok(existsSync(where), `${where} is missing: run UPDATE_SNAPSHOTS=1 node --import tsx --test ${path.relative(process.cwd(), __filename)}`);
      assert.equal(text, readFileSync(where, "utf8"), `${file} differs from the golden file; if the change is intended, rewrite it with UPDATE_SNAPSHOTS=1`);
    });
  }
});
