#!/usr/bin/env bash
# The Debian packages, as a QA team installs them: builds the cgw-sim and
# cgw-gateway .debs (cpack -G DEB in the build folder), installs both with
# apt-get, starts the installed cgw-sim from its packaged example config
# (ports made ephemeral) and checks /healthz and the console of each
# carrier, then checks and starts the installed cgw-gateway with its
# packaged example config pointed at those ports and waits until it has
# synced every carrier; then removes both packages (also on failure).
# Needs root or sudo. Run by scripts/test.sh after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=$(cd "${CGW_BUILD_DIR:-build}" && pwd)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

fail() {
  echo "test_packages: FAIL: $*" >&2
  exit 1
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cgw_packages.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  $SUDO apt-get remove -y -qq cgw-sim cgw-gateway >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Waits up to $1 tenths of a second for the command after it to succeed.
wait_for() {
  local tries=$1
  shift
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

# What the packages hold (a no-op after scripts/build.sh).
cmake --build "$BUILD_DIR" -j "${CGW_JOBS:-2}" --target cgw-sim cgw-gateway cgw_plugin_mobile \
  cgw_plugin_unicom cgw_plugin_telecom cgw_plugin_mvno >"$WORK/build.log" 2>&1 || {
  tail -40 "$WORK/build.log" >&2
  fail "building the packaged targets"
}
rm -rf "$BUILD_DIR/packages"
(cd "$BUILD_DIR" && cpack -G DEB) >"$WORK/cpack.log" 2>&1 || {
  cat "$WORK/cpack.log" >&2
  fail "cpack -G DEB"
}
SIM_DEB=$(ls "$BUILD_DIR"/packages/cgw-sim_*.deb)
GW_DEB=$(ls "$BUILD_DIR"/packages/cgw-gateway_*.deb)
for deb in "$SIM_DEB" "$GW_DEB"; do
  echo "test_packages: $(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
done
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  "$SIM_DEB" "$GW_DEB" >"$WORK/apt.log" 2>&1 || {
  cat "$WORK/apt.log" >&2
  fail "apt-get install of the packages"
}
[ -x /usr/bin/cgw-sim ] && [ -x /usr/bin/cgw-gateway ] || fail "the binaries are not in /usr/bin"
for c in mobile unicom telecom mvno; do
  [ -f /usr/lib/cgw-gateway/plugins/cgw_$c.so ] || fail "the $c plugin is not installed"
done

# The simulator, from its packaged example on ephemeral ports.
cp -r /usr/share/cgw-sim/examples "$WORK/sim"
sed -i -E 's/listen: "127\.0\.0\.1:[0-9]+"/listen: "127.0.0.1:0"/' "$WORK/sim/simulators.yaml"
/usr/bin/cgw-sim --config "$WORK/sim/simulators.yaml" --ports-file "$WORK/sim.ports" \
  >"$WORK/sim.log" 2>&1 &
PIDS+=($!)
wait_for 100 test -s "$WORK/sim.ports" || {
  cat "$WORK/sim.log" >&2
  fail "the installed cgw-sim did not start"
}
port_of() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$WORK/sim.ports" "$1"; }
declare -A SIM_PORT
for c in mobile unicom telecom mvno; do
  SIM_PORT[$c]=$(port_of $c)
  curl -fsS "http://127.0.0.1:${SIM_PORT[$c]}/healthz" >/dev/null || fail "$c /healthz"
done
curl -fsS -D "$WORK/console.headers" -o "$WORK/console.html" \
  "http://127.0.0.1:${SIM_PORT[mobile]}/admin/console" || fail "the console is not served"
grep -qi '^content-security-policy:' "$WORK/console.headers" || fail "the console has no CSP"
grep -q 'cgw-sim console' "$WORK/console.html" || fail "the console page is not the console"

# The gateway, from its packaged example pointed at those ports.
mkdir -p "$WORK/gw/var"
cp -r /usr/share/cgw-gateway/examples "$WORK/gw/config"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/gw/var/pii.key"
GW_YAML=$WORK/gw/config/gateway.yaml
sed -i -E 's/^  port: 8080/  port: 0/' "$GW_YAML"
sed -i "s#http://127.0.0.1:9101#http://127.0.0.1:${SIM_PORT[mobile]}#; s#http://127.0.0.1:9102#http://127.0.0.1:${SIM_PORT[unicom]}#; s#http://127.0.0.1:9103#http://127.0.0.1:${SIM_PORT[telecom]}#; s#http://127.0.0.1:9104#http://127.0.0.1:${SIM_PORT[mvno]}#" "$GW_YAML"
/usr/bin/cgw-gateway --config "$GW_YAML" --check-config >/dev/null || fail "the packaged example config does not check"
/usr/bin/cgw-gateway --config "$GW_YAML" --port-file "$WORK/gw.port" >"$WORK/gw.log" 2>&1 &
PIDS+=($!)
wait_for 150 test -s "$WORK/gw.port" || {
  tail -20 "$WORK/gw.log" >&2
  fail "the installed cgw-gateway did not start"
}
GW=http://127.0.0.1:$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['port'])" "$WORK/gw.port")
curl -fsS "$GW/healthz" >/dev/null || fail "gateway /healthz"
# Ready once the plugins (loaded from /usr/lib/cgw-gateway/plugins) synced
# the simulators' inventory.
wait_for 300 sh -c "curl -fsS '$GW/readyz' | grep -q '\"ready\"'" || {
  curl -sS "$GW/readyz" >&2 || true
  tail -20 "$WORK/gw.log" >&2
  fail "the installed gateway did not become ready against the installed simulator"
}
curl -fsS -H 'Authorization: Bearer cgw-demo-key' "$GW/v1/numbers?carrier=mobile&limit=1" |
  grep -q '"msisdn"' || fail "no number found through the installed gateway"
echo "PASS packages: cgw-sim and cgw-gateway install, start from their examples, and work together"
