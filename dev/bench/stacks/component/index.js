// Contender (a): what a user's program looks like: one BinfmtFleet over the hosts.
//
// Plain JavaScript on purpose: a TypeScript program adds ts-node's compile time to
// every `pulumi up`, a cost of the user's language choice, not of the component.
// The package is loaded the way a user's program loads it from node_modules: its
// compiled entry point (package.json "main", dist/src/index.js).
//
// Inputs (set by dev/bench/lib/bench.py):
//   BENCH_PACKAGE     the package directory (the repository checkout)
//   BENCH_HOSTS_FILE  the lab's JSON ({"hosts":[{name,address,port,privateKeyPath,hostPublicKey}]})
"use strict";
const fs = require("fs");
const path = require("path");
const pkg = process.env.BENCH_PACKAGE || "pulumi-qemu-binfmt";
let qb = require(pkg);
// Until the package's entry point re-exports the component, take it from its module.
if (!qb.BinfmtFleet) qb = require(path.join(path.dirname(require.resolve(pkg + "/package.json")), "dist/src/component"));

const lab = JSON.parse(fs.readFileSync(process.env.BENCH_HOSTS_FILE, "utf8"));

const fleet = new qb.BinfmtFleet("bench", {
  hosts: lab.hosts.map((h) => ({
    id: h.name,
    connection: {
      host: h.address,
      port: h.port,
      user: "root",
      privateKey: fs.readFileSync(h.privateKeyPath, "utf8"),
      hostKey: h.hostPublicKey,
    },
  })),
  architectures: ["arm", "aarch64"],
  // The packages the issue names (qemu-user-static + binfmt-support), as Ansible and the
  // floor script install them; everything else is the component's default.
  installPackages: qb.PackageSet.QemuUserStaticBinfmtSupport,
  acceptance: { enabled: true, via: qb.AcceptanceVia.Command },
});

module.exports = { hostCount: lab.hosts.length, fleetUrn: fleet.urn };
