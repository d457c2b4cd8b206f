#!/usr/bin/env bash
# Builds tools/image-policy-oracle (Flux's tag-policy semantics on Go's regexp, strconv, sort,
# Masterminds semver and fluxcd/pkg/version) into
#   ${WEFT_CACHE_DIR:-~/.cache/weft}/bin/image-policy-oracle-<version>/image-policy-oracle
# through tools/go-cache.sh, reusing it while go.mod, go.sum and main.go are unchanged.
# Usage: tools/image-policy-oracle/build.sh [--print-dir]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../go-cache.sh
source "$here/../go-cache.sh"
version="$(awk '/fluxcd\/pkg\/version/ {print $NF; exit}' "$here/go.mod")"

if [[ "${1:-}" == "--print-dir" ]]; then
  go_cache_dir image-policy-oracle "$version"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "image-policy-oracle/build.sh: Go is not installed; cannot build the oracle" >&2
  exit 3
fi
go_build_module image-policy-oracle "$version" "$here" "$here/main.go" image-policy-oracle=.
