/**
 * all-architectures: every target in the core's catalogue (QEMU's own list of linux-user binfmt formats,
 * `TARGET_NAMES`) on one host. Targets of the host's own family are skipped (an x86_64 host skips i386,
 * i486 and x86_64) and reported as such; targets with an official Docker image namespace get the docker
 * check (arm32v7, arm64v8, ppc64le, s390x, riscv64, mips64le), the others report "no-image".
 *
 * Config: host (required), port, user, hostKey, privateKeyPath or the secret privateKey. See README.md.
 */
import { readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AcceptanceStatus, BinfmtHost, TARGET_NAMES, TargetStatus } from "pulumi-qemu-binfmt";

const config = new pulumi.Config();

function privateKey(): pulumi.Output<string> | undefined {
  const file = config.get("privateKeyPath");
  if (file !== undefined && file !== "") {
    const resolved = file === "~" || file.startsWith("~/") ? path.join(os.homedir(), file.slice(1)) : file;
    return pulumi.secret(readFileSync(resolved, "utf8"));
  }
  return config.getSecret("privateKey");
}

const key = privateKey();
const hostKey = config.get("hostKey");

const host = new BinfmtHost("every-arch", {
  connection: {
    host: config.require("host"),
    port: config.getNumber("port") ?? 22,
    user: config.get("user") ?? "root",
    ...(hostKey !== undefined && hostKey !== "" ? { hostKey } : {}),
    ...(key !== undefined ? { privateKey: key } : {}),
  },
  architectures: [...TARGET_NAMES],
});

/** Per target: "registered" or "skipped" (native). */
export const status = host.targets.apply((t) => Object.fromEntries(Object.entries(t).map(([name, r]) => [name, r.status])));
/** Per target that has an image: what `uname -m` printed under emulation. */
export const uname = host.targets.apply((t) =>
  Object.fromEntries(
    Object.entries(t)
      .filter(([, r]) => r.acceptance.actual !== "")
      .map(([name, r]) => [name, r.acceptance.actual]),
  ),
);
/** Counts: registered, skipped, checked with docker. */
export const counts = host.targets.apply((t) => {
  const all = Object.values(t);
  return {
    targets: all.length,
    registered: all.filter((r) => r.status === TargetStatus.Registered).length,
    skipped: all.filter((r) => r.status === TargetStatus.Skipped).length,
    checked: all.filter((r) => r.acceptance.status === AcceptanceStatus.Passed).length,
  };
});
export const summary = host.summary;
