# Shared setup for the project's scripts: installs what is missing and puts the pinned Deno on PATH.
# Sourced, not run. Needs root for apt-get; Node.js and npm must already be present.
# Set test_tools=no before sourcing to skip the tools only the tests use (promtool, lintian).

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deno_version=$(tr -d '[:space:]' <"$root/.deno-version")
deno_prefix="$root/.tools/deno-$deno_version"

install_deno() {
  if [[ -x "$deno_prefix/node_modules/.bin/deno" ]]; then
    return
  fi
  if ! command -v npm >/dev/null; then
    echo "npm not found: install Node.js and npm first (apt-get install nodejs npm)" >&2
    exit 1
  fi
  echo "Installing Deno $deno_version from npm into $deno_prefix" >&2
  mkdir -p "$deno_prefix"
  npm install --silent --no-audit --no-fund --prefix "$deno_prefix" "deno@$deno_version" >&2
}

install_system_packages() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v openssl >/dev/null || missing+=(openssl)
  if [[ ${test_tools:-yes} == yes ]]; then
    # promtool checks the shipped alerting rules (tests/alerting_packaging_test.ts).
    command -v promtool >/dev/null || missing+=(prometheus)
    # lintian checks the Debian package (tests/packaging/package_test.ts).
    command -v lintian >/dev/null || missing+=(lintian)
  fi
  if ((${#missing[@]} == 0)); then
    return
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing ${missing[*]}: run this script as root so it can apt-get install them" >&2
    exit 1
  fi
  echo "Installing ${missing[*]} with apt-get" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

install_deno
install_system_packages
export PATH="$deno_prefix/node_modules/.bin:$PATH"
export DENO_NO_UPDATE_CHECK=1
cd "$root"
