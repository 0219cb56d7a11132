/**
 * The facts script (./facts.sh): read-only, unprivileged. Prints one JSON object (parsed by ../facts.ts);
 * fails only when the login user is not root and `sudo -n` would need a password.
 */
import { renderScript } from "../shell";

/** stdin of `sh -s` (no action). */
export function factsScript(label: string): string {
  return renderScript({ label, vars: {}, files: ["facts.sh"] });
}
