import { BinfmtInputError } from "../binfmt";

/** Core field names as the CLI user knows them. */
const OPTION_OF_FIELD: Readonly<Record<string, string>> = {
  mask: "--mask",
  flags: "--flags",
  interpreter: "--interpreter",
  interpreterDir: "--interpreter-dir",
  interpreterSuffix: "--interpreter-suffix",
  hostMachine: "--host-arch",
  skip: "--skip",
  distribution: "--distribution",
  kernel: "--kernel",
  factsFile: "--facts",
  targetInterpreter: "--target-interpreter",
  interpreterImage: "--interpreter-image",
  targets: "TARGET",
};

/** "targets[1]: unknown target ..." -> "TARGET #2: unknown target ...", "interpreterDir: ..." -> "--interpreter-dir: ...". */
export function cliMessage(error: BinfmtInputError): string {
  const problem = error.message.startsWith(`${error.field}: `) ? error.message.slice(error.field.length + 2) : error.message;
  const indexed = /^targets\[(\d+)\]$/.exec(error.field);
  const label = indexed?.[1] !== undefined ? `TARGET #${Number(indexed[1]) + 1}` : (OPTION_OF_FIELD[error.field] ?? error.field);
  return `${label}: ${problem}`;
}
