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
