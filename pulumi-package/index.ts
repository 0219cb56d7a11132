/**
 * Entry point of the component package (PulumiPlugin.yaml): exactly the two components, from the built
 * library one folder up (`npm ci` at the repository root builds dist/ through its `prepare` script). The
 * SDK's run-plugin finds the ComponentResource classes among these exports and serves them; its analyzer
 * reads their types from the declarations next to the JavaScript (dist/src/*.d.ts).
 */
export { BinfmtHost, BinfmtFleet } from "../dist/src";
