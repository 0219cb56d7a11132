#!/usr/bin/env bash
# `npm test`: the whole suite on a fresh machine of this kind, as root, with nothing run before.
# Installs what the tests need (npm dependencies, the Pulumi toolchain, the lab's packages and
# caches), runs every unit and integration test, and leaves the lab as it found it.
#   npm test                 everything
#   npm test -- unit         unit tests only (no toolchain, no lab)
set -euo pipefail
PQB_SCRIPT=test
source "$(dirname "$0")/lib.sh"
cd "$PQB_ROOT"

which=${1:-all}
step "npm dependencies" ensure_node_modules
# Fast gates first (seconds): a type or lint error fails before the lab starts.
step "typecheck (npm run typecheck)" npm run -s typecheck
step "lint (npm run lint)" npm run -s lint
step "shellcheck (npm run shellcheck)" npm run -s shellcheck
if [ "$which" != unit ]; then
  # The toolchain tests run a throwaway sshd on loopback (test/support/loopback-sshd.ts); no service starts.
  step "test packages (openssh-server)" ensure_debs openssh-server
  step "Pulumi toolchain (npm run toolchain)" bash dev/toolchain/toolchain.sh
  # Warm the lab's caches (rootfs per suite, apt repo, images) once, so that tests only boot hosts.
  step "lab caches (npm run lab -- prepare)" bash dev/lab/lab.sh prepare
  # Programs in their own directories (drift, faults) load the package through its self-link: dist.
  step "build (npm run build)" npm run -s build
fi
bash dev/scripts/run-tests.sh "$which"
