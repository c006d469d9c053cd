#!/usr/bin/env bash
# Runs the whole test suite: format, lint and type checks, unit tests and the privileged
# integration tests (network namespaces and private redis-server instances). Run as root.
set -euo pipefail
source "$(dirname "$0")/_env.sh"
deno install --frozen >/dev/null
deno fmt --check
deno lint
deno task check
deno task test "$@"
if [ -z "${DENORT_BIN:-}" ]; then
  echo "The test of the compiled binary was ignored: set DENORT_BIN to a denort of Deno" \
    "$(cat "$(dirname "$0")/../.deno-version") to run it."
fi
