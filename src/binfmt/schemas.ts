import { z } from "zod";
import { TARGET_NAMES, TargetInfo } from "./catalogue";
import { BinfmtInputError, quote } from "./errors";
import { FLAG_LETTERS, canonicalFlags } from "./flags";
import { MASK_POLICIES, MaskPolicy } from "./mask-policy";
import { resolveTarget } from "./names";
import { SKIP_POLICIES, SkipPolicy } from "./skip-policy";

/**
 * zod schemas for everything a user can pass. Values end up in shell commands run over SSH and in
 * binfmt registration lines (fields separated by ':'), so each schema allows a small character set
 * that carries no shell syntax and no ':' — anything else is rejected, never escaped.
 *
 * Messages quote the bad value and say what is valid; the field name comes from the zod path
 * (see toInputError / parseInput).
 */

const SAFE_WORD = /^[A-Za-z0-9._+-]+$/;

function notAString(what: string, valid: string) {
  return (iss: { input?: unknown }) => `expected ${what}, got ${quote(iss.input)}; ${valid}`;
}

/** First character of `value` outside `allowed`, for messages. */
function firstBadChar(value: string, allowed: RegExp): string | undefined {
  return [...value].find((c) => !allowed.test(c));
}

const TARGET_CHAR = /[A-Za-z0-9._/-]/;

/** The catalogue entry `value` names, or undefined after adding the issue that says why it names none. */
function checkTarget(value: string, ctx: z.core.$RefinementCtx): TargetInfo | undefined {
  const bad = firstBadChar(value, TARGET_CHAR);
  if (value.length === 0 || value.length > 64 || bad !== undefined) {
    const why = value.length === 0 ? "is empty" : bad !== undefined ? `has character ${quote(bad)}` : "is longer than 64 characters";
    ctx.addIssue({
      code: "custom",
      input: value,
      message: `invalid target ${quote(value)}: it ${why}; valid targets: ${TARGET_NAMES.join(", ")}`,
      params: { choices: TARGET_NAMES },
    });
    return undefined;
  }
  try {
    return resolveTarget(value);
  } catch (e) {
    if (!(e instanceof BinfmtInputError)) throw e;
    ctx.addIssue({ code: "custom", input: value, message: e.message.replace(/^target: /, ""), params: { choices: e.choices } });
    return undefined;
  }
}

const targetNameError = notAString("a target name", `valid targets: ${TARGET_NAMES.join(", ")}`);

/** A target name (any accepted spelling), kept as given. */
export const targetNameSchema = z.string({ error: targetNameError }).superRefine((value, ctx) => {
  checkTarget(value, ctx);
});

/** A target name resolved to its catalogue entry, once. */
export const targetSchema = z.string({ error: targetNameError }).transform((value, ctx) => checkTarget(value, ctx) ?? z.NEVER);

export const targetListSchema = z
  .array(targetSchema, { error: notAString("a list of target names", `e.g. ["arm64", "linux/arm/v7"]`) })
  .min(1, { message: `name at least one target; valid targets: ${TARGET_NAMES.join(", ")}` });

/** Flag letters, validated and normalised once (canonicalFlags: kernel order, C implies O). */
export const flagsSchema = z
  .string({ error: notAString("a string of flag letters", `valid letters: ${FLAG_LETTERS.join(", ")}`) })
  .superRefine((value, ctx) => {
    const bad = [...value].find((c) => !(FLAG_LETTERS as readonly string[]).includes(c));
    if (bad !== undefined || value.length > 8) {
      const why = bad !== undefined ? `unknown flag ${quote(bad)}` : "more than 8 letters";
      ctx.addIssue({
        code: "custom",
        input: value,
        message: `invalid flags ${quote(value)}: ${why}; valid letters: ${FLAG_LETTERS.join(", ")} (upper case, e.g. "F", "FP", "FC")`,
        params: { choices: FLAG_LETTERS },
      });
    }
  })
  .transform(canonicalFlags);

const PATH_RULE = `an absolute path: "/" then segments of letters, digits, ".", "_", "+", "-" (no "." or ".." segment, no "//", no trailing "/", at most 1024 characters)`;

export const absolutePathSchema = z.string({ error: notAString("an absolute path", `expected ${PATH_RULE}`) }).superRefine((value, ctx) => {
  const problem = pathProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: "custom", input: value, message: `invalid path ${quote(value)}: ${problem}; expected ${PATH_RULE}` });
});

function pathProblem(value: string): string | undefined {
  if (value.length === 0) return "it is empty";
  if (value.length > 1024) return "it is longer than 1024 characters";
  if (!value.startsWith("/")) return "it is not absolute";
  if (value === "/") return "it is the root directory";
  const bad = firstBadChar(value, /[A-Za-z0-9._+/-]/);
  if (bad !== undefined) return `character ${quote(bad)} is not allowed`;
  const segments = value.slice(1).split("/");
  if (segments.some((s) => s === "")) return value.endsWith("/") ? 'it ends with "/"' : 'it contains "//"';
  if (segments.some((s) => s === "." || s === "..")) return 'it contains a "." or ".." segment';
  if (segments.some((s) => s.startsWith("-"))) return 'a segment starts with "-"';
  return undefined;
}

const FILE_NAME_RULE = `a file name of letters, digits, ".", "_", "+", "-" (not "." or "..", not starting with "-", at most 255 characters)`;

export const fileNameSchema = z.string({ error: notAString("a file name", `expected ${FILE_NAME_RULE}`) }).superRefine((value, ctx) => {
  let problem: string | undefined;
  if (value.length === 0) problem = "it is empty";
  else if (value.length > 255) problem = "it is longer than 255 characters";
  else if (!SAFE_WORD.test(value)) problem = `character ${quote(firstBadChar(value, /[A-Za-z0-9._+-]/) ?? "")} is not allowed`;
  else if (value === "." || value === "..") problem = "it is a directory reference";
  else if (value.startsWith("-")) problem = 'it starts with "-"';
  if (problem !== undefined) ctx.addIssue({ code: "custom", input: value, message: `invalid file name ${quote(value)}: ${problem}; expected ${FILE_NAME_RULE}` });
});

/** Appended to the emulator name ("-static" -> qemu-arm-static); may be empty. */
export const interpreterSuffixSchema = z.string({ error: notAString("an interpreter suffix", `e.g. "-static" or ""`) }).superRefine((value, ctx) => {
  if (value.length > 64 || (value.length > 0 && !SAFE_WORD.test(value))) {
    ctx.addIssue({
      code: "custom",
      input: value,
      message: `invalid interpreter suffix ${quote(value)}: use at most 64 letters, digits, ".", "_", "+", "-" (e.g. "-static", or "" for none)`,
    });
  }
});

/** A host's `uname -m` (x86_64, aarch64, armv7l, ...). */
export const hostMachineSchema = z.string({ error: notAString("a host machine name (uname -m)", `e.g. "x86_64", "aarch64"`) }).superRefine((value, ctx) => {
  if (value.length === 0 || value.length > 64 || !/^[A-Za-z0-9._-]+$/.test(value)) {
    ctx.addIssue({
      code: "custom",
      input: value,
      message: `invalid host machine ${quote(value)}: expected what \`uname -m\` prints (letters, digits, ".", "_", "-"), e.g. "x86_64", "aarch64", "armv7l"`,
    });
  }
});

export const maskPolicySchema = z.enum(MaskPolicy, {
  error: (iss) => `invalid mask policy ${quote(iss.input)}; valid: ${MASK_POLICIES.join(", ")}`,
});

export const skipPolicySchema = z.enum(SkipPolicy, {
  error: (iss) => `invalid skip policy ${quote(iss.input)}; valid: ${SKIP_POLICIES.join(", ")}`,
});

export const ruleOptionsSchema = z
  .strictObject(
    {
      mask: maskPolicySchema.optional(),
      flags: flagsSchema.optional(),
      interpreter: absolutePathSchema.optional(),
      interpreterDir: absolutePathSchema.optional(),
      interpreterSuffix: interpreterSuffixSchema.optional(),
    },
    {
      error: (iss) =>
        iss.code === "unrecognized_keys"
          ? `unknown option(s) ${iss.keys.map((k) => quote(k)).join(", ")}; valid: mask, flags, interpreter, interpreterDir, interpreterSuffix`
          : `expected an options object, got ${quote(iss.input)}`,
    },
  )
  .superRefine((o, ctx) => {
    if (o.interpreter !== undefined && (o.interpreterDir !== undefined || o.interpreterSuffix !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["interpreter"],
        input: o.interpreter,
        message: `give either interpreter (${quote(o.interpreter)}) or interpreterDir/interpreterSuffix, not both`,
      });
    }
  });

/** "targets[1]", "options.flags": a zod path as a field name under `root`. */
export function fieldName(root: string, path: readonly PropertyKey[], whole = "value"): string {
  let out = root;
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? whole : out;
}

/** The first issue of a ZodError as a BinfmtInputError (field, value, message, choices). */
export function toInputError(error: z.ZodError, root: string, value: unknown, whole = "value"): BinfmtInputError {
  const issue = error.issues[0];
  if (issue === undefined) return new BinfmtInputError(root || whole, value, "invalid value");
  let bad: unknown = value;
  for (const key of issue.path) bad = bad !== null && typeof bad === "object" ? (bad as Record<PropertyKey, unknown>)[key] : undefined;
  return new BinfmtInputError(fieldName(root, issue.path, whole), bad, issue.message, choicesOf(issue));
}

/** Valid choices carried by an issue: our custom issues' params.choices, or an enum's values. */
function choicesOf(issue: z.core.$ZodIssue): string[] {
  const raw: unknown = issue.code === "invalid_value" ? issue.values : issue.code === "custom" ? (issue.params as { choices?: unknown } | undefined)?.choices : undefined;
  return Array.isArray(raw) ? raw.filter((c): c is string => typeof c === "string") : [];
}

/**
 * Validate `value` with `schema`; throw a BinfmtInputError naming the field when invalid. The field is
 * `root` plus the zod path ("targets[2]", "flags"); `whole` names the value itself when the path is empty.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, root: string, whole = root || "value"): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw toInputError(result.error, root, value, whole);
  return result.data;
}
