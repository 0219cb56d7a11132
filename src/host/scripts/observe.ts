/**
 * The observation script (./observe.sh) with its variables: read-only, run as the login user, one
 * session per host and run. What it prints is parsed by ../observation.ts.
 */
import { ObservationRequest, observationVars } from "../observation";
import { prelude, shellVars } from "../shell";
import { ELF_STATIC_FN } from "./elf";
import { loadScript } from "./load";

export function observeScript(label: string, req: ObservationRequest): string {
  return [prelude(label), shellVars(observationVars(req)), ELF_STATIC_FN, loadScript("observe.sh")].join("\n");
}
