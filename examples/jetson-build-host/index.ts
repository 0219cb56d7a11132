/**
 * jetson-build-host: the "Jetson Containers" article's setup as code. An x86_64 machine that builds NVIDIA Jetson (L4T)
 * images gets QEMU user-mode emulation for arm (arm32v7) and aarch64 (arm64v8) registered with binfmt_misc:
 * a file per target in /etc/binfmt.d (applied again at every boot), flag F so the interpreter works inside
 * containers and chroots (debootstrap'ed L4T root file systems), the article's relaxed mask. Then the docker
 * check proves it: `docker run arm64v8/busybox uname -m` prints aarch64, `arm32v7/busybox` prints armv7l.
 *
 * Config: host (required), port, user, hostKey, privateKeyPath or the secret privateKey. See README.md.
 */
import { readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { BinfmtHost, MaskPolicy } from "pulumi-qemu-binfmt";

const config = new pulumi.Config();

/** The SSH key as a secret: from the file named by `privateKeyPath`, or the secret config `privateKey`. */
function privateKey(): pulumi.Output<string> | undefined {
  const file = config.get("privateKeyPath");
  if (file !== undefined && file !== "") {
    const resolved = file === "~" || file.startsWith("~/") ? path.join(os.homedir(), file.slice(1)) : file;
    return pulumi.secret(readFileSync(resolved, "utf8"));
  }
  return config.getSecret("privateKey"); // undefined: the component falls back to ssh-agent ($SSH_AUTH_SOCK)
}

const key = privateKey();
const hostKey = config.get("hostKey");

const builder = new BinfmtHost("jetson-builder", {
  connection: {
    host: config.require("host"),
    port: config.getNumber("port") ?? 22,
    user: config.get("user") ?? "root",
    // Pin the host key ("ssh-ed25519 AAAA…"); without it, host keys are not checked at all.
    ...(hostKey !== undefined && hostKey !== "" ? { hostKey } : {}),
    ...(key !== undefined ? { privateKey: key } : {}),
  },
  // The article's two formats: arm32v7 (qemu-arm) and arm64v8 (qemu-aarch64).
  architectures: ["arm", "aarch64"],
  // The article's choices, spelled out (they are also the defaults): "fix binary" and the relaxed mask that
  // ignores EI_VERSION and the rest of e_ident.
  flags: "F",
  maskPolicy: MaskPolicy.IgnoreAbiVersion,
});

/** What `uname -m` printed in each target's container: { arm: "armv7l", aarch64: "aarch64" }. */
export const uname = builder.targets.apply((t) => Object.fromEntries(Object.entries(t).map(([target, r]) => [target, r.acceptance.actual])));
/** The build host's own machine; Jetson images are built on x86_64 hosts. */
export const hostMachine = builder.facts.apply((f) => f.machine);
/** The interpreter each target is registered with, e.g. /usr/bin/qemu-aarch64-static. */
export const interpreters = builder.targets.apply((t) => Object.fromEntries(Object.entries(t).map(([target, r]) => [target, r.interpreter])));
/** The binfmt.d file per target (what makes it survive a reboot). */
export const files = builder.targets.apply((t) => Object.fromEntries(Object.entries(t).map(([target, r]) => [target, r.file])));
/** The packages installed for the interpreters. */
export const packages = builder.packages;
/** A few readable lines. */
export const summary = builder.summary;
