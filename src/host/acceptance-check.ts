/**
 * What the acceptance check of one target runs and expects, derived from the name the user asked for (its
 * platform variant: src/binfmt/variants.ts), so the check proves the claim that was made, not a narrower one:
 *
 * - ARM v5/v6 ("linux/arm/v6", "arm32v6", "armv6l", "armel", "linux/arm/v5"): the variant's own image
 *   (arm32v6/busybox, arm32v5/busybox) and platform, run with QEMU_CPU set to a CPU of that architecture.
 *   qemu-arm reports `uname -m` from its CPU model (QEMU linux-user/uname.c cpu_to_uname_machine): armv7l
 *   with its default CPU whatever the program, armv6l with an ARMv6 CPU, armv5tel with an ARMv5TE one. So the
 *   check sets QEMU_CPU=arm1176 (ARMv6: the Raspberry Pi 1/Zero core) or arm926 (ARMv5TEJ) and expects armv6l
 *   or armv5tel: the image's programs must then run on that CPU, and an ARMv7-only instruction in them fails
 *   the check. On a host that runs 32-bit ARM natively QEMU_CPU is not read and the host's own machine is
 *   expected (scripts/check.sh NATIVE).
 * - x86-64 levels ("linux/amd64/v2", "amd64/v3"): `uname -m` prints x86_64 at every level, and an image of a
 *   level the emulated CPU lacks stops at its first dynamically linked program ("Fatal glibc error: CPU does
 *   not support x86-64-v2", RHEL 9/UBI 9 on QEMU < 7). The check therefore also runs the image's dynamic
 *   loader, `/lib64/ld-linux-x86-64.so.2 --help` (the x86-64 psABI's interpreter path), which since glibc 2.33
 *   lists each level as "supported" from the CPU it runs on: the same test glibc applies before refusing. The
 *   default image is amd64/busybox:glibc (its busybox is linked against glibc, so the loader is there);
 *   `--platform` stays linux/amd64, the platform that image is published for (a level is not a separate
 *   manifest there), and the level is proven by the loader instead.
 * - any other variant of a target's Docker platforms ("linux/arm64/v8", "linux/arm/v7"): that platform.
 * An image or platform given in `acceptance.images` / `acceptance.platforms` replaces the derived one; the
 * CPU and the level stay (they are what the name claims).
 */
import { TargetInfo, platformVariant } from "../binfmt";
import { TargetAcceptance } from "./config";

/** QEMU CPU models (`qemu-arm -cpu help`) per ARM variant, and what `uname -m` prints with them. */
// prettier-ignore
const ARM_CPUS: Readonly<Record<string, { readonly cpu: string; readonly machine: string }>> = {
  v5: { cpu: "arm926", machine: "armv5tel" },
  v6: { cpu: "arm1176", machine: "armv6l" },
};

/** The image holding glibc's loader for the x86-64 level check. */
export const X86_64_LEVEL_IMAGE = "amd64/busybox:glibc";

/**
 * The acceptance settings of `target`, requested as `requested` (the user's spelling): the given image and
 * platform when set, else derived from the spelling's variant (see above), else the target's first official
 * namespace (`<ns>/busybox`) and first Docker platform; "" image = no check.
 */
export function acceptanceFor(target: TargetInfo, requested: string, image: string | undefined, platform: string | undefined): TargetAcceptance {
  const variant = platformVariant(requested, target);
  const base = target.dockerPlatforms[0] ?? "";
  const ns = target.imageNamespaces[0];
  const plain: TargetAcceptance = {
    requested,
    image: ns !== undefined ? `${ns}/busybox` : "",
    platform: base,
    expected: target.unameMachine,
    qemuCpu: "",
    isaLevel: "",
  };
  let derived = plain;
  if (variant !== undefined) {
    const variantPlatform = target.dockerPlatforms.find((p) => p.endsWith(`/${variant}`));
    const variantNs = target.imageNamespaces.find((n) => n.endsWith(variant));
    const arm = target.name === "arm" ? ARM_CPUS[variant] : undefined;
    if (target.name === "x86_64" && variant !== "v1") {
      derived = { ...plain, image: X86_64_LEVEL_IMAGE, isaLevel: `x86-64-${variant}` };
    } else {
      derived = {
        ...plain,
        image: variantNs !== undefined ? `${variantNs}/busybox` : plain.image,
        platform: variantPlatform ?? plain.platform,
        ...(arm !== undefined ? { qemuCpu: arm.cpu, expected: arm.machine } : {}),
      };
    }
  }
  return { ...derived, image: image ?? derived.image, platform: platform ?? derived.platform };
}
