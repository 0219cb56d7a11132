/**
 * Platform variants: the part of a name that `resolveTarget` does not keep. "linux/arm/v6", "arm32v6" and
 * "armv6l" all resolve to the target arm (one binfmt_misc entry runs every ARM EABI program), but they claim
 * more than "arm": that ARMv6 programs run. The acceptance check has to prove the claim that was made, so the
 * variant asked for is read here, from the spelling, and the check is derived from it
 * (src/host/acceptance-check.ts).
 *
 * Variants are Docker's (the OCI image index `platform.variant`: v5, v6, v7, v8 for ARM; v1..v4 for the
 * x86-64 micro-architecture levels of the x86-64 psABI), read from:
 * - Docker platforms with a variant: "linux/arm/v6", "arm/v6", "linux/amd64/v3";
 * - official image namespaces: "arm32v6" (Docker Hub's namespace per variant);
 * - the kernel's and Debian's ARM names: armv5/armv5tel and armel (Debian's armel baseline is ARMv5TE;
 *   Docker's arm32v5 images are Debian armel), armv6/armv6l, armv7/armv7l and armhf (Debian's armhf is ARMv7).
 * A name that says nothing about a variant ("arm", "linux/arm", "amd64") has none: the target's default check.
 */
import { TargetInfo } from "./catalogue";

// prettier-ignore
const ARM_NAME_VARIANTS: Readonly<Record<string, string>> = {
  armv5: "v5", armv5tel: "v5", armel: "v5",
  armv6: "v6", armv6l: "v6",
  armv7: "v7", armv7l: "v7", armhf: "v7",
};

/**
 * The platform variant a name asks for ("v6", "v2"), or undefined when the name has none. `target` is what
 * the name resolved to (resolveTarget): a variant is only read from a name of that target's own spellings.
 */
export function platformVariant(name: string, target: TargetInfo): string | undefined {
  const n = name.toLowerCase();
  const platform = target.dockerPlatforms.find((p) => n === p || n === p.replace(/^linux\//, ""));
  const fromPlatform = platform === undefined ? undefined : /\/(v\d+)$/.exec(platform)?.[1];
  if (fromPlatform !== undefined) return fromPlatform;
  if (target.imageNamespaces.includes(n)) {
    const fromNamespace = /(v\d+)$/.exec(n)?.[1];
    if (fromNamespace !== undefined && target.dockerPlatforms.some((p) => p.endsWith(`/${fromNamespace}`))) return fromNamespace;
  }
  return target.name === "arm" ? ARM_NAME_VARIANTS[n] : undefined;
}
