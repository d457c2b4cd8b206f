#!/usr/bin/env bash
# Builds Flux's source-controller and kustomize-controller (the same Flux release, v1.9.6) from
# their Go modules, with their CRDs, into
#   ${WEFT_CACHE_DIR:-~/.cache/weft}/bin/flux-<version>/
#     source-controller, kustomize-controller   the controllers' main packages
#     crds/*.yaml                               the modules' config/crd/bases, from the module cache
# through tools/go-cache.sh (reused while this script and the two modules' go.mod and go.sum are
# unchanged). Each controller has a wrapper module of its own, so each is built with exactly the
# dependency versions of its own go.mod (one module for both would raise shared dependencies to the
# higher of the two); see README.md for the one version that is not Flux's.
# Usage: tools/flux/build.sh [--print-dir]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../go-cache.sh"
controllers=(source-controller kustomize-controller)

version_of() { awk -v module="github.com/fluxcd/$1" '$1 == module {print $2; exit}' "$here/$1/go.mod"; }
version="$(version_of kustomize-controller)"
if [[ "$(version_of source-controller)" != "$version" ]]; then
  echo "tools/flux: source-controller $(version_of source-controller) and kustomize-controller $version differ; build one Flux release" >&2
  exit 1
fi

if [[ "${1:-}" == "--print-dir" ]]; then
  go_cache_dir flux "$version"
  exit 0
fi

# As Flux's release images build them (Dockerfile: CGO_ENABLED=0, -trimpath); go-cache adds -s -w.
build_flux() {
  local out="$1" controller module_dir
  for controller in "${controllers[@]}"; do
    module_dir="$here/$controller"
    (cd "$module_dir" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$out/$controller" "github.com/fluxcd/$controller") || return $?
    mkdir -p "$out/crds"
    cp "$(cd "$module_dir" && GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' "github.com/fluxcd/$controller")"/config/crd/bases/*.yaml "$out/crds/"
  done
  chmod u+w "$out/crds"/*.yaml
}

stamp_input="$here/build.sh"
for controller in "${controllers[@]}"; do stamp_input+=" $here/$controller/go.mod $here/$controller/go.sum"; done
go_cache_build flux "$version" "$stamp_input" build_flux "${controllers[@]}"
