/**
 * Entry point of the component package (PulumiPlugin.yaml): serves BinfmtHost and BinfmtFleet, from the built
 * library one folder up (`npm ci` at the repository root builds dist/ through its `prepare` script), as a
 * component provider. The SDK's analyzer reads their types from the declarations next to the JavaScript
 * (dist/src/*.d.ts), found through the imports below.
 *
 * The provider is the SDK's ComponentProvider (schema, Construct) plus the component's one custom resource,
 * HostRefusal (a host the component will not touch, see ../src/component/refusal.ts): served here rather than
 * by the Node SDK's dynamic-provider plugin, which the engine would start in the consuming program's
 * directory, where a Python/Go/YAML/C# project has no @pulumi/pulumi to run it. Stacks made before the repair
 * tokens (src/host/units.ts) hold `qemu-binfmt:index:ObservedState` resources: their delete is accepted (a no-op).
 */
import { main } from "@pulumi/pulumi/provider";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental/provider";
import { BinfmtFleet, BinfmtHost } from "../dist/src";
import { PACKAGE_HOST_REFUSAL_TYPE, hostRefusalProvider, serveHostRefusalFromPackage } from "../dist/src/component/refusal";
import { PACKAGE_NAME, withPackageMetadata } from "../dist/src/component/package-name";
import { readFileSync } from "node:fs";
import path from "node:path";

type Props = Record<string, unknown>;

const pkg = JSON.parse(readFileSync(path.join(__dirname, "package.json"), "utf8")) as { name: string; description: string; license: string; repository: string };
if (pkg.name !== PACKAGE_NAME) throw new Error(`pulumi-package/package.json: name ${JSON.stringify(pkg.name)}, the library's type tokens say ${PACKAGE_NAME}`);

/** The former drift resource (before the repair tokens): only deleted. */
const FORMER_OBSERVED_STATE_TYPE = `${pkg.name}:index:ObservedState`;

function typeOf(urn: string): string {
  // urn:pulumi:<stack>::<project>::<parent types $>…<type>::<name>
  return urn.split("::")[2]?.split("$").pop() ?? "";
}

function hostRefusalOnly(urn: string): void {
  const type = typeOf(urn);
  if (type !== PACKAGE_HOST_REFUSAL_TYPE) throw new Error(`${pkg.name}: no custom resource of type ${type} (${urn})`);
}

class BinfmtPackageProvider extends ComponentProvider {
  // The inferred schema plus `repository` (Go's module path) and the Registry's metadata, see ../src/component/package-name.ts.
  override async getSchema(): Promise<string> {
    return JSON.stringify(withPackageMetadata(JSON.parse(await super.getSchema()) as object, pkg));
  }
  async check(urn: string, olds: Props, news: Props) {
    hostRefusalOnly(urn);
    return hostRefusalProvider.check(olds, news);
  }
  async diff(_id: string, urn: string) {
    hostRefusalOnly(urn);
    return hostRefusalProvider.diff();
  }
  async create(urn: string, inputs: Props) {
    hostRefusalOnly(urn);
    return hostRefusalProvider.create(inputs);
  }
  async update(id: string, urn: string, olds: Props, news: Props) {
    hostRefusalOnly(urn);
    return hostRefusalProvider.update(id, olds, news);
  }
  async delete(_id: string, urn: string) {
    if (typeOf(urn) !== FORMER_OBSERVED_STATE_TYPE) hostRefusalOnly(urn);
  }
}

serveHostRefusalFromPackage();
// As run-plugin's own component hosting would name it: the package.json name.
main(new BinfmtPackageProvider({ name: pkg.name, dirname: __dirname, components: [BinfmtHost, BinfmtFleet] }), process.argv.slice(2));
