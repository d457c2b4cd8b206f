#!/usr/bin/env bash
# Builds Flagger (github.com/fluxcd/flagger, the version pinned in go.mod) into
#   ${WEFT_CACHE_DIR:-~/.cache/weft}/bin/flagger-<version>/flagger
# beside its own CRD manifests (crd.yaml, from the same module), reusing both when the
# stamp (go.mod, go.sum, this script) is unchanged. Flagger is the fidelity oracle of
# @weft/progressive: test/progressive and bench/progressive run it out of cluster.
# Usage: tools/flagger/build.sh [--print-dir]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../go-cache.sh
source "$here/../go-cache.sh"
version="$(awk '$1 == "require" && $2 == "github.com/fluxcd/flagger" {print $3; exit}' "$here/go.mod")"

if [[ "${1:-}" == "--print-dir" ]]; then
  go_cache_dir flagger "$version"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "flagger/build.sh: Go is not installed; cannot build Flagger" >&2
  exit 3
fi

go_build_module flagger "$version" "$here" "$here/build.sh" flagger=github.com/fluxcd/flagger/cmd/flagger
out="$(go_cache_dir flagger "$version")"
if [[ ! -f "$out/crd.yaml" ]]; then
  module_dir="$(cd "$here" && go list -m -f '{{.Dir}}' github.com/fluxcd/flagger)"
  cp "$module_dir/artifacts/flagger/crd.yaml" "$out/crd.yaml.tmp" && mv "$out/crd.yaml.tmp" "$out/crd.yaml"
fi
