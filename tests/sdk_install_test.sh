#!/usr/bin/env bash
# The partner path end to end, without the cgw source tree: installs the SDK
# from the build tree into a temporary prefix, builds the plugin template
# (plugins/template) out of tree with find_package(cgw_sdk), checks that it
# exports only cgw_plugin_entry_v1, loads it with the gateway's real loader
# (cgw-conformance --describe), and runs the conformance checks that need no
# carrier: instance creation, unsupported operations, transport error mapping.
#
#   sdk_install_test.sh <cgw build dir> <cgw source dir>
set -euo pipefail
BUILD_DIR=$1
SOURCE_DIR=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cgw_sdk_install.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() {
  echo "FAIL $1" >&2
  exit 1
}
cmake --install "$BUILD_DIR" --prefix "$WORK/prefix" >/dev/null
[[ -f $WORK/prefix/include/cgw/abi.h && -f $WORK/prefix/include/cgw/testing.hpp &&
  -f $WORK/prefix/lib/cmake/cgw_sdk/cgw_sdkConfig.cmake ]] ||
  fail "the SDK did not install its headers (with the fake host) and CMake package"
# The conformance kit is installed with it, and used from there below.
CONFORMANCE=$WORK/prefix/bin/cgw-conformance
[[ -x $CONFORMANCE ]] || fail "sdk.install — cgw-conformance is not installed in bin/"
# One version: the package's is the project's, whose major.minor is the ABI's.
ABI=$(sed -n 's/^#define CGW_ABI_\(MAJOR\|MINOR\) \([0-9]*\)$/\2/p' "$WORK/prefix/include/cgw/abi.h" |
  paste -sd.)
grep -q "set(PACKAGE_VERSION \"$ABI\.[0-9]*\")" "$WORK/prefix/lib/cmake/cgw_sdk/cgw_sdkConfigVersion.cmake" ||
  fail "sdk.version — the package version does not start with the ABI version $ABI"
echo "PASS sdk.install — headers, fake host, cgw-conformance and the cgw_sdk $ABI.x package"

# A copy, as a partner would take it: nothing may point back into the tree.
cp -r "$SOURCE_DIR/plugins/template" "$WORK/src"
if ! cmake -S "$WORK/src" -B "$WORK/build" -G Ninja -DCMAKE_PREFIX_PATH="$WORK/prefix" \
  >"$WORK/build.log" 2>&1 || ! cmake --build "$WORK/build" >>"$WORK/build.log" 2>&1; then
  cat "$WORK/build.log" >&2
  fail "template.build — the template does not build against the installed SDK"
fi
PLUGIN=$WORK/build/cgw_example.so
echo "PASS template.build — $(basename "$PLUGIN") built out of tree"

EXPORTED=$(nm -D --defined-only "$PLUGIN" | awk '{print $3}' | sort | tr '\n' ' ')
[[ $EXPORTED == "cgw_plugin_entry_v1 " ]] ||
  fail "template.exports — exports '$EXPORTED', expected only cgw_plugin_entry_v1"
echo "PASS template.exports — only cgw_plugin_entry_v1"

DESCRIPTION=$("$CONFORMANCE" --describe "$PLUGIN") || fail "template.load — the gateway's loader refused it"
grep -qx 'name: example' <<<"$DESCRIPTION" || fail "template.load — unexpected descriptor: $DESCRIPTION"
echo "PASS template.load — $(tr '\n' ' ' <<<"$DESCRIPTION")"

# Settings as gateway.yaml would hold them, with the secret as a reference.
printf 'demo-template-secret\n' >"$WORK/example.secret"
cat >"$WORK/settings.yaml" <<YAML
partner_id: demo-partner
secret: {file: example.secret}
YAML
# No carrier answers on the base URL: these checks bring their own.
"$CONFORMANCE" --plugin "$PLUGIN" --settings "$WORK/settings.yaml" \
  --base-url http://127.0.0.1:9 --only create,unsupported_operation,transport
