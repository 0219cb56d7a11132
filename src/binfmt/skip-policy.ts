/**
 * Which requested targets a host skips because it runs them natively.
 * - Family: QEMU's rule — skip every target of the host's family (x86_64 host: i386, i486, x86_64;
 *   aarch64 host: aarch64 and arm, although some aarch64 CPUs cannot run AArch32).
 * - ExactNative: skip only the target(s) the host is (see nativeTargetsOf), e.g. register arm on an
 *   aarch64 host without AArch32.
 */
export enum SkipPolicy {
  /** Skip every target of the host's family (QEMU's rule; an aarch64 host skips aarch64 and arm). */
  Family = "family",
  /** Skip only the target(s) the host is, e.g. register arm on an aarch64 host without AArch32. */
  ExactNative = "exact-native",
}

export const SKIP_POLICIES: readonly SkipPolicy[] = [SkipPolicy.Family, SkipPolicy.ExactNative];
