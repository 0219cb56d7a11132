/**
 * The one error type the binfmt core throws for bad input. It carries the field that was wrong,
 * the value as given and the valid choices (nearest first where that makes sense), so that a CLI,
 * a Pulumi component or a test can show a useful message without parsing strings.
 */
export class BinfmtInputError extends Error {
  readonly field: string;
  readonly value: unknown;
  readonly choices: readonly string[];

  constructor(field: string, value: unknown, problem: string, choices: readonly string[] = []) {
    super(`${field}: ${problem}`);
    this.name = "BinfmtInputError";
    this.field = field;
    this.value = value;
    this.choices = choices;
  }
}

/** Quote a user value for an error message: JSON quoting shows control characters and quotes unambiguously. */
export function quote(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
