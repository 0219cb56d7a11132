/**
 * The component's arguments. Interfaces with documented fields, enums instead of string unions,
 * one constructor parameter named `args`, mutable arrays: the shape a component package needs (pulumi-package/,
 * PulumiPlugin.yaml), so Python, Go, YAML and C# users get BinfmtHost and BinfmtFleet unchanged. Defaults are
 * written "Default: …" in the text, not as `@default` tags: the SDK's schema analyzer keeps only a comment's
 * text, and that text is every other language's documentation (pulumi-package/schema.golden.json).
 *
 * Validation (zod, naming the field) is in ./validate.ts and runs before any resource is created.
 */
import * as pulumi from "@pulumi/pulumi";
import { MaskPolicy, SkipPolicy } from "../binfmt";
import { AcceptanceVia, ApplyMode, InstallSource, PackageSet } from "../host/enums";

/** The bastion hop of a connection. */
export interface ProxyConnection {
  /** Address of the bastion host. */
  host: pulumi.Input<string>;
  /** SSH port of the bastion. Default: 22 */
  port?: pulumi.Input<number>;
  /** Login user on the bastion. Default: "root" */
  user?: pulumi.Input<string>;
  /** Private key (contents) for the bastion. Always stored as a secret. */
  privateKey?: pulumi.Input<string>;
  /** Passphrase of an encrypted bastion key. Always stored as a secret. */
  privateKeyPassword?: pulumi.Input<string>;
  /** The bastion's public host key, e.g. "ssh-ed25519 AAAAC3Nz…"; pins it. Default: not checked */
  hostKey?: pulumi.Input<string>;
  /** ssh-agent socket for the bastion. Default: $SSH_AUTH_SOCK */
  agentSocketPath?: pulumi.Input<string>;
  /**
   * At most this many hosts of a BinfmtFleet open SSH sessions through this bastion at the same time (the
   * bastion is identified by host, port and user; hosts sharing it are chained into at most this many lanes, and
   * the program's read of the hosts waits likewise). Keeps a fleet below sshd's MaxStartups (10:30:100 by
   * default), past which the bastion refuses new connections at random. Hosts naming different values for one
   * bastion get the smallest. A plain number (lanes are laid out when the program runs).
   * Default: 8
   */
  maxConcurrent?: number;
}

/** How to reach one host over SSH (the same for every command; see `@pulumi/command`'s remote connection). */
export interface HostConnection {
  /** Address of the host (DNS name or IP). */
  host: pulumi.Input<string>;
  /** SSH port. Default: 22 */
  port?: pulumi.Input<number>;
  /**
   * Login user. Root, or a user with passwordless sudo (`sudo -n`): commands run without a terminal,
   * so a sudo that asks for a password fails with a message saying so.
   * Default: "root"
   */
  user?: pulumi.Input<string>;
  /**
   * Private key contents (OpenSSH or PEM). Wrapped in `pulumi.secret` by the component, so it is
   * encrypted in state and masked in logs, whether or not you passed a secret.
   */
  privateKey?: pulumi.Input<string>;
  /** Passphrase of an encrypted private key. Always stored as a secret. */
  privateKeyPassword?: pulumi.Input<string>;
  /**
   * Path of the same private key on the machine that runs Pulumi. Only the docker-provider acceptance
   * check needs it (the docker provider runs the local `ssh -i PATH`, which cannot take key contents).
   * Default: none
   */
  privateKeyPath?: string;
  /**
   * The host's public SSH key, as in known_hosts without the host name: "ssh-ed25519 AAAAC3Nz…".
   * When set, every connection verifies it (commands and the docker provider); when absent,
   * `@pulumi/command` does not check host keys at all. Recommended.
   * Default: not checked
   */
  hostKey?: pulumi.Input<string>;
  /** ssh-agent socket. Default: $SSH_AUTH_SOCK */
  agentSocketPath?: pulumi.Input<string>;
  /** Reach the host through one bastion. Default: direct */
  proxy?: ProxyConnection;
  /** Failed dials before giving up; -1 for unlimited. Default: 10 */
  dialErrorLimit?: pulumi.Input<number>;
  /** Seconds per dial attempt. Default: 15 */
  perDialTimeout?: pulumi.Input<number>;
}

/** The docker check that proves emulation: `docker run IMAGE uname -m` prints the target's machine. */
export interface Acceptance {
  /** Run the check. Default: true */
  enabled?: boolean;
  /** Through a remote command (no extra plugin) or the `@pulumi/docker` provider. Default: AcceptanceVia.Command */
  via?: AcceptanceVia;
  /**
   * Image per target; keys are target names (any accepted spelling; two keys naming one target are
   * rejected, naming both). A target without an image here and
   * without an official Docker namespace gets no check (reported as skipped).
   * Default: "<first official namespace>/busybox", e.g. "arm64v8/busybox", "arm32v7/busybox"
   */
  images?: Record<string, string>;
  /**
   * Docker platform per target; keys are target names.
   * Default: the target's first Docker platform, e.g. "linux/arm64", "linux/arm"
   */
  platforms?: Record<string, string>;
  /** Upper bound for one check (pull + run), in seconds. Default: 300 */
  timeoutSeconds?: number;
  /**
   * known_hosts file used by the docker provider's ssh instead of `connection.hostKey`.
   * Default: none (connection.hostKey is required for AcceptanceVia.DockerProvider then)
   */
  knownHostsPath?: string;
  /**
   * Run the check's docker commands as this user instead of as the component's commands run (root, or
   * the login user through sudo): through `runuser`, with the user's HOME and XDG_RUNTIME_DIR, so the user's own
   * docker context or rootless daemon is used. Where the workload runs rootless (rootless docker or podman)
   * this is the check that counts: on kernels from 6.7 a rootless user namespace that mounts its own
   * binfmt_misc (a binfmt installer run by rootless podman) stops seeing the host's entries, for its lifetime
   * and its children's, while root's daemon still does. Only with AcceptanceVia.Command.
   * Default: none (the check runs as the commands do)
   */
  runAs?: string;
  /**
   * DOCKER_HOST for the check's docker commands, e.g. "unix:///run/user/1000/podman/podman.sock" (podman's
   * docker-compatible API) or a rootless docker's socket. Only with AcceptanceVia.Command.
   * Default: none (the docker CLI's own: its context, else /var/run/docker.sock)
   */
  dockerHost?: string;
}

/** Everything except the connection and the host's targets: shared by BinfmtHost and BinfmtFleet. */
export interface BinfmtOptionsArgs {
  /**
   * binfmt_misc flags, any of P, O, C, F. F ("fix binary") opens the interpreter at registration so it
   * works inside containers and chroots; it requires a static interpreter (verified). C (credentials, lets
   * setuid binaries like sudo work in emulated containers) implies O and lets binaries gain the privileges
   * of their setuid bits under the emulator: use it deliberately.
   * Default: "F"
   */
  flags?: string;
  /**
   * Which mask a rule carries. Default: MaskPolicy.IgnoreAbiVersion (ignore the e_ident bytes after
   * EI_OSABI, as the "Jetson Containers" article's rules do)
   */
  maskPolicy?: MaskPolicy;
  /** Which requested targets a host skips because it runs them natively. Default: SkipPolicy.Family */
  skipPolicy?: SkipPolicy;
  /**
   * Directory of the binfmt.d files. /etc/binfmt.d masks same-named files that packages ship in
   * /usr/lib/binfmt.d, which is how the component's rules win at boot.
   * Default: "/etc/binfmt.d"
   */
  configDir?: string;
  /** How rules are applied to the running kernel. Default: ApplyMode.PerFile */
  applyMode?: ApplyMode;
  /**
   * Where the static interpreters come from: the distribution's packages through apt, or an OCI image
   * pinned by digest (interpreterImage) through the host's docker daemon, on any Linux with docker.
   * Default: InstallSource.Apt
   */
  installSource?: InstallSource;
  /**
   * With InstallSource.Image: the image holding static `/usr/bin/qemu-<cpu>` (tonistiigi/binfmt's layout),
   * pinned by digest: "NAME@sha256:<64 hex>" (a tag alone is refused: it can move). Copied to
   * /var/lib/pulumi-qemu-binfmt/qemu/<digest hex>/qemu-<cpu>; changing it re-registers the targets.
   * Default: none
   */
  interpreterImage?: string;
  /**
   * With InstallSource.Apt: the version of the QEMU package (qemu-user-static / qemu-user) to install:
   * an exact Debian version ("1:7.2+dfsg-7+deb12u7", or "=…") or a minimum (">=1:8.0"). Checked against
   * what the host's repositories offer before any change; apt is then asked for that version.
   * Default: any (apt's candidate)
   */
  packageVersion?: string;
  /** Which packages provide the interpreters. Default: PackageSet.Minimal */
  installPackages?: PackageSet;
  /** Exactly these apt packages instead of the PackageSet's (ignored with PackageSet.None). Default: by PackageSet */
  packages?: string[];
  /** Remove the installed packages on `pulumi destroy`. Default: false */
  removePackagesOnDestroy?: boolean;
  /** Seconds each apt call of the packages step waits, at most, for apt's and dpkg's locks (lists, archives, dpkg frontend, dpkg) held by another apt/dpkg run, whatever apt's version; then it fails naming the lock and its holder. Default: 120 */
  lockTimeoutSeconds?: number;
  /**
   * Directory of the interpreters. Default: "/usr/bin"
   */
  interpreterDir?: string;
  /**
   * Appended to `qemu-<cpu>`.
   * Default: by the host's packages: "-static" where qemu-user-static ships /usr/bin/qemu-<cpu>-static (Debian ≤ 12,
   * Ubuntu ≤ 24.10), "" where qemu-user is the static build (Debian ≥ 13, Ubuntu ≥ 25.04, backports)
   */
  interpreterSuffix?: string;
  /**
   * Read each host on every `pulumi preview` and `pulumi up` (one read-only SSH session per host, all hosts
   * in parallel) and plan a repair of whatever drifted: an entry lost at reboot or replaced, a binfmt.d file
   * deleted or edited, a conflicting entry under another name, a package removed, a release upgrade. Off:
   * the host is read once, when it is first provisioned, and an unchanged program opens no SSH session.
   * Default: true
   */
  observe?: boolean;
  /**
   * The full interpreter path for some targets, instead of `<interpreterDir>/qemu-<cpu><interpreterSuffix>`;
   * keys are target names (any accepted spelling, each target once), values absolute paths. E.g. Debian's
   * `{ aarch64: "/usr/libexec/qemu-binfmt/aarch64-binfmt-P" }` (with flag P, which then also works on
   * kernels before 5.12). With flag F the path must lead to a static emulator (verified on the host).
   * Default: {} (every target uses interpreterDir and interpreterSuffix)
   */
  interpreters?: Record<string, string>;
  /** The acceptance check. Default: enabled, via AcceptanceVia.Command */
  acceptance?: Acceptance;
}

/** Arguments of BinfmtHost (`qemu-binfmt:index:BinfmtHost`). */
export interface BinfmtHostArgs extends BinfmtOptionsArgs {
  /** How to reach the host. */
  connection: HostConnection;
  /**
   * Targets to emulate: QEMU names ("aarch64", "arm", "riscv64") or any name the core accepts ("arm64",
   * "armhf", "linux/arm/v7", "arm64v8"). Must be a plain list (resources fan out per target). Each target
   * once: two entries naming the same target (["aarch64", "arm64"]) are rejected, naming both. Targets
   * of the host's own family are skipped (see skipPolicy; a 32-bit kernel never skips the 64-bit member
   * of its family) and reported as such.
   */
  architectures: string[];
}

/** One host of a fleet. */
export interface FleetHost {
  /**
   * Stable id: names the host's resources (`<fleet>-<id>-…`), so reordering `hosts` replaces nothing.
   * Lower-case letters, digits and "-".
   */
  id: string;
  /** How to reach the host. Required unless the host is retired. */
  connection?: HostConnection;
  /** Targets for this host instead of the fleet's. Default: the fleet's architectures */
  architectures?: string[];
  /**
   * The host's machine is gone: the fleet no longer reads, provisions or checks it (no SSH session), and the
   * engine removes its resources from the stack. They leave without SSH only when the stack recorded them with
   * retainOnDelete (pass it to the fleet); otherwise remove them first with the `pulumi state delete` command the
   * fleet prints. Not for a live host: then remove it from `hosts`, and `up` removes its rules.
   * Default: false
   */
  retired?: boolean;
}

/** How a fleet rolls a change out. */
export interface Rollout {
  /**
   * Hosts per wave, in the order of `hosts` (retired hosts do not count). A wave's hosts start only after every
   * host of the previous wave converged and passed its checks; a host that fails stops the later waves, which
   * then run nothing. Default: all hosts in one wave
   */
  waveSize?: number;
}

/** Arguments of BinfmtFleet (`qemu-binfmt:index:BinfmtFleet`): shared defaults plus hosts. */
export interface BinfmtFleetArgs extends BinfmtOptionsArgs {
  /** The hosts, provisioned in parallel (see rollout). */
  hosts: FleetHost[];
  /** Targets for every host (a host may override). */
  architectures: string[];
  /** Rollout in waves. Default: every host at once */
  rollout?: Rollout;
}

/*
 * The earlier names, kept for TypeScript programs. The interfaces above are named without "Args" because other
 * languages' code generators append it to an input type's schema name (Python/Go/C# `HostConnectionArgs`, not
 * `HostConnectionArgsArgs`); the schema names a type after the interface, not after an alias.
 */
/** Same as {@link ProxyConnection}. */
export type ProxyConnectionArgs = ProxyConnection;
/** Same as {@link HostConnection}. */
export type HostConnectionArgs = HostConnection;
/** Same as {@link Acceptance}. */
export type AcceptanceArgs = Acceptance;
/** Same as {@link FleetHost}. */
export type FleetHostArgs = FleetHost;
/** Same as {@link Rollout}. */
export type RolloutArgs = Rollout;
