/**
 * Connections: the `@pulumi/command` connection of a host (private key and passphrases always wrapped in
 * `pulumi.secret`), the label that names the host in every message, and the docker provider's ssh
 * settings (key FILE + pinned host key, no key material).
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { HostConnection } from "./args";
import { DEFAULTS } from "../host/config";

type RemoteConnection = command.types.input.remote.ConnectionArgs;

function secretOrUndefined(v: pulumi.Input<string> | undefined): pulumi.Output<string> | undefined {
  return v === undefined ? undefined : pulumi.secret(v);
}

/** The connection every remote.Command of the host uses. */
export function remoteConnection(c: HostConnection): pulumi.Input<RemoteConnection> {
  const conn: RemoteConnection = {
    host: c.host,
    port: c.port ?? DEFAULTS["connection.port"],
    user: c.user ?? DEFAULTS["connection.user"],
    privateKey: secretOrUndefined(c.privateKey),
    privateKeyPassword: secretOrUndefined(c.privateKeyPassword),
    hostKey: c.hostKey,
    agentSocketPath: c.agentSocketPath,
    dialErrorLimit: c.dialErrorLimit,
    perDialTimeout: c.perDialTimeout,
    proxy:
      c.proxy === undefined
        ? undefined
        : {
            host: c.proxy.host,
            port: c.proxy.port ?? DEFAULTS["connection.port"],
            user: c.proxy.user ?? DEFAULTS["connection.user"],
            privateKey: secretOrUndefined(c.proxy.privateKey),
            privateKeyPassword: secretOrUndefined(c.proxy.privateKeyPassword),
            hostKey: c.proxy.hostKey,
            agentSocketPath: c.proxy.agentSocketPath,
          },
  };
  // Drop undefined keys: an explicit undefined would still show up as a (null) input.
  return Object.fromEntries(Object.entries(conn).filter(([, v]) => v !== undefined)) as unknown as RemoteConnection;
}

/** "builder-1 (root@10.0.0.5:22)": how messages and outputs name a host. */
export function hostLabel(name: string, c: HostConnection): pulumi.Output<string> {
  return pulumi.interpolate`${name} (${c.user ?? DEFAULTS["connection.user"]}@${c.host}:${c.port ?? DEFAULTS["connection.port"]})`;
}

/** `ssh://user@host:port` for the docker provider. */
export function dockerHost(c: HostConnection): pulumi.Output<string> {
  return pulumi.interpolate`ssh://${c.user ?? "root"}@${c.host}:${c.port ?? 22}`;
}

/**
 * The docker provider's extra ssh options. The key is passed as a FILE (`-i`, IdentitiesOnly), never as
 * content. The host key is pinned strictly: either a known_hosts file, or — without any file — through
 * OpenSSH's KnownHostsCommand (OpenSSH ≥ 8.5), which prints "%H <hostKey>" for the host being checked,
 * with the user's own known_hosts files switched off so only the pinned key is accepted.
 */
export function dockerSshOpts(c: HostConnection, knownHostsPath: string | undefined): pulumi.Output<string[]> {
  const key = c.privateKeyPath;
  if (key === undefined) throw new Error("internal: dockerSshOpts needs connection.privateKeyPath (validated earlier)");
  const base = ["-i", key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"];
  if (knownHostsPath !== undefined) return pulumi.output([...base, "-o", `UserKnownHostsFile=${knownHostsPath}`]);
  return pulumi.output(c.hostKey).apply((hk) => {
    if (hk === undefined) throw new Error("internal: dockerSshOpts needs connection.hostKey or acceptance.knownHostsPath (validated earlier)");
    const typeAndKey = hk.trim().split(/\s+/).slice(0, 2).join(" ");
    return [...base, "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null", "-o", `KnownHostsCommand=/bin/echo %H ${typeAndKey}`];
  });
}
