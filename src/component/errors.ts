import * as pulumi from "@pulumi/pulumi";

/**
 * The error the component throws for bad arguments, before creating any resource. It names the field
 * ("args.connection.port"), quotes the value (never for secrets) and says what to do.
 */
export class BinfmtArgsError extends Error {
  /** The first bad field, e.g. "args.architectures[1]". */
  readonly field: string;
  /** Every problem found, "field: message". */
  readonly problems: readonly string[];

  constructor(component: string, problems: readonly { field: string; message: string }[]) {
    const lines = problems.map((p) => `${p.field}: ${p.message}`);
    super(`${component}: invalid arguments:\n  ${lines.join("\n  ")}`);
    this.name = "BinfmtArgsError";
    this.field = problems[0]?.field ?? "args";
    this.problems = lines;
  }
}

/**
 * Run `f` (a step that shapes a resource's inputs or reads its outputs: parse facts, plan, read a report)
 * and re-throw any failure as `pulumi.ResourceError` attributed to `resource`, so the Pulumi CLI shows it
 * under that resource instead of as an unattributed program error. The message is kept as it is.
 */
export function attributed<T>(resource: pulumi.Resource, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof pulumi.ResourceError) throw e;
    throw new pulumi.ResourceError(e instanceof Error ? e.message : String(e), resource);
  }
}
