#!/usr/bin/env bash
# Builds tools/controller-runtime-peer (a no-op ConfigMap reconciler on controller-runtime, the Go
# peer of bench/core-coldstart and bench/core-latency) into
#   ${WEFT_CACHE_DIR:-~/.cache/weft}/bin/controller-runtime-peer-<controller-runtime version>/
# through tools/go-cache.sh (reused while go.mod, go.sum and main.go are unchanged).
# Usage: tools/controller-runtime-peer/build.sh [--print-dir]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../go-cache.sh"
version="$(awk '$1 == "sigs.k8s.io/controller-runtime" {print $2; exit}' "$here/go.mod")"

if [[ "${1:-}" == "--print-dir" ]]; then
  go_cache_dir controller-runtime-peer "$version"
  exit 0
fi
go_build_module controller-runtime-peer "$version" "$here" "$here/main.go" controller-runtime-peer=.
