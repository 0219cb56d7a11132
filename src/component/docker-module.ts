/**
 * `@pulumi/docker` is an OPTIONAL peer dependency: only AcceptanceVia.DockerProvider needs it. It is loaded
 * here, on first use, so that a program (or the component package, pulumi-package/) that never chooses that path
 * neither installs the module nor makes the engine resolve its plugin (pulumi-resource-docker): the engine
 * asks for the plugins of the `@pulumi/*` packages present in node_modules, and a provider package that is
 * not installed is not asked for.
 *
 * Synchronous `require` rather than `await import()`: the component creates its resources in its
 * constructor, and the error must come from there, before any resource exists.
 */
import type * as Docker from "@pulumi/docker";
import { createRequire } from "node:module";
import { BinfmtArgsError } from "./errors";

export type DockerModule = typeof Docker;

/** The package name, and the major version this component's docker check is written for. */
export const DOCKER_PACKAGE = "@pulumi/docker";
export const DOCKER_MAJOR = 5;

/**
 * `@pulumi/docker`, resolved from this file (as a normal import would be).
 * Throws BinfmtArgsError naming `acceptance.via` when it is not installed; any other load error as is.
 * `resolve` is for tests (default: Node's resolution from this module).
 */
export function loadDocker(component: string, resolve: (id: string) => unknown = createRequire(__filename)): DockerModule {
  try {
    return resolve(DOCKER_PACKAGE) as DockerModule;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== "MODULE_NOT_FOUND" || !String(err.message).includes(`'${DOCKER_PACKAGE}'`)) throw e;
    throw new BinfmtArgsError(component, [
      {
        field: "args.acceptance.via",
        message:
          `"docker-provider" needs the optional peer dependency ${DOCKER_PACKAGE} (${DOCKER_MAJOR}.x), which is not installed: ` +
          `install it next to this package (npm install ${DOCKER_PACKAGE}@${DOCKER_MAJOR}; the engine then also needs its plugin, ` +
          `pulumi-resource-docker) or use acceptance.via "command" (no extra plugin)`,
      },
    ]);
  }
}
