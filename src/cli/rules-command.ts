import { machine } from "node:os";
import { parseArgs } from "node:util";
import {
  BinfmtInputError,
  RULE_DEFAULTS,
  absolutePathSchema,
  binfmtDFileName,
  buildRule,
  describeNothingToDo,
  flagsSchema,
  hostMachineSchema,
  interpreterSuffixSchema,
  maskPolicySchema,
  parseInput,
  planTargets,
  renderRegisterString,
  resolveTarget,
  skipPolicySchema,
} from "../binfmt";
import { interpreterLayout } from "../host/facts";
import { IMAGE_INTERPRETER_ROOT, imageInterpreterPath, parsePinnedImage, PinnedImage } from "../host/image";
import { interpreterFor } from "../host/interpreter";
import { kernelProblems } from "../host/kernel";
import { catalogueRows, renderCatalogueTable } from "./catalogue-listing";
import { cliMessage } from "./error-fields";
import { factsFor } from "./host-facts";
import { CliIo, EXIT_OK, EXIT_USAGE } from "./io";
import { PROGRAM, USAGE } from "./usage";

const OPTIONS = {
  mask: { type: "string" },
  flags: { type: "string" },
  interpreter: { type: "string" },
  "interpreter-dir": { type: "string" },
  "interpreter-suffix": { type: "string" },
  "target-interpreter": { type: "string", multiple: true },
  "interpreter-image": { type: "string" },
  "host-arch": { type: "string" },
  distribution: { type: "string" },
  kernel: { type: "string" },
  facts: { type: "string" },
  skip: { type: "string" },
  json: { type: "boolean" },
  list: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * `--opt VALUE` -> `--opt=VALUE` for every option that takes a value, so a value that starts with "-"
 * (`--interpreter-suffix -static`) is the option's value: util.parseArgs alone calls it ambiguous. After
 * "--" everything is a TARGET.
 */
export function joinOptionValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a === "--") {
      out.push(...args.slice(i));
      break;
    }
    const spec = a.startsWith("--") ? (OPTIONS as Record<string, { type: string }>)[a.slice(2)] : undefined;
    const next = args[i + 1];
    if (spec?.type === "string" && next !== undefined) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** `--target-interpreter TARGET=PATH` (repeatable) -> { qemuName: path }; each target once. */
function targetInterpreters(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new BinfmtInputError("targetInterpreter", v, `expected TARGET=PATH, e.g. aarch64=/usr/libexec/qemu-binfmt/aarch64-binfmt-P, got ${JSON.stringify(v)}`);
    const t = resolveTarget(v.slice(0, eq), "targetInterpreter");
    if (out[t.name] !== undefined) throw new BinfmtInputError("targetInterpreter", v, `${t.name} already has an interpreter (${JSON.stringify(out[t.name])}); give one per target`);
    out[t.name] = parseInput(absolutePathSchema, v.slice(eq + 1), "targetInterpreter");
  }
  return out;
}

/** The options that place the interpreters the apt way, which an image's fixed directory replaces. */
const APT_LAYOUT_OPTIONS = ["interpreter", "interpreter-dir", "interpreter-suffix", "target-interpreter"] as const;

/**
 * `--interpreter-image NAME@sha256:<hex>` (installSource "image"): the pin, refused as the component refuses it
 * (a tag alone can move), and alone: the image's directory fixes every interpreter path.
 */
function pinnedImage(reference: string | undefined, given: Readonly<Record<string, unknown>>): PinnedImage | undefined {
  if (reference === undefined) return undefined;
  const clash = APT_LAYOUT_OPTIONS.find((o) => given[o] !== undefined);
  if (clash !== undefined) {
    throw new BinfmtInputError(
      "interpreterImage",
      reference,
      `the interpreters of ${JSON.stringify(reference)} are ${IMAGE_INTERPRETER_ROOT}/<digest>/qemu-<cpu> (installSource "image"), so --${clash} does not apply; drop one of the two`,
    );
  }
  try {
    return parsePinnedImage(reference);
  } catch (e) {
    throw new BinfmtInputError("interpreterImage", reference, e instanceof Error ? e.message : String(e));
  }
}

/** `rules`: print the binfmt.d line per target, or the catalogue with --list. Returns the exit code. */
export function runRules(args: readonly string[], io: CliIo): number {
  const usageError = (message: string): number => {
    io.err(`${PROGRAM} rules: ${message}\n`);
    return EXIT_USAGE;
  };
  let parsed;
  try {
    parsed = parseArgs({ args: joinOptionValues(args), options: OPTIONS, allowPositionals: true, strict: true });
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
    const mask = parseInput(maskPolicySchema, v.mask ?? RULE_DEFAULTS.maskPolicy, "mask");
    const skip = parseInput(skipPolicySchema, v.skip ?? RULE_DEFAULTS.skipPolicy, "skip");
    const flags = parseInput(flagsSchema, v.flags ?? RULE_DEFAULTS.flags, "flags");
    const facts = factsFor({ machine: "", distribution: v.distribution, kernel: v.kernel, factsFile: v.facts });
    const hostMachine = parseInput(hostMachineSchema, v["host-arch"] ?? (facts.machine !== "" ? facts.machine : machine()), "hostMachine");
    const image = pinnedImage(v["interpreter-image"], v);
    const plan = planTargets(targets, hostMachine, skip);
    const choice = {
      interpreters: targetInterpreters(v["target-interpreter"]),
      ...(v["interpreter-dir"] !== undefined ? { interpreterDir: parseInput(absolutePathSchema, v["interpreter-dir"], "interpreterDir") } : {}),
      ...(v["interpreter-suffix"] !== undefined ? { interpreterSuffix: parseInput(interpreterSuffixSchema, v["interpreter-suffix"], "interpreterSuffix") } : {}),
    };
    // An interpreter for a target nobody asked for would be silently ignored: say so instead.
    const requested = new Set([...plan.register, ...plan.skipped.map((s) => s.target)].map((t) => t.name));
    const unrequested = Object.keys(choice.interpreters).filter((name) => !requested.has(name));
    if (unrequested.length > 0) {
      const given = unrequested.map((n) => JSON.stringify(`${n}=${choice.interpreters[n]}`)).join(", ");
      throw new BinfmtInputError(
        "targetInterpreter",
        given,
        `${given} names a target that is not among the TARGETs (${[...requested].join(", ")}); add it as a TARGET or drop the option`,
      );
    }
    const rules = plan.register.map((t) => ({
      target: t.name,
      // --interpreter goes through buildRule's own check (not together with --interpreter-dir/-suffix).
      rule:
        image !== undefined
          ? buildRule(t, { mask, flags, interpreter: imageInterpreterPath(image, t) })
          : v.interpreter !== undefined
            ? buildRule(t, {
                mask,
                flags,
                interpreter: v.interpreter,
                ...(choice.interpreterDir !== undefined ? { interpreterDir: choice.interpreterDir } : {}),
                ...(choice.interpreterSuffix !== undefined ? { interpreterSuffix: choice.interpreterSuffix } : {}),
              })
            : buildRule(t, { mask, flags, interpreter: interpreterFor(t, choice, interpreterLayout({ ...facts, machine: hostMachine })) }),
    }));
    const refused = rules.flatMap(({ rule }) => kernelProblems(rule, facts.kernel));
    if (refused.length > 0) return usageError(`refused for kernel ${facts.kernel}: ${refused.join("; ")}`);
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
