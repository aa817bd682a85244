#!/usr/bin/env bash
# Installs the Debian 12 packages cgw builds with, only those missing.
# Idempotent and fast when everything is present; uses sudo only when not root.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libyaml-cpp-dev libspdlog-dev libssl-dev libsqlite3-dev
  libgtest-dev libgmock-dev libpugixml-dev
  curl openssl wrk
  # The sanitizer and libFuzzer stage (scripts/test_sanitized.sh): clang 14,
  # its sanitizer and libFuzzer runtimes, lld, and llvm-symbolizer for
  # readable reports.
  clang libclang-rt-14-dev lld llvm-14
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
