#!/usr/bin/env node
// The pulumi-qemu-binfmt command (package.json "bin"). Only the binfmt core behind it: no Pulumi, no network.
import { runRules } from "./rules-command";
import { CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./io";
import { PROGRAM, USAGE } from "./usage";

export function runCli(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  switch (command) {
    case "rules":
      return runRules(rest, io);
    case "-h":
    case "--help":
    case "help":
      io.out(USAGE);
      return EXIT_OK;
    case undefined:
      io.err(`${PROGRAM}: name a command\n\n${USAGE}`);
      return EXIT_USAGE;
    default:
      io.err(`${PROGRAM}: unknown command ${JSON.stringify(command)}; valid commands: rules\n\n${USAGE}`);
      return EXIT_USAGE;
  }
}

if (require.main === module) {
  const io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  try {
    process.exitCode = runCli(process.argv.slice(2), io);
  } catch (e) {
    io.err(`${PROGRAM}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = EXIT_FAILURE;
  }
}
