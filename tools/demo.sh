#!/usr/bin/env bash
# The README's first command: the GitOps demo (examples/gitops-demo). It pulls a sample app
# from a local git server into the in-memory API server with @weft/delivery's operator
# (createGitOpsManager, as examples/gitops-operator runs it), and walks through sync, drift, a new commit, prune and a broken commit.
#
#   npm run demo                      # walk through, then keep running until Ctrl-C
#   npm run demo -- --once            # walk through, check every step, exit 0 or 1
#   npm run demo -- --real-cluster    # the same against a real control plane (needs Go to build it)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

real_cluster=0
for arg in "$@"; do
  case "$arg" in
    --real-cluster | --control-plane) real_cluster=1 ;;
  esac
done

# The in-memory mode needs nothing beyond the workspace's packages; the real control plane
# needs its binaries, built from Go modules into ~/.cache/weft/bin (a no-op once they are there).
export WEFT_SKIP_CONTROL_PLANE_BUILD=1
source "$root/tools/setup.sh"
if [[ "$real_cluster" == "1" ]]; then
  if command -v go >/dev/null; then
    bash "$root/tools/control-plane/build.sh"
  else
    echo "[demo] Go is not installed: using the control-plane binaries already in ~/.cache/weft/bin, if any" >&2
  fi
fi

cd "$root/examples/gitops-demo"
# tsx straight from the workspace (not through `pnpm exec`), so Ctrl-C reaches the demo and it
# shuts down cleanly.
exec "$root/node_modules/.bin/tsx" src/main.ts "$@"
