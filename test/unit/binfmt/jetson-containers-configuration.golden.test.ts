// The "Jetson Containers" article on QEMU and binfmt_misc is the behaviour users compare us with: its
// "arm32v7 Configuration" and "arm64v8 Configuration" lines must come out byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MaskPolicy, binfmtDFileName, buildRule, findTarget, renderBinfmtDFile, renderRegisterString } from "../../../src/binfmt";

// Verbatim from the article. (Its arm64v8 line ends in a stray space after "F" — page formatting, not
// part of the registration; systemd-binfmt and the kernel strip it.)
const ARTICLE_ARM32V7 =
  ":qemu-arm:M::\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xfe\\xff\\xff\\xff:/usr/bin/qemu-arm-static:F";
const ARTICLE_ARM64V8 =
  ":qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xfe\\xff\\xff\\xff:/usr/bin/qemu-aarch64-static:F";

// The article's "defined mask" (from /var/lib/binfmts, i.e. QEMU's) before its relaxation.
const ARTICLE_DEFINED_MASK = "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff";

test("arm with defaults renders the article's arm32v7 Configuration line byte for byte", () => {
  assert.equal(renderRegisterString(buildRule("arm")), ARTICLE_ARM32V7);
  assert.equal(renderRegisterString(buildRule("arm32v7", { interpreter: "/usr/bin/qemu-arm-static" })), ARTICLE_ARM32V7);
});

test("aarch64 with defaults renders the article's arm64v8 Configuration line byte for byte", () => {
  assert.equal(renderRegisterString(buildRule("aarch64")), ARTICLE_ARM64V8);
  assert.equal(renderRegisterString(buildRule("arm64v8")), ARTICLE_ARM64V8);
});

test("the article's defined mask is QEMU's mask for arm and aarch64 (MaskPolicy.Qemu)", () => {
  assert.equal(findTarget("arm")?.mask, ARTICLE_DEFINED_MASK);
  assert.equal(findTarget("aarch64")?.mask, ARTICLE_DEFINED_MASK);
  assert.equal(buildRule("arm", { mask: MaskPolicy.Qemu }).mask, ARTICLE_DEFINED_MASK);
});

test("the binfmt.d file holds the marker comment and the article's line, named like Debian's packaged rule", () => {
  const rule = buildRule("aarch64");
  assert.equal(renderBinfmtDFile(rule), `# Managed by pulumi-qemu-binfmt; local changes are overwritten.\n${ARTICLE_ARM64V8}\n`);
  assert.equal(binfmtDFileName(rule), "qemu-aarch64.conf");
});
