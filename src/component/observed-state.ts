/**
 * ObservedState: one resource per converged unit of a host (its packages, each registered target) that
 * turns the run's observation into a plan change, and back into "no changes" once the host matches.
 *
 * Why a resource of its own: `remote.Command` has no read and compares only its inputs, so feeding what
 * was observed into a command's inputs would change them on every run where the observation differs from
 * the last one — including the run right after a repair, when the host matches again. This resource's
 * diff looks only at the NEW observation: it reports a change exactly when the host differs from the
 * program (`drift` is not empty). Its update bumps `revision`, and the unit's command carries that
 * revision in its script, so the command runs again (update) exactly then; when there is no drift, the
 * engine keeps the resource (its inputs are refreshed, `revision` stays), and nothing else changes.
 *
 * The provider does no I/O and holds no secret: the program observed the host; this only decides.
 * In a TypeScript program it is a `pulumi.dynamic` resource (type `pulumi-nodejs:dynamic/qemu-binfmt:ObservedState`),
 * served by the Node SDK's dynamic-provider plugin; its functions are self-contained because Pulumi serializes
 * them. Served by the component package (pulumi-package/, other languages) it is the package's own custom
 * resource `qemu-binfmt:index:ObservedState`, decided by the same functions in the package's provider:
 * the engine starts the dynamic-provider plugin in the PROGRAM's directory and resolves @pulumi/pulumi from
 * there, which a Python/Go/YAML/C# project does not have (measured: "pulumi-resource-pulumi-nodejs:
 * @pulumi/pulumi is not resolvable from <dir>").
 *
 * In a TypeScript program the dynamic provider is an explicit `pulumi-nodejs` provider, one per deployment, registered when the first
 * ObservedState is constructed. Why: the engine starts a provider's plugin (here a second node process
 * loading @pulumi/pulumi, 1-3 s on this lab's machine) when the provider is registered. A default
 * provider is registered with the first resource that needs it, and an ObservedState registers only once
 * its host was observed over SSH, so plugin start and observation ran one after the other; an explicit
 * provider has no inputs, registers at once and its plugin starts WHILE the hosts are read. Stacks made
 * before this switch from the default provider to this one without a replacement (the engine asks the
 * new provider's DiffConfig, which the dynamic-provider host does not implement: "no replace").
 */
import * as pulumi from "@pulumi/pulumi";
import { typeToken } from "./package-name";

export interface ObservedStateInputs {
  /** What the unit is: "packages" or a QEMU target name. */
  readonly unit: pulumi.Input<string>;
  /** How the host differs from the program, one sentence each; [] when it matches. */
  readonly drift: pulumi.Input<readonly string[]>;
  /** Why the host could not be read, or why its plan is refused ("" when neither): creating or updating the resource then fails with it. */
  readonly unreadable?: pulumi.Input<string>;
  /**
   * Why the host's plan is refused ("" when it is not; src/host/plan.ts planOrRefusal): the resource's check
   * fails with it, in a preview as in an up, so the deployment stops before any command runs.
   */
  readonly refused?: pulumi.Input<string>;
}

/** The decision, shared by the dynamic resource and the component package's provider (pulumi-package/index.ts). */
export const observedStateProvider = {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
    // A refused plan stops here, once, naming the host: a rejected input would instead fail every
    // dependent resource with a nested error chain (measured 55-160 s before the program ended).
    if (typeof news["refused"] === "string" && news["refused"] !== "") throw new Error(news["refused"]);
    return { inputs: news };
  },
  async diff(_id: string, _olds: Record<string, unknown>, news: Record<string, unknown>) {
    const drift = news["drift"];
    // Unknown (a preview before the host can be read) or non-empty: the unit changes.
    const unreadable = news["unreadable"];
    const changed = !Array.isArray(drift) || drift.length > 0 || (typeof unreadable === "string" && unreadable !== "");
    return { changes: changed };
  },
  async create(inputs: Record<string, unknown>) {
    // A host that could not be read fails here, as a step: the engine then runs no step that depends on it,
    // and with --continue-on-error still runs the other hosts' steps (a check failure would stop them all).
    if (typeof inputs["unreadable"] === "string" && inputs["unreadable"] !== "") throw new Error(inputs["unreadable"]);
    return { id: `${String(inputs["unit"])}-${Date.now().toString(36)}`, outs: { ...inputs, revision: 1 } };
  },
  async update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    if (typeof news["unreadable"] === "string" && news["unreadable"] !== "") throw new Error(news["unreadable"]);
    const previous = typeof olds["revision"] === "number" ? olds["revision"] : 0;
    return { outs: { ...news, revision: previous + 1 } };
  },
};

/** The deployment's explicit dynamic provider, keyed by its resource monitor (a new one per mocked test run). */
const explicitProviders = new WeakMap<object, pulumi.ProviderResource>();

class DynamicProvider extends pulumi.ProviderResource {
  constructor(name: string) {
    super("pulumi-nodejs", name, {});
  }
}

/** One explicit `pulumi-nodejs` provider per deployment; undefined outside one (no resource monitor). */
function sharedProvider(): pulumi.ProviderResource | undefined {
  const monitor = pulumi.runtime.getMonitor();
  if (monitor === undefined) return undefined;
  let p = explicitProviders.get(monitor);
  if (p === undefined) {
    p = new DynamicProvider("qemu-binfmt-observed-state");
    explicitProviders.set(monitor, p);
  }
  return p;
}

/** The resource, whichever provider serves it. */
export interface ObservedState extends pulumi.CustomResource {
  /** Bumped every time the unit drifted and was planned for repair (1 at creation). */
  readonly revision: pulumi.Output<number>;
  readonly drift: pulumi.Output<string[]>;
}

class DynamicObservedState extends pulumi.dynamic.Resource implements ObservedState {
  declare public readonly revision: pulumi.Output<number>;
  declare public readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: ObservedStateInputs, opts?: pulumi.CustomResourceOptions) {
    const shared = opts?.provider === undefined ? sharedProvider() : undefined;
    super(observedStateProvider, name, { ...args, revision: undefined }, shared === undefined ? opts : { ...opts, provider: shared }, "qemu-binfmt", "ObservedState");
  }
}

/** The type token of ObservedState when the component package's provider serves it. */
export const PACKAGE_OBSERVED_STATE_TYPE = typeToken("ObservedState");

class PackageObservedState extends pulumi.CustomResource implements ObservedState {
  declare public readonly revision: pulumi.Output<number>;
  declare public readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: ObservedStateInputs, opts?: pulumi.CustomResourceOptions) {
    super(PACKAGE_OBSERVED_STATE_TYPE, name, { ...args, revision: undefined }, opts);
  }
}

let servedByPackage = false;

/** Called by the component package's entry point, before any component exists: ObservedState is then its own. */
export function serveObservedStateFromPackage(): void {
  servedByPackage = true;
}

/** A new ObservedState, served by the component package's provider when it hosts the component, else dynamic. */
export function observedState(name: string, args: ObservedStateInputs, opts?: pulumi.CustomResourceOptions): ObservedState {
  return servedByPackage ? new PackageObservedState(name, args, opts) : new DynamicObservedState(name, args, opts);
}
