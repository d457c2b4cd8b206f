#!/usr/bin/env bash
# Builds tools/merge-peer (apimachinery's strategic merge patch and server-side apply on
# sigs.k8s.io/structured-merge-diff, in process: the Go peer of bench/merge) into
#   ${WEFT_CACHE_DIR:-~/.cache/weft}/bin/merge-peer-<apimachinery version>/
# through tools/go-cache.sh (reused while go.mod, go.sum and main.go are unchanged).
# Usage: tools/merge-peer/build.sh [--print-dir]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../go-cache.sh"
version="$(awk '$1 == "k8s.io/apimachinery" {print $2; exit}' "$here/go.mod")"

if [[ "${1:-}" == "--print-dir" ]]; then
  go_cache_dir merge-peer "$version"
  exit 0
fi
go_build_module merge-peer "$version" "$here" "$here/main.go" merge-peer=.
