#!/usr/bin/env bash
# Run the node:test suites (TypeScript through tsx), one file at a time.
#   dev/scripts/run-tests.sh unit|integration|faults|all [extra node --test args]
# faults: the fault-injection suite (test/faults; it writes docs/reliability.md).
# Integration tests expect the toolchain and lab to be prepared (dev/scripts/test.sh does that).
set -euo pipefail
# shellcheck source=dev/scripts/trace.sh
source "$(dirname "${BASH_SOURCE[0]}")/trace.sh"
cd "$(dirname "$0")/../.."
which=${1:-all}; shift || true
case "$which" in
  unit) dirs=(test/unit) ;;
  integration) dirs=(test/integration) ;;
  faults) dirs=(test/faults) ;;
  all) dirs=(test/unit test/integration test/faults) ;;
  *) echo "usage: run-tests.sh unit|integration|faults|all" >&2; exit 2 ;;
esac
mapfile -t files < <(find "${dirs[@]}" -name '*.test.ts' 2>/dev/null | sort)
if [ ${#files[@]} -eq 0 ]; then echo "run-tests.sh: no test files under ${dirs[*]}" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@" "${files[@]}"
