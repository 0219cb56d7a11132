// The Pulumi engine prepared by `npm run toolchain` (dev/toolchain/toolchain.sh), as seen from tests.
//
// toolchain.sh writes .toolchain/toolchain.json in the checkout; this module reads it and turns it into the
// environment that the Pulumi CLI, the Automation API (`LocalWorkspace` `envVars`) and child processes need to
// run offline: the toolchain's bin dir first on PATH, the project's PULUMI_HOME (plugin cache with the
// command provider), a local file backend and the variables that stop any download or update check.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";

export interface ToolchainBinary {
  version: string;
  path: string;
  /** "system" (found on PATH), "cache"/"built" (built from Go modules), "user-plugin-cache". */
  source: string;
}

export interface ToolchainInfo {
  schema: number;
  checkout: string;
  cacheDir: string;
  binDir: string;
  pulumi: ToolchainBinary;
  languageNodejs: ToolchainBinary;
  commandProvider: ToolchainBinary & { installedPath: string };
  dockerProviderAvailable: boolean;
  dockerProvider: { version: string | null; path: string | null };
  pulumiHome: string;
  backendUrl: string;
  pathPrepend: string[];
  env: Record<string, string>;
  timings: { step: string; seconds: number; action: string }[];
}

export interface ToolchainEnvOptions {
  /** Use a file backend in this directory instead of the checkout's `.state/pulumi`. */
  backendDir?: string;
  /** Passphrase for the passphrase secrets provider (default: the toolchain's, empty). */
  passphrase?: string;
}

/** The checkout this file lives in. */
export const repoRoot: string = path.resolve(__dirname, "..", "..");

export function toolchainJsonPath(root: string = repoRoot): string {
  return path.join(root, ".toolchain", "toolchain.json");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isBinary(v: unknown): v is ToolchainBinary {
  return isRecord(v) && typeof v.version === "string" && typeof v.path === "string" && typeof v.source === "string";
}

/** Reads .toolchain/toolchain.json; throws an error that says to run `npm run toolchain` when it is missing. */
export function readToolchain(root: string = repoRoot): ToolchainInfo {
  const file = toolchainJsonPath(root);
  if (!existsSync(file)) {
    throw new Error(
      `The Pulumi toolchain is not prepared: ${file} is missing. Run \`npm run toolchain\` in ${root} first ` +
        `(it builds or finds pulumi, pulumi-language-nodejs and the command plugin).`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${String(err)}); run \`npm run toolchain\` again.`);
  }
  if (
    !isRecord(parsed) ||
    !isBinary(parsed.pulumi) ||
    !isBinary(parsed.languageNodejs) ||
    !isBinary(parsed.commandProvider) ||
    typeof parsed.binDir !== "string" ||
    typeof parsed.dockerProviderAvailable !== "boolean" ||
    !isRecord(parsed.env)
  ) {
    throw new Error(`${file} does not have the expected shape; run \`npm run toolchain\` again.`);
  }
  const info = parsed as unknown as ToolchainInfo;
  if (!existsSync(info.pulumi.path)) {
    throw new Error(`${file} names ${info.pulumi.path}, which no longer exists; run \`npm run toolchain\` again.`);
  }
  return info;
}

/**
 * The environment (to merge over process.env) for the Pulumi CLI and the Automation API:
 * `LocalWorkspace.create({ envVars: toolchainEnv() })` or `spawn("pulumi", args, { env: { ...process.env, ...toolchainEnv() } })`.
 */
export function toolchainEnv(options: ToolchainEnvOptions = {}, root: string = repoRoot): Record<string, string> {
  const info = readToolchain(root);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(info.env)) {
    env[k] = String(v);
  }
  const prepend = info.pathPrepend.length > 0 ? info.pathPrepend : [info.binDir];
  env.PATH = [...prepend, process.env.PATH ?? ""].filter((p) => p !== "").join(path.delimiter);
  if (options.backendDir !== undefined) {
    env.PULUMI_BACKEND_URL = `file://${path.resolve(options.backendDir)}`;
  }
  if (options.passphrase !== undefined) {
    env.PULUMI_CONFIG_PASSPHRASE = options.passphrase;
  }
  return env;
}

/** Absolute path of the `pulumi` binary the toolchain provides. */
export function pulumiBinary(root: string = repoRoot): string {
  return path.join(readToolchain(root).binDir, "pulumi");
}

/**
 * The toolchain's CLI for the Automation API: `LocalWorkspace.create({ pulumiCommand: await pulumiCommand(),
 * envVars: toolchainEnv() })`. (Without it the Automation API looks `pulumi` up on the test process's own PATH.)
 */
export async function pulumiCommand(root: string = repoRoot): Promise<PulumiCommand> {
  const info = readToolchain(root);
  // PulumiCommand.get({ root }) runs `<root>/bin/pulumi`; binDir is `<checkout>/.toolchain/bin`.
  return PulumiCommand.get({ root: path.dirname(info.binDir), skipVersionCheck: false });
}

/** Whether a docker provider plugin (pulumi-resource-docker) at @pulumi/docker's version is available. */
export function dockerProviderAvailable(root: string = repoRoot): boolean {
  return readToolchain(root).dockerProviderAvailable;
}
