/**
 * Pulumi mocks for the component's unit tests: no engine, no network, no host. Remote commands "run" by
 * reading the variables their scripts carry (what the real script would verify and print), so the
 * tests exercise the same script text the hosts get.
 */
import * as pulumi from "@pulumi/pulumi";
import { HostFacts } from "../../../src/host/facts";
import { Privilege } from "../../../src/host/enums";
import { useObservationRunner } from "../../../src/component/observe";
import { observationStdout } from "../../support/observation";
export { observed, observationStdout } from "../../support/observation";

export interface CreatedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly parent: string | undefined;
  readonly dependsOn: readonly string[];
  readonly deleteBeforeReplace: boolean;
  readonly provider: string | undefined;
  readonly props: Record<string, unknown>;
}

export const DEBIAN12_FACTS: HostFacts = {
  machine: "x86_64",
  kernel: "6.1.0-30-amd64",
  hostname: "builder",
  distroId: "debian",
  distroVersion: "12",
  distroCodename: "bookworm",
  distroName: "Debian GNU/Linux 12 (bookworm)",
  distroLike: "",
  systemd: true,
  binfmtMiscMounted: true,
  user: "root",
  privilege: Privilege.Root,
  docker: true,
  apt: true,
  flock: true,
};

export const DEBIAN13_SUDO_FACTS: HostFacts = {
  ...DEBIAN12_FACTS,
  distroVersion: "13",
  distroCodename: "trixie",
  distroName: "Debian GNU/Linux 13 (trixie)",
  user: "builder",
  privilege: Privilege.Sudo,
};

/** The script a command resource runs: its stdin, given to the `sh -s [ACTION]` of its command line. */
export function innerScript(inputs: Record<string, unknown>): string {
  const line = String(inputs.create ?? "");
  if (!/^(?:sudo -n )?sh -s(?: [a-z-]+)?$/.test(line)) throw new Error(`not a script command line: ${line.slice(0, 80)}`);
  return String(inputs.stdin ?? "");
}

/** NAME='value' assignments of a script. */
export function scriptVars(script: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([A-Z_][A-Z0-9_]*)=('(?:[^']|'\\'')*'(?:'\\'')*)$/gm;
  for (const m of script.matchAll(re)) {
    const [, k, v] = m;
    if (k !== undefined && v !== undefined) out[k] = v.slice(1, -1).replace(/'\\''/g, "'");
  }
  return out;
}

export interface MockOptions {
  /** Facts per host resource-name prefix (the BinfmtHost name); default DEBIAN12_FACTS. */
  readonly facts?: (hostName: string) => HostFacts;
  /** `uname -m` a check prints, per target; default the expected one. */
  readonly unameOf?: (target: string, expected: string) => string;
  /** The text of the host's units file (the repair tokens, src/host/units.ts); default: no such file. */
  readonly unitsText?: (hostName: string) => string | undefined;
}

export interface Recorder {
  readonly created: CreatedResource[];
  readonly registered: RegisteredResource[];
  /** Pass as `transformations` on the component: records every child's options. */
  readonly transformation: pulumi.ResourceTransformation;
  clear(): void;
}

function hostPrefix(name: string): string {
  return name.replace(/-(facts|bundle|packages|refusal|rule-.*|check|check-.*|image-.*|docker)$/, "");
}

function commandStdout(name: string, inputs: Record<string, unknown>, o: MockOptions): string {
  const facts = (o.facts ?? (() => DEBIAN12_FACTS))(hostPrefix(name));
  if (name.endsWith("-facts")) return observationStdout(facts);
  const script = innerScript(inputs);
  const v = scriptVars(script);
  if (name.endsWith("-packages")) return JSON.stringify({ packages: (v.PACKAGES ?? "").split(" ").filter(Boolean), installed: [] }) + "\n";
  if (/-rule-/.test(name)) {
    if (v.INTERP === undefined) {
      const m = /"skipped":/.test(script);
      return m ? `{"target":"x","name":"x","skipped":"native"}\n` : "";
    }
    const entry = [`enabled`, `interpreter ${v.INTERP}`, `flags: ${v.FLAGS}`, `offset ${v.OFFSET}`, `magic ${v.MAGIC}`, ...(v.MASK ? [`mask ${v.MASK}`] : [])].join("\n");
    return JSON.stringify({ target: v.TARGET, name: v.NAME, file: v.FILE, wroteFile: true, applied: "proc", persistent: v.PERSISTENT === "true", entry }) + "\n";
  }
  if (/-check$/.test(name)) {
    // One line per target step (hostCheckScript); a skipped (native) target's check runs natively: it
    // expects the host's own machine.
    return script
      .split(/# --- check\.sh|\. "\$BUNDLE_DIR\/check\.sh"/)
      .slice(0, -1)
      .map((before) => scriptVars(before.slice(before.lastIndexOf("\nTARGET="))))
      .map((s) => {
        const native = s.NATIVE === "true";
        const expected = native ? facts.machine : (s.EXPECTED ?? "");
        const actual = (o.unameOf ?? ((_t, e) => e))(s.TARGET ?? "", expected);
        const detail = actual === expected ? "" : "exec /bin/uname: exec format error";
        return JSON.stringify({ target: s.TARGET, image: s.IMAGE, platform: s.PLATFORM, expected, actual, exitCode: 0, ok: actual === expected, native, detail }) + "\n";
      })
      .join("");
  }
  return "";
}

export function installMocks(o: MockOptions = {}): Recorder {
  const created: CreatedResource[] = [];
  // The observation: no SSH in unit tests; the fake host answers with the facts of the host's name.
  useObservationRunner(async (_ep, script) => {
    const vars = scriptVars(script);
    const hostName = (vars.LABEL ?? "").replace(/ \(.*$/, "");
    const units = o.unitsText?.(hostName);
    const unitsPath = (vars.FILES ?? "").split("\n").find((f) => f.startsWith("/var/lib/pulumi-qemu-binfmt/units/"));
    const extra = units === undefined || unitsPath === undefined ? "" : `${JSON.stringify({ kind: "file", path: unitsPath, state: "file", text: units })}\n`;
    return { code: 0, stderr: "", stdout: observationStdout((o.facts ?? (() => DEBIAN12_FACTS))(hostName)) + extra };
  });
  const registered: RegisteredResource[] = [];
  void pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const inputs = args.inputs as Record<string, unknown>;
        created.push({ type: args.type, name: args.name, inputs });
        const state: Record<string, unknown> = { ...inputs };
        if (args.type === "command:remote:Command") {
          state.stdout = commandStdout(args.name, inputs, o);
          state.stderr = "";
        }
        if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.name}`;
        if (args.type === "docker:index/container:Container") {
          const labels = (inputs.labels as { label: string; value: string }[] | undefined) ?? [];
          const target = labels.find((l) => l.label === "pulumi-qemu-binfmt.target")?.value ?? "";
          const expected = EXPECTED_UNAME[target] ?? "";
          state.containerLogs = `${(o.unameOf ?? ((_t, e) => e))(target, expected)}\n`;
          state.exitCode = 0;
        }
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return args.inputs as Record<string, unknown>;
      },
    },
    "project",
    "stack",
    false,
  );
  const transformation: pulumi.ResourceTransformation = (args) => {
    const opts = args.opts;
    const deps = opts.dependsOn;
    // dependsOn may be an Output of a list (BinfmtHost's gate): its names are filled in once it resolves.
    const dependsOn: string[] = [];
    if (pulumi.Output.isInstance(deps)) {
      void (deps as pulumi.Output<pulumi.Resource | pulumi.Resource[]>).apply((v) => {
        dependsOn.push(...(Array.isArray(v) ? v : [v]).map(nameOf));
      });
    } else {
      const list: pulumi.Resource[] = deps === undefined ? [] : Array.isArray(deps) ? (deps as pulumi.Resource[]) : [deps as pulumi.Resource];
      dependsOn.push(...list.map(nameOf));
    }
    registered.push({
      type: args.type,
      name: args.name,
      parent: opts.parent === undefined ? undefined : nameOf(opts.parent),
      dependsOn,
      deleteBeforeReplace: (opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
      provider: (opts as pulumi.CustomResourceOptions).provider === undefined ? undefined : nameOf((opts as pulumi.CustomResourceOptions).provider as pulumi.Resource),
      props: args.props as Record<string, unknown>,
    });
    return undefined;
  };
  return {
    created,
    registered,
    transformation,
    clear() {
      created.length = 0;
      registered.length = 0;
    },
  };
}

/** `uname -m` per target for the docker-provider mock (the container carries only the target label). */
const EXPECTED_UNAME: Record<string, string> = { aarch64: "aarch64", arm: "armv7l", riscv64: "riscv64", x86_64: "x86_64", ppc64le: "ppc64le", s390x: "s390x" };

/** A resource's logical name (Resource sets `__name` synchronously in its constructor). */
export function nameOf(r: pulumi.Resource): string {
  return (r as unknown as { __name?: string }).__name ?? "?";
}

/** The value of an Output; rejects when an apply in its chain threw. */
export function settle<T>(o: pulumi.Output<T>): Promise<T> {
  return (o as unknown as { promise(): Promise<T> }).promise();
}

/** Wait until every resource registration has reached the mocks. */
export async function drain(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

export const TEST_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAATESTKEYMATERIALdonotuse\n-----END OPENSSH PRIVATE KEY-----\n";
export const TEST_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyKeyKeyKeyKeyKeyKeyKeyKeyKeyKeyKeyKey";
