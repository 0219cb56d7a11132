/**
 * HostRefusal: the resource that stands for a host the component will not touch, and fails with the
 * reason, naming the host. It exists only then (a normal run has none, and no extra plugin starts):
 * - `refused` (src/host/plan.ts planOrRefusal: a flag the kernel cannot honour, a self-match, apt asked on a
 *   host without it, a packageVersion no repository offers): its provider's CHECK throws, in a preview as in
 *   an up, before any command runs anywhere (measured 4-6 s; a rejected Output instead failed every
 *   dependent input with a nested "error serializing property" chain: 55-160 s);
 * - `unreadable` (the observation could not read the host): its CREATE fails, as a step, so the host's
 *   commands (which depend on it) do not run, and with --continue-on-error the other hosts of a fleet still
 *   converge in the same up. In a preview nothing is created: the component logs the reason as an error.
 * It is created inside the observation's apply, because only the observation says whether it is needed; the
 * observation is read in previews too, so a preview shows it.
 *
 * In a TypeScript program it is a `pulumi.dynamic` resource (type
 * `pulumi-nodejs:dynamic/qemu-binfmt:HostRefusal`); served by the component package (pulumi-package/, other
 * languages) it is the package's own `qemu-binfmt:index:HostRefusal`, decided by the same functions: the
 * engine starts the dynamic-provider plugin in the PROGRAM's directory and resolves @pulumi/pulumi from
 * there, which a Python/Go/YAML/C# project does not have.
 */
import * as pulumi from "@pulumi/pulumi";
import { typeToken } from "./package-name";

export interface HostRefusalInputs {
  /** Why the host's plan is refused ("" when it is not): the check fails with it. */
  readonly refused: pulumi.Input<string>;
  /** Why the host could not be read ("" when it could): the create fails with it. */
  readonly unreadable: pulumi.Input<string>;
}

const text = (v: unknown): string => (typeof v === "string" ? v : "");

/** The decision, shared by the dynamic resource and the component package's provider (pulumi-package/index.ts). */
export const hostRefusalProvider = {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
    if (text(news["refused"]) !== "") throw new Error(text(news["refused"]));
    return { inputs: news };
  },
  async diff() {
    return { changes: true };
  },
  async create(inputs: Record<string, unknown>) {
    const why = text(inputs["unreadable"]) || text(inputs["refused"]);
    throw new Error(why !== "" ? why : "internal: a HostRefusal without a reason");
  },
  async update(_id: string, _olds: Record<string, unknown>, news: Record<string, unknown>) {
    return hostRefusalProvider.create(news);
  },
};

class DynamicHostRefusal extends pulumi.dynamic.Resource {
  constructor(name: string, args: HostRefusalInputs, opts?: pulumi.CustomResourceOptions) {
    super(hostRefusalProvider, name, args, opts, "qemu-binfmt", "HostRefusal");
  }
}

/** The type token of HostRefusal when the component package's provider serves it. */
export const PACKAGE_HOST_REFUSAL_TYPE = typeToken("HostRefusal");

class PackageHostRefusal extends pulumi.CustomResource {
  constructor(name: string, args: HostRefusalInputs, opts?: pulumi.CustomResourceOptions) {
    super(PACKAGE_HOST_REFUSAL_TYPE, name, args, opts);
  }
}

let servedByPackage = false;

/** Called by the component package's entry point, before any component exists: HostRefusal is then its own. */
export function serveHostRefusalFromPackage(): void {
  servedByPackage = true;
}

/** A new HostRefusal, served by the component package's provider when it hosts the component, else dynamic. */
export function hostRefusal(name: string, args: HostRefusalInputs, opts?: pulumi.CustomResourceOptions): pulumi.CustomResource {
  return servedByPackage ? new PackageHostRefusal(name, args, opts) : new DynamicHostRefusal(name, args, opts);
}
