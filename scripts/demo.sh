#!/usr/bin/env bash
# Runs the daemon on a simulated switch: a network namespace with eight front-panel
# ports, a private redis-server and an emulated orchagent. Run as root; Ctrl-C ends it.
set -euo pipefail
# The demo needs neither promtool nor lintian, which only the tests use.
test_tools=no
source "$(dirname "$0")/_env.sh"
deno install --frozen >/dev/null
deno task demo "$@"
