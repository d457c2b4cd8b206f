#!/usr/bin/env bash
# Builds tools/crane-select (go-containerregistry's crane.ListTags, as `crane ls`, plus Flux's
# semver selection): the baseline of bench/image-automation, through tools/go-cache.sh into
#   ${WEFT_CACHE_DIR:-~/.cache/weft}/bin/crane-select-<go-containerregistry version>/crane-select
# Usage: tools/crane-select/build.sh [--print-dir]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../go-cache.sh
source "$here/../go-cache.sh"
version="$(awk '/google\/go-containerregistry / {print $NF; exit}' "$here/go.mod")"

if [[ "${1:-}" == "--print-dir" ]]; then
  go_cache_dir crane-select "$version"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "crane-select/build.sh: Go is not installed; cannot build the benchmark baseline" >&2
  exit 3
fi
go_build_module crane-select "$version" "$here" "$here/main.go" crane-select=.
