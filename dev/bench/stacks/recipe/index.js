// Contender (e): the Pulumi program a user would write WITHOUT this component: per host one
// remote.Command running the article's recipe (apt-get install, echo the two rule lines into
// /etc/binfmt.d, restart systemd-binfmt, docker run checks). No observation, no drift, no per-target
// results, no removal: what the component adds on top is what (a) - (e) measures.
//
// Inputs (set by dev/bench/lib/bench.py):
//   BENCH_HOSTS_FILE  the lab's JSON ({"hosts":[{name,address,port,privateKeyPath,hostPublicKey}]})
//   BENCH_SPEC_FILE   dev/bench/lib/spec.py output: the same rule lines and checks as (a), (b), (c)
"use strict";
const fs = require("fs");
const command = require("@pulumi/command");

const lab = JSON.parse(fs.readFileSync(process.env.BENCH_HOSTS_FILE, "utf8"));
const spec = JSON.parse(fs.readFileSync(process.env.BENCH_SPEC_FILE, "utf8"));
const q = (s) => "'" + s.replace(/'/g, "'\\''") + "'";

// The article's steps, in its order, with the rule lines of the spec.
const recipe = [
  "set -e",
  "export DEBIAN_FRONTEND=noninteractive",
  "apt-get update -qq",
  `apt-get install -y -qq --no-install-recommends ${spec.packages.join(" ")} >/dev/null`,
  "mkdir -p /etc/binfmt.d",
  ...spec.targets.map((t) => `echo ${q(t.rule)} > /etc/binfmt.d/qemu-${t.target}.conf`),
  "systemctl restart systemd-binfmt.service",
  ...spec.targets.map((t) => `test "$(docker run --rm --platform ${t.platform} ${t.image} uname -m)" = ${t.expect}`),
].join("\n");

for (const h of lab.hosts) {
  new command.remote.Command(`${h.name}-recipe`, {
    connection: {
      host: h.address,
      port: h.port,
      user: "root",
      privateKey: fs.readFileSync(h.privateKeyPath, "utf8"),
      hostKey: h.hostPublicKey,
    },
    create: recipe,
  });
}

module.exports = { hostCount: lab.hosts.length };
