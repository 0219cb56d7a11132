/**
 * The host facts the `rules` CLI plans with, so it derives the interpreter path (and the kernel checks)
 * exactly as the component does on that host: from `--facts FILE.json` (the component's `facts` output,
 * or what the facts script prints), or from `--distribution ID:VERSION` and `--kernel RELEASE`.
 * Without either, the distribution is unknown and the component's fallback applies (qemu-user-static's
 * /usr/bin/qemu-<cpu>-static), and no kernel check runs.
 */
import { readFileSync } from "node:fs";
import { BinfmtInputError, quote } from "../binfmt";
import { Privilege } from "../host/enums";
import { HostFacts, factsSchema } from "../host/facts";

export interface FactsOptions {
  readonly machine: string;
  readonly distribution?: string | undefined;
  readonly kernel?: string | undefined;
  readonly factsFile?: string | undefined;
}

const DISTRIBUTION = /^([a-z0-9][a-z0-9._-]*)(?::([0-9][0-9.]*)?)?$/;

/** Facts from a JSON file; BinfmtInputError "factsFile" when it cannot be read or is not facts. */
export function readFactsFile(path: string): HostFacts {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new BinfmtInputError("factsFile", path, `cannot read host facts from ${quote(path)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = factsSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new BinfmtInputError("factsFile", path, `${quote(path)} does not hold host facts: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return r.data;
}

/** Facts for a host of which only the machine, and perhaps the distribution and kernel, are known. */
export function factsFor(o: FactsOptions): HostFacts {
  if (o.factsFile !== undefined) {
    if (o.distribution !== undefined || o.kernel !== undefined) {
      throw new BinfmtInputError("factsFile", o.factsFile, "give either --facts or --distribution/--kernel, not both: the facts file has the distribution and the kernel");
    }
    return readFactsFile(o.factsFile);
  }
  let distroId = "";
  let distroVersion = "";
  if (o.distribution !== undefined) {
    const m = DISTRIBUTION.exec(o.distribution);
    if (m === null) {
      throw new BinfmtInputError(
        "distribution",
        o.distribution,
        `invalid distribution ${quote(o.distribution)}: expected os-release ID[:VERSION_ID], e.g. "debian:13", "ubuntu:24.04", "debian:" (testing/unstable, no VERSION_ID)`,
      );
    }
    distroId = m[1] ?? "";
    distroVersion = m[2] ?? "";
  }
  return {
    machine: o.machine,
    kernel: o.kernel ?? "",
    hostname: "",
    distroId,
    distroVersion,
    distroCodename: "",
    distroName: o.distribution ?? "",
    distroLike: "",
    systemd: true,
    binfmtMiscMounted: true,
    user: "root",
    privilege: Privilege.Root,
    docker: true,
    apt: true,
    flock: true,
  };
}
