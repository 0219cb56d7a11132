/**
 * Entry point of the component package (PulumiPlugin.yaml): serves BinfmtHost and BinfmtFleet, from the built
 * library one folder up (`npm ci` at the repository root builds dist/ through its `prepare` script), as a
 * component provider. The SDK's analyzer reads their types from the declarations next to the JavaScript
 * (dist/src/*.d.ts), found through the imports below.
 *
 * The provider is the SDK's ComponentProvider (schema, Construct) plus the component's one custom resource,
 * ObservedState (the drift decision, see ../src/component/observed-state.ts): served here rather than by the
 * Node SDK's dynamic-provider plugin, which the engine would start in the consuming program's directory,
 * where a Python/Go/YAML/C# project has no @pulumi/pulumi to run it.
 */
import { main } from "@pulumi/pulumi/provider";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental/provider";
import { BinfmtFleet, BinfmtHost } from "../dist/src";
import { PACKAGE_OBSERVED_STATE_TYPE, observedStateProvider, serveObservedStateFromPackage } from "../dist/src/component/observed-state";
import { PACKAGE_NAME, withRepository } from "../dist/src/component/package-name";
import { readFileSync } from "node:fs";
import path from "node:path";

type Props = Record<string, unknown>;

const pkg = JSON.parse(readFileSync(path.join(__dirname, "package.json"), "utf8")) as { name: string; repository: string };
if (pkg.name !== PACKAGE_NAME) throw new Error(`pulumi-package/package.json: name ${JSON.stringify(pkg.name)}, the library's type tokens say ${PACKAGE_NAME}`);

function observedStateOnly(urn: string): void {
  // urn:pulumi:<stack>::<project>::<parent types $>…<type>::<name>
  const type = urn.split("::")[2]?.split("$").pop();
  if (type !== PACKAGE_OBSERVED_STATE_TYPE) throw new Error(`${pkg.name}: no custom resource of type ${String(type)} (${urn})`);
}

class BinfmtPackageProvider extends ComponentProvider {
  // The inferred schema plus `repository` (Go's module path), see ../src/component/package-name.ts.
  override async getSchema(): Promise<string> {
    return JSON.stringify(withRepository(JSON.parse(await super.getSchema()) as object, pkg.repository));
  }
  async check(urn: string, olds: Props, news: Props) {
    observedStateOnly(urn);
    return observedStateProvider.check(olds, news);
  }
  async diff(id: string, urn: string, olds: Props, news: Props) {
    observedStateOnly(urn);
    return observedStateProvider.diff(id, olds, news);
  }
  async create(urn: string, inputs: Props) {
    observedStateOnly(urn);
    return observedStateProvider.create(inputs);
  }
  async update(id: string, urn: string, olds: Props, news: Props) {
    observedStateOnly(urn);
    return observedStateProvider.update(id, olds, news);
  }
  async delete(_id: string, urn: string) {
    observedStateOnly(urn);
  }
}

serveObservedStateFromPackage();
// As run-plugin's own component hosting would name it: the package.json name.
main(new BinfmtPackageProvider({ name: pkg.name, dirname: __dirname, components: [BinfmtHost, BinfmtFleet] }), process.argv.slice(2));
