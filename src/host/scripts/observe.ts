/**
 * The observation script (./observe.sh) with its variables: read-only, run as the login user (`sh -s`,
 * never through sudo), one session per host and run. What it prints is parsed by ../observation.ts.
 */
import { ObservationRequest, observationVars } from "../observation";
import { renderScript } from "../shell";

/** stdin of `sh -s`. */
export function observeScript(label: string, req: ObservationRequest): string {
  return renderScript({ label, vars: observationVars(req), files: ["elf.sh", "binfmt-entries.sh", "observe.sh"] });
}
