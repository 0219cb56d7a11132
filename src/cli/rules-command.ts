import { machine } from "node:os";
import { parseArgs } from "node:util";
import {
  BinfmtInputError,
  MaskPolicy,
  SkipPolicy,
  binfmtDFileName,
  buildRule,
  describeNothingToDo,
  flagsSchema,
  maskPolicySchema,
  parseInput,
  planTargets,
  renderRegisterString,
  skipPolicySchema,
} from "../binfmt";
import { catalogueRows, renderCatalogueTable } from "./catalogue-listing";
import { cliMessage } from "./error-fields";
import { CliIo, EXIT_OK, EXIT_USAGE } from "./io";
import { PROGRAM, USAGE } from "./usage";

const OPTIONS = {
  mask: { type: "string" },
  flags: { type: "string" },
  interpreter: { type: "string" },
  "interpreter-dir": { type: "string" },
  "interpreter-suffix": { type: "string" },
  "host-arch": { type: "string" },
  skip: { type: "string" },
  json: { type: "boolean" },
  list: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** `rules`: print the binfmt.d line per target, or the catalogue with --list. Returns the exit code. */
export function runRules(args: readonly string[], io: CliIo): number {
  const usageError = (message: string): number => {
    io.err(`${PROGRAM} rules: ${message}\n`);
    return EXIT_USAGE;
  };
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return usageError(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
  }
  const { values: v, positionals: targets } = parsed;
  if (v.help === true) {
    io.out(USAGE);
    return EXIT_OK;
  }
  if (v.list === true) {
    if (targets.length > 0) return usageError(`--list takes no TARGET (got ${targets.map((t) => JSON.stringify(t)).join(" ")})`);
    io.out(v.json === true ? `${JSON.stringify(catalogueRows(), null, 2)}\n` : renderCatalogueTable());
    return EXIT_OK;
  }
  if (targets.length === 0) return usageError(`name at least one TARGET (or use --list)\n\n${USAGE}`);
  if (v.interpreter !== undefined && targets.length > 1) {
    return usageError(`--interpreter names one emulator (${JSON.stringify(v.interpreter)}) but ${targets.length} TARGETs were given; give one TARGET, or use --interpreter-dir`);
  }

  try {
    const mask: MaskPolicy = parseInput(maskPolicySchema, v.mask ?? MaskPolicy.IgnoreAbiVersion, "mask");
    const skip: SkipPolicy = parseInput(skipPolicySchema, v.skip ?? SkipPolicy.Family, "skip");
    const flags = parseInput(flagsSchema, v.flags ?? "F", "flags");
    const hostMachine = v["host-arch"] ?? machine();
    const plan = planTargets(targets, hostMachine, skip);
    const ruleOptions = {
      mask,
      flags,
      ...(v.interpreter !== undefined ? { interpreter: v.interpreter } : {}),
      ...(v["interpreter-dir"] !== undefined ? { interpreterDir: v["interpreter-dir"] } : {}),
      ...(v["interpreter-suffix"] !== undefined ? { interpreterSuffix: v["interpreter-suffix"] } : {}),
    };
    const rules = plan.register.map((t) => ({ target: t.name, rule: buildRule(t, ruleOptions) }));
    if (v.json === true) {
      const report = {
        hostMachine,
        skipPolicy: skip,
        nothingToDo: plan.nothingToDo,
        rules: rules.map(({ target, rule }) => ({ target, fileName: binfmtDFileName(rule), registerString: renderRegisterString(rule), rule })),
        skipped: plan.skipped.map((s) => ({ target: s.target.name, reason: s.reason })),
      };
      io.out(`${JSON.stringify(report, null, 2)}\n`);
      return EXIT_OK;
    }
    for (const s of plan.skipped) io.err(`${PROGRAM}: skipped: ${s.reason}\n`);
    if (plan.nothingToDo) io.err(`${PROGRAM}: ${describeNothingToDo(plan, hostMachine)}\n`);
    for (const { rule } of rules) io.out(`${renderRegisterString(rule)}\n`);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof BinfmtInputError) return usageError(cliMessage(e));
    throw e;
  }
}
