#!/usr/bin/env bash
# The one command that runs every test on a fresh machine (the README's second
# command; .ci/run calls it with CI=true). Does its own set-up first.
# Without arguments it runs every suite on this machine's Node (20), then the unit suites once
# more on Node 24 with @kubernetes/client-node 2.x (tools/node24.sh).
# Its last line is the totals of every run: "N passed, N failed".
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/.vitest-results.json"
results_node24="$root/.vitest-results-node24.json"
rm -f "$results" "$results_node24"

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

reports=("node $(node --version | tr -d v)=$results")
node24_status=0
# With arguments (a filter, one project) only that run happens; CI passes none.
if [[ $# -eq 0 ]]; then
  bash "$root/tools/node24.sh" "$results_node24"
  node24_status=$?
  reports+=("node 24 + client-node 2=$results_node24")
fi

node "$root/tools/test-totals.mjs" "$build_ok" "${reports[@]}"
totals_status=$?
if [[ $vitest_status -ne 0 || $node24_status -ne 0 || $totals_status -ne 0 || $build_ok -ne 1 ]]; then exit 1; fi
