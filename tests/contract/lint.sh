#!/usr/bin/env bash
# Lints an OpenAPI description with one of the pinned outside linters:
#   tests/contract/lint.sh redocly|spectral <file.yaml>
# Fails on any error or warning (a rule that does not fit is turned off in
# redocly.yaml or .spectral.yaml, with the reason). The tools come from
# tests/contract/node_modules, which scripts/setup.sh installs (npm ci).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tool=${1:?usage: lint.sh redocly|spectral FILE}
spec=${2:?usage: lint.sh redocly|spectral FILE}
bin="$here/node_modules/.bin"
if [ ! -x "$bin/redocly" ] || [ ! -x "$bin/spectral" ]; then
  echo "FAIL: $here/node_modules is missing or incomplete: run scripts/setup.sh (it runs npm ci there)" >&2
  exit 1
fi
case "$tool" in
  redocly)
    # JSON output: the exit code counts errors only, the totals count warnings too.
    err=$(mktemp)
    trap 'rm -f "$err"' EXIT
    out=$(REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
      "$bin/redocly" lint --config "$here/redocly.yaml" --format=json "$spec" 2>"$err") || true
    if ! node -e 'JSON.parse(require("fs").readFileSync(0, "utf8"))' <<<"$out" 2>/dev/null; then
      echo "FAIL: redocly gave no report for $spec:" >&2
      cat "$err" >&2
      exit 1
    fi
    node -e '
      const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
      for (const p of r.problems)
        console.log(`${p.severity}\t${p.ruleId}\t${p.location.map(l => l.pointer).join(" ")}\t${p.message}`);
      console.log(`redocly ${r.version}: ${r.totals.errors} errors, ${r.totals.warnings} warnings`);
      process.exit(r.totals.errors + r.totals.warnings > 0 ? 1 : 0);' <<<"$out"
    ;;
  spectral)
    "$bin/spectral" lint --ruleset "$here/.spectral.yaml" --fail-severity warn "$spec"
    ;;
  *)
    echo "unknown linter '$tool' (redocly or spectral)" >&2
    exit 2
    ;;
esac
