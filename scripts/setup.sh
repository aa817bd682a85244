#!/usr/bin/env bash
# Installs the Debian 12 packages cgw builds with, only those missing, then
# the pinned npm packages of the API lint and contract tests
# (tests/contract/package-lock.json) with `npm ci`.
# Idempotent and fast when everything is present; uses sudo only when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libyaml-cpp-dev libspdlog-dev libssl-dev libsqlite3-dev
  libgtest-dev libgmock-dev libpugixml-dev
  # The PostgreSQL store: libpq to build, and a server that the tests start
  # in a temporary directory themselves (scripts/pg_local.sh; no service).
  libpq-dev postgresql-15
  curl openssl wrk
  # The sanitizer and libFuzzer stage (scripts/test_sanitized.sh): clang 14,
  # its sanitizer and libFuzzer runtimes, lld, and llvm-symbolizer for
  # readable reports.
  clang libclang-rt-14-dev lld llvm-14
  # The simulator console's browser test (tests/console): headless Chromium
  # driven through chromedriver by Selenium, all three Debian's.
  chromium chromium-driver python3-selenium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm for the OpenAPI linters and Prism (tests/contract): Debian's
# nodejs (18) and npm, unless a node and npm are already on the PATH (a
# machine may carry a newer Node.js whose package conflicts with Debian's npm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The pinned tools (package-lock.json) go to tests/contract/node_modules.
# npm ci starts from scratch each time, so it runs only when the lock file
# changed since the last install (a stamp holds its hash). No install
# scripts: none of the tools needs one.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
  echo "setup: Node.js 18 or later is needed for tests/contract, found $(node --version)" >&2
  exit 1
fi
contract=tests/contract
stamp=$contract/node_modules/.cgw-lock-sha256
want=$(sha256sum "$contract/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: npm ci in $contract"
  (cd "$contract" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  echo "$want" >"$stamp"
fi
echo "setup: done"
