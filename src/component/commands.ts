/**
 * How the component creates its `remote.Command` children: one place for the settings they all share.
 * - `addPreviousOutputInEnv: false`: the provider would otherwise send PULUMI_COMMAND_STDOUT through SSH
 *   setenv, which sshd drops (AcceptEnv) with noise, and which nothing here needs.
 * - `logging: stderr`: scripts print their JSON result on stdout (kept as the `stdout` output, not
 *   logged) and human messages on stderr (logged). No script prints or receives the private key: it
 *   lives only in the connection, which the provider stores as a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";

export interface CommandSpec {
  readonly connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  readonly create: pulumi.Input<string>;
  readonly delete?: pulumi.Input<string>;
  /** Written to the command's standard input (create and update). */
  readonly stdin?: pulumi.Input<string>;
  readonly triggers?: pulumi.Input<string>[];
}

export function remoteCommand(name: string, spec: CommandSpec, opts: pulumi.CustomResourceOptions): command.remote.Command {
  const args: command.remote.CommandArgs = {
    connection: spec.connection,
    create: spec.create,
    addPreviousOutputInEnv: false,
    logging: command.types.enums.remote.Logging.Stderr,
  };
  if (spec.delete !== undefined) args.delete = spec.delete;
  if (spec.triggers !== undefined) args.triggers = spec.triggers;
  if (spec.stdin !== undefined) args.stdin = spec.stdin;
  return new command.remote.Command(name, args, opts);
}
