/**
 * @pulumi/docker is an optional peer dependency: a program that never chooses AcceptanceVia.DockerProvider
 * neither loads it (so the engine never needs pulumi-resource-docker), and one that does, without it
 * installed, gets an error naming acceptance.via before any resource exists.
 */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DEBIAN12_FACTS, Recorder, TEST_KEY, installMocks, settle } from "./harness";
import { BinfmtArgsError } from "../../../src/component/errors";
import { DOCKER_PACKAGE, loadDocker } from "../../../src/component/docker-module";

const dockerLoaded = (): boolean => Object.keys(require.cache).some((f) => f.includes(`${path.sep}@pulumi${path.sep}docker${path.sep}`));

function missing(id: string): never {
  const e = new Error(`Cannot find module '${id}'\nRequire stack:\n- ${__filename}`) as NodeJS.ErrnoException;
  e.code = "MODULE_NOT_FOUND";
  throw e;
}

let rec: Recorder;
before(() => {
  rec = installMocks({ facts: () => DEBIAN12_FACTS });
});

describe("@pulumi/docker, an optional peer dependency", () => {
  it("is not loaded by the library, nor by a BinfmtHost whose check runs as a command", async () => {
    const { BinfmtHost } = await import("../../../src");
    rec.clear();
    const host = new BinfmtHost("cmd-check", { connection: { host: "10.0.0.5", privateKey: TEST_KEY }, architectures: ["aarch64"] }, { transformations: [rec.transformation] });
    await settle(host.targets);
    assert.ok(rec.registered.some((r) => r.name === "cmd-check-check"));
    assert.equal(dockerLoaded(), false);
  });

  it("when missing, fails the docker-provider choice with an error naming acceptance.via and saying what to install", () => {
    let err: unknown;
    try {
      loadDocker('BinfmtHost "b1"', missing);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof BinfmtArgsError);
    assert.equal(err.field, "args.acceptance.via");
    assert.match(err.message, /^BinfmtHost "b1": invalid arguments:\n {2}args\.acceptance\.via: "docker-provider" needs the optional peer dependency @pulumi\/docker \(5\.x\)/);
    assert.match(err.message, /npm install @pulumi\/docker@5/);
    assert.match(err.message, /acceptance\.via "command"/);
  });

  it("rethrows any other load failure as it is (a missing module of @pulumi/docker's own is not 'not installed')", () => {
    assert.throws(
      () => loadDocker("x", () => missing("@pulumi/docker/node_modules/some-dep")),
      (e: Error) => !(e instanceof BinfmtArgsError) && /some-dep/.test(e.message),
    );
    assert.throws(
      () =>
        loadDocker("x", () => {
          throw new SyntaxError("broken");
        }),
      SyntaxError,
    );
  });

  it("is loaded, as installed here (devDependency), once the docker-provider path is chosen", () => {
    const docker = loadDocker("x");
    assert.equal(typeof docker.Provider, "function");
    assert.equal(dockerLoaded(), true);
  });

  it("is declared as an optional peer (and a devDependency for the tests), not a dependency", () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, "../../../package.json"), "utf8")) as Record<string, Record<string, unknown> | undefined>;
    assert.equal(pkg.dependencies?.[DOCKER_PACKAGE], undefined);
    assert.match(String(pkg.peerDependencies?.[DOCKER_PACKAGE]), /^\^5\./);
    assert.deepEqual(pkg.peerDependenciesMeta?.[DOCKER_PACKAGE], { optional: true });
    assert.ok(pkg.devDependencies?.[DOCKER_PACKAGE]);
  });
});
