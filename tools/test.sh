#!/usr/bin/env bash
# The one command that runs every test on a fresh machine (the README's second
# command; .ci/run calls it with CI=true). Does its own set-up first.
# Its last line is the totals of every suite: "N passed, N failed".
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/.vitest-results.json"
rm -f "$results"

if ! source "$root/tools/setup.sh"; then
  echo "set-up failed"
  echo "0 passed, 1 failed"
  exit 1
fi
# setup.sh runs with `set -e`, which sourcing leaves on here; a failing vitest must still reach the totals.
set +e

echo "[test] building packages" >&2
build_ok=1
"${PNPM[@]}" -r --filter "./packages/*" run build >/tmp/weft-build.log 2>&1 || { build_ok=0; tail -40 /tmp/weft-build.log; }

"${PNPM[@]}" exec vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"
vitest_status=$?

node "$root/tools/test-totals.mjs" "$results" "$build_ok"
totals_status=$?
if [[ $vitest_status -ne 0 || $totals_status -ne 0 || $build_ok -ne 1 ]]; then exit 1; fi
