/**
 * The component package's Pulumi name, the first part of every type token (`qemu-binfmt:index:BinfmtHost`).
 * Other languages derive their names from it: Python `pulumi_qemu_binfmt`, Go package `qemubinfmt`, C#
 * `Pulumi.QemuBinfmt`, YAML `qemu-binfmt:BinfmtHost`. It is pulumi-package/package.json's `name` (the npm
 * package stays `pulumi-qemu-binfmt`); test/unit/component/package-schema.test.ts checks they agree.
 *
 * Earlier builds named the package `pulumi-qemu-binfmt`, which the code generators prefix once more
 * (`pulumi_pulumi_qemu_binfmt`). A TypeScript stack made then holds the components under the old type: the
 * components carry it as an alias (their children inherit it), so the engine moves them instead of
 * replacing them and re-running every command.
 */
import * as pulumi from "@pulumi/pulumi";

export const PACKAGE_NAME = "qemu-binfmt";

const FORMER_PACKAGE_NAME = "pulumi-qemu-binfmt";

/** `qemu-binfmt:index:<name>`. */
export function typeToken(name: string): string {
  return `${PACKAGE_NAME}:index:${name}`;
}

/** The options with the component's former type (`pulumi-qemu-binfmt:index:<name>`) added to its aliases. */
export function withFormerType(name: string, opts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions {
  return { ...opts, aliases: [...(opts?.aliases ?? []), { type: `${FORMER_PACKAGE_NAME}:index:${name}` }] };
}

/**
 * The package's source repository, as the schema's `repository` (pulumi-package/package.json's `repository`, the
 * same as the root package.json's). Go's code generator makes the SDK's module path from it
 * (`github.com/<owner>/pulumi-qemu-binfmt/sdk/go`, package `qemubinfmt`); without it the path is
 * `example.com/pulumi-qemu-binfmt/...`. Not through the provider's `namespace` option: Python's generator would
 * then name the module `<namespace>_qemu_binfmt` instead of `pulumi_qemu_binfmt`. The SDK's schema generator
 * has no repository option, so the package's provider adds it to the schema it infers.
 */
export function withRepository<S extends object>(schema: S, repository: string): S & { repository: string } {
  if (!/^https:\/\/[a-z0-9.-]+\/[\w.-]+\/[\w.-]+$/.test(repository) || repository.endsWith(".git")) {
    throw new Error(`repository: expected "https://<host>/<owner>/<name>" (no .git: Go makes its module path from it), got ${JSON.stringify(repository)}`);
  }
  return { ...schema, repository };
}

/**
 * The Registry's metadata of the package (Pulumi package schema: `displayName`, `keywords`, `publisher`,
 * `homepage`). `category/utility` and `kind/component` are the schema's reserved keywords (category one of
 * cloud, database, infrastructure, network, utility, vcs; kind native or component). No `logoUrl`: the project
 * has no logo.
 */
export const PACKAGE_METADATA = {
  displayName: "QEMU binfmt_misc",
  keywords: ["category/utility", "kind/component", "qemu", "binfmt", "binfmt_misc", "cross-compilation", "emulation", "arm", "aarch64", "riscv64", "docker", "ssh"],
} as const;

/** What pulumi-package/package.json gives the schema besides name and version. */
export interface PackageManifest {
  readonly description: string;
  readonly license: string;
  readonly repository: string;
}

/**
 * The inferred schema plus the package's metadata: `repository` (see withRepository), `homepage` (the repository:
 * its README), `publisher` (the repository's owner, so a fork publishes under its own name), `license` (the
 * package.json's SPDX id), `displayName` and `keywords` (PACKAGE_METADATA). The SDK's schema generator takes
 * only name, version and description.
 */
export function withPackageMetadata<S extends object>(
  schema: S,
  manifest: PackageManifest,
): S & PackageManifest & { displayName: string; keywords: string[]; homepage: string; publisher: string } {
  const withRepo = withRepository(schema, manifest.repository);
  const owner = new URL(manifest.repository).pathname.split("/")[1] ?? "";
  if (manifest.license === "") throw new Error("license: pulumi-package/package.json has no license");
  return {
    ...withRepo,
    displayName: PACKAGE_METADATA.displayName,
    description: manifest.description,
    keywords: [...PACKAGE_METADATA.keywords],
    homepage: manifest.repository,
    license: manifest.license,
    publisher: owner,
  };
}
