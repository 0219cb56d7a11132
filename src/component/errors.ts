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
