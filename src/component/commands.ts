/**
 * How the component creates its `remote.Command` children: one place for the settings they all share.
 * - `addPreviousOutputInEnv: false`: the provider would otherwise send PULUMI_COMMAND_STDOUT through SSH
 *   setenv, which sshd drops (AcceptEnv) with noise, and which nothing here needs.
 * - `logging: stderr`: scripts print their JSON result on stdout (kept as the `stdout` output, not
 *   logged) and human messages on stderr (logged). No script prints or receives the private key: it
 *   lives only in the connection, which the provider stores as a secret.
 * - `stdin`: the script's text (src/host/shell.ts renderScript); `create`/`delete` are short command
 *   lines (`sh -s apply`). Upstream (pulumi-command 1.2.1, provider/pkg/provider/remote) feeds the
 *   resource's ONE stdin input to every operation: create and update with the new inputs, delete with
 *   the stored state's (the stdin of the last create/update). A change of stdin is an update (it is
 *   not replaceOnChanges), which runs `create` again with the new text.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { RulePlan } from "../host/plan";
import { ruleScript, skippedRuleScript } from "../host/scripts/rule";
import { UnitRecord } from "../host/units";
import { Shipping } from "../host/shell";

export interface CommandSpec {
  readonly connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  readonly create: pulumi.Input<string>;
  /** The script text, fed to every operation's command (create, update, delete). */
  readonly stdin?: pulumi.Input<string>;
  readonly delete?: pulumi.Input<string>;
  readonly triggers?: pulumi.Input<string>[];
}

export function remoteCommand(name: string, spec: CommandSpec, opts: pulumi.CustomResourceOptions): command.remote.Command {
  const args: command.remote.CommandArgs = {
    connection: spec.connection,
    create: spec.create,
    addPreviousOutputInEnv: false,
    logging: command.types.enums.remote.Logging.Stderr,
  };
  if (spec.stdin !== undefined) args.stdin = spec.stdin;
  if (spec.delete !== undefined) args.delete = spec.delete;
  if (spec.triggers !== undefined) args.triggers = spec.triggers;
  return new command.remote.Command(name, args, opts);
}

/**
 * How many rule commands of one host may run at once. Each dials its own SSH connection, and sshd starts
 * refusing unauthenticated connections at random past MaxStartups' first number (10 by default); 4 stays
 * well below it for one host. Behind a bastion (connection.proxy) every host's commands go through the same
 * bastion sshd, so there a host's rules run one at a time (RULE_LANES_BEHIND_PROXY): N hosts then open at
 * most N handshakes at once to the bastion, as before lanes existed.
 */
export const RULE_LANES = 4;
/** Rule commands of one host at once when the connection goes through a bastion (see RULE_LANES). */
export const RULE_LANES_BEHIND_PROXY = 1;

/**
 * A target's rule command's stdin: the rule script with its repair token and the install step's digest (which
 * makes the rule run again after the install ran with other input), or, for a target the host runs natively, a
 * script that touches nothing and says why.
 */
export function ruleStdin(r: RulePlan, unit: UnitRecord, installDigest: string): string {
  // A skipped rule runs unprivileged and touches nothing: its few lines stay inline.
  return r.skipped !== undefined
    ? skippedRuleScript(r.script.label, r.target.name, r.rule.name, "native")
    : ruleScript({ ...r.script, unit, installDigest, shipping: Shipping.BundleOrCarried });
}
