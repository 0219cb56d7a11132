#!/usr/bin/env node
// Merge the lab registry into a docker daemon.json (dev/lab/services.sh configure-host).
//   node dev/lab/registry/daemon-json.mjs FILE MIRROR_URL HOST:PORT
// Keeps every other key of an existing FILE. `registry-mirrors` becomes exactly [MIRROR_URL]
// (a stale mirror from an earlier lab would be tried first on every pull); HOST:PORT is added
// to `insecure-registries` (plain HTTP) without dropping other entries.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

function main([file, mirror, hostPort]) {
  if (!file || !mirror || !hostPort) throw new Error("usage: daemon-json.mjs FILE MIRROR_URL HOST:PORT");
  let config = {};
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8");
    if (text.trim() !== "") {
      try {
        config = JSON.parse(text);
      } catch (err) {
        throw new Error(`${file} is not valid JSON (${err.message}); fix or remove it`);
      }
      if (config === null || typeof config !== "object" || Array.isArray(config)) throw new Error(`${file} is not a JSON object`);
    }
  }
  const insecure = Array.isArray(config["insecure-registries"]) ? config["insecure-registries"] : [];
  config["registry-mirrors"] = [mirror];
  config["insecure-registries"] = [hostPort, ...insecure.filter((r) => r !== hostPort)];
  writeFileSync(`${file}.tmp`, `${JSON.stringify(config, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`daemon-json: ${err.message}\n`);
  process.exit(1);
}
