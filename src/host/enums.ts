/**
 * Enums of the component's arguments and outputs. Enums (not string unions) so that the component can be
 * published as a component package for Python, Go and YAML users, whose schema has no union types.
 */

/** How a host's rules reach the kernel. */
export enum ApplyMode {
  /**
   * Register each owned entry directly through /proc/sys/fs/binfmt_misc (after removing a same-named
   * entry). Registrations the component does not own (WSLInterop, docker's, other tools') are never
   * touched. The default.
   */
  PerFile = "per-file",
  /**
   * The "Jetson Containers" article's way: `systemctl restart systemd-binfmt`, which re-reads every binfmt.d file. The
   * restart first unregisters EVERY entry, so entries registered directly by other tools are lost.
   * Hosts without systemd fall back to PerFile.
   */
  SystemdRestart = "systemd-restart",
}

/** Where the static QEMU interpreters come from. */
export enum InstallSource {
  /** The distribution's packages, through apt (Debian, Ubuntu and derivatives): see installPackages. The default. */
  Apt = "apt",
  /**
   * An OCI image pinned by digest (interpreterImage), through the host's own docker daemon: any Linux
   * with docker; no package manager is touched. The interpreters land in
   * /var/lib/pulumi-qemu-binfmt/qemu/<digest hex>/.
   */
  Image = "image",
}

/** Which distribution packages provide the QEMU interpreters. */
export enum PackageSet {
  /**
   * Only the package that ships static interpreters, without recommends and without packages that
   * register every QEMU format themselves: `qemu-user-static` on Debian ≤ 12 / Ubuntu ≤ 24.10,
   * `qemu-user` (static-pie) on Debian ≥ 13 / Ubuntu ≥ 25.04. The default.
   */
  Minimal = "minimal",
  /**
   * `qemu-user-static binfmt-support`, the packages the "Jetson Containers" article installs (on Debian ≥ 13
   * `qemu-user-static` is transitional and brings `qemu-user` and `qemu-user-binfmt`, which registers all
   * 31 QEMU formats).
   */
  QemuUserStaticBinfmtSupport = "qemu-user-static-binfmt-support",
  /** Install nothing: the interpreters must already be there (they are still verified). */
  None = "none",
}

/** How the acceptance check reaches the host's own docker daemon. */
export enum AcceptanceVia {
  /**
   * `docker run --rm --platform … IMAGE uname -m` run on the host by a `@pulumi/command` remote command.
   * Needs no extra Pulumi plugin. The default.
   */
  Command = "command",
  /**
   * A `@pulumi/docker` provider with `host: ssh://user@host:port` and one container per target. Needs the
   * docker provider plugin, a local OpenSSH client, the private key as a FILE (`connection.privateKeyPath`)
   * and the host key (`connection.hostKey` or `acceptance.knownHostsPath`).
   */
  DockerProvider = "docker-provider",
}

/** How privileged commands run on the host (an output fact). */
export enum Privilege {
  /** The login user is root. */
  Root = "root",
  /** The login user runs privileged commands through `sudo -n` (passwordless sudo). */
  Sudo = "sudo",
}

/** Where a distribution keeps QEMU's static interpreters (an output fact). */
export enum InterpreterLayout {
  /** `/usr/bin/qemu-<cpu>-static` from `qemu-user-static` (Debian ≤ 12, Ubuntu ≤ 24.10). */
  StaticSuffix = "static-suffix",
  /** `/usr/bin/qemu-<cpu>`, static-pie, from `qemu-user` (Debian ≥ 13, Ubuntu ≥ 25.04). */
  Plain = "plain",
}

/** Per-target registration outcome (an output). */
export enum TargetStatus {
  /** The kernel entry is exactly the rendered rule. */
  Registered = "registered",
  /** The host runs this target natively; nothing was registered. */
  Skipped = "skipped",
}

/** Per-target acceptance outcome (an output). A failed check fails `pulumi up` instead. */
export enum AcceptanceStatus {
  /** `uname -m` printed the expected machine. */
  Passed = "passed",
  /** No image is known for this target; no check ran. */
  NoImage = "no-image",
  /** Acceptance is disabled. */
  Disabled = "disabled",
  /**
   * The host runs this target natively (its family is skipped), so there is no emulation to prove: a
   * native container prints the host's own machine (x86_64 for i386 images on an x86_64 host).
   */
  Skipped = "skipped",
}
