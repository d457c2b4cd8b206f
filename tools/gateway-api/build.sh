#!/usr/bin/env bash
# Fetches the Gateway API module (the version pinned in go.mod) and copies its standard
# CRD manifests into
#   ${WEFT_CACHE_DIR:-~/.cache/weft}/bin/gateway-api-<version>/*.yaml
# as the control plane itself comes from Go modules. Nothing is compiled; the cache's
# lock and stamp (go.mod, go.sum, this script) still apply, so a second run costs nothing.
# Usage: tools/gateway-api/build.sh [--print-dir]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../go-cache.sh
source "$here/../go-cache.sh"
version="$(awk '$1 == "require" && $2 == "sigs.k8s.io/gateway-api" {print $3; exit}' "$here/go.mod")"
out="$(go_cache_dir gateway-api "$version")"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$out"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "gateway-api/build.sh: Go is not installed; cannot fetch the Gateway API CRDs" >&2
  exit 3
fi

copy_standard_crds() {
  local module_dir
  module_dir="$(cd "$here" && GOFLAGS=-mod=mod go mod download -json sigs.k8s.io/gateway-api | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$module_dir/config/crd/standard" ]] || { echo "gateway-api/build.sh: no config/crd/standard in $module_dir" >&2; return 1; }
  # Only the CustomResourceDefinitions: the release's ValidatingAdmissionPolicy is left out.
  cp "$module_dir"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$out.tmp/"
  rm -f "$out.tmp"/gateway.networking.k8s.io_vap_*.yaml
}

stamp="$(cat "$here/go.mod" "$here/go.sum" "$here/build.sh" | sha256sum | cut -c1-16)"
_go_cache_fill gateway-api "$out" "$stamp" "" copy_standard_crds
