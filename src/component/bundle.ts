/**
 * The bundle step of a BinfmtHost (./host.ts): `remote.CopyToRemote <name>-bundle` copies the script bundle
 * (../host/bundle.ts), ONE file, to the host before its first command that uses it. The state records the
 * file's path and hash, not its text. It copies as the login user over SFTP (upstream pulumi-command 1.2.1
 * has no sudo for copies), so the file lands in the login's home (`~/.cache/pulumi-qemu-binfmt/bundle-<sha256>`)
 * and the install step installs it as root (../host/scripts/bundle.sh), checking its sha256 first.
 *
 * A new package version with other scripts has another hash, hence another remotePath: the update copies the
 * new file (upstream copies on an update only when the source's hash or the path changed) and leaves the old
 * one; deleting the resource removes nothing (upstream's CopyToRemote has no delete), so the staged file stays
 * for the deletes of the host's commands, which run after it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { bundleFile, scriptBundle } from "../host/bundle";

export interface BundleSpec {
  readonly connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
}

export function bundleCopy(name: string, spec: BundleSpec, opts: pulumi.CustomResourceOptions): command.remote.CopyToRemote {
  return new command.remote.CopyToRemote(
    `${name}-bundle`,
    { connection: spec.connection, source: new pulumi.asset.FileAsset(bundleFile()), remotePath: scriptBundle().staged },
    opts,
  );
}
