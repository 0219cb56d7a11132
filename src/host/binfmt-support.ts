/**
 * The observation's binfmtSupport record (./scripts/observe.sh): whether the running kernel can have
 * binfmt_misc at all, and whether it may be written from the login session. Enforced by ./capability.ts.
 */
import { z } from "zod";

/**
 * Whether the running kernel can have binfmt_misc at all, and whether it may be written from the login
 * session's mount namespace (./scripts/observe.sh; enforced before any change by ./capability.ts).
 */
export interface ObservedBinfmtSupport {
  /**
   * "listed": /proc/filesystems lists binfmt_misc (built in, or its module loaded); "builtin": the running
   * kernel's modules.builtin names it; "module": a binfmt_misc module of the running kernel exists (a mount
   * loads it); "none": neither, while /lib/modules/<release> exists; "no-modules": neither, and the running
   * kernel has no /lib/modules/<release> (no module can be loaded).
   */
  readonly support: "listed" | "builtin" | "module" | "none" | "no-modules";
  /** binfmt_misc is mounted read-only (false when it is not mounted). */
  readonly readOnly: boolean;
  /** /lib/modules/<release> of the running kernel, as the script looked there. */
  readonly modulesDir: string;
}

export const binfmtSupportRecord = z.object({
  kind: z.literal("binfmtSupport"),
  support: z.enum(["listed", "builtin", "module", "none", "no-modules"]),
  readOnly: z.boolean(),
  modulesDir: z.string(),
});
