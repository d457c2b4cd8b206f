#!/usr/bin/env bash
# Builds tools/semver-oracle (Masterminds semver behind a JSON-lines protocol) into
#   ${WEFT_CACHE_DIR:-~/.cache/weft}/bin/semver-oracle-<version>/semver-oracle
# reusing it while go.mod, go.sum and main.go are unchanged (tools/go-cache.sh).
# Usage: tools/semver-oracle/build.sh [--print-dir]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../go-cache.sh"
version="$(awk '/Masterminds\/semver\/v3/ {print $NF; exit}' "$here/go.mod")"

if [[ "${1:-}" == "--print-dir" ]]; then
  go_cache_dir semver-oracle "$version"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "semver-oracle/build.sh: Go is not installed; cannot build the semver oracle" >&2
  exit 3
fi
go_build_module semver-oracle "$version" "$here" "$here/main.go" semver-oracle=.
