#!/usr/bin/env bash
# Builds the reference binaries Weft tests against, from Go modules, into a
# cache outside the repository keyed by version:
#   ${WEFT_CACHE_DIR:-~/.cache/weft}/bin/<component>-<version>/
# A component whose directory already holds its binaries and a stamp matching
# its go.sum is reused untouched, so the second run costs nothing.
#
# Usage: tools/control-plane/build.sh [--print-dir COMPONENT]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${WEFT_CACHE_DIR:-$HOME/.cache/weft}/bin"
source "$here/versions.env"

dir_of() {
  case "$1" in
    kubernetes) echo "$cache/kubernetes-$KUBERNETES_VERSION" ;;
    etcd) echo "$cache/etcd-$ETCD_VERSION" ;;
    kwok) echo "$cache/kwok-$KWOK_VERSION" ;;
    kustomize) echo "$cache/kustomize-$KUSTOMIZE_VERSION" ;;
    *) echo "unknown component $1" >&2; return 1 ;;
  esac
}

if [[ "${1:-}" == "--print-dir" ]]; then
  dir_of "$2"
  exit 0
fi

if ! command -v go >/dev/null; then
  echo "build.sh: Go is not installed; cannot build the control-plane binaries" >&2
  exit 3
fi

# A stamp names exactly what was built: the pinned versions and the module's go.sum.
stamp_of() {
  local module_dir="$1"
  {
    cat "$here/versions.env"
    if [[ -n "$module_dir" ]]; then cat "$module_dir/go.mod" "$module_dir/go.sum"; fi
  } | sha256sum | cut -c1-16
}

# build COMPONENT MODULE_DIR(or "") BINARY... -- command
fresh() {
  local out="$1" stamp="$2"; shift 2
  [[ -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]] || return 1
  for bin in "$@"; do [[ -x "$out/$bin" ]] || return 1; done
}

log() { printf '[control-plane] %s\n' "$*" >&2; }

# Kubernetes binaries report their version from ldflags, as the release build sets them;
# without them /version says v0.0.0-master and kubectl warns about skew.
version_ldflags() {
  [[ "$1" == kubernetes ]] || return 0
  local minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
  local pkg=k8s.io/component-base/version
  echo "-X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
}

build_module() {
  local component="$1" module_dir="$2"; shift 2
  local out stamp start
  out="$(dir_of "$component")"
  stamp="$(stamp_of "$module_dir")"
  local names=()
  for pkg in "$@"; do names+=("$(basename "$pkg")"); done
  # The etcd server package is its module root, so its binary is named etcd.
  [[ "$component" == etcd ]] && names=(etcd)
  if fresh "$out" "$stamp" "${names[@]}"; then
    log "reusing $component in $out"
    return
  fi
  start=$(date +%s)
  log "building $component ($*) into $out"
  mkdir -p "$out.tmp"
  for pkg in "$@"; do
    local name; name="$(basename "$pkg")"
    [[ "$component" == etcd ]] && name=etcd
    (cd "$module_dir" && GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w $(version_ldflags "$component")" -o "$out.tmp/$name" "$pkg")
  done
  echo "$stamp" > "$out.tmp/.stamp"
  rm -rf "$out" && mv "$out.tmp" "$out"
  log "built $component in $(( $(date +%s) - start ))s"
}

install_tool() {
  local component="$1" pkg_at_version="$2" name="$3"
  local out stamp start
  out="$(dir_of "$component")"
  stamp="$(stamp_of "")"
  if fresh "$out" "$stamp" "$name"; then
    log "reusing $component in $out"
    return
  fi
  start=$(date +%s)
  log "installing $pkg_at_version into $out"
  mkdir -p "$out.tmp"
  GOBIN="$out.tmp" go install -trimpath -ldflags "-s -w" "$pkg_at_version"
  echo "$stamp" > "$out.tmp/.stamp"
  rm -rf "$out" && mv "$out.tmp" "$out"
  log "built $component in $(( $(date +%s) - start ))s"
}

what="${1:-all}"
if [[ "$what" == all || "$what" == etcd ]]; then
  build_module etcd "$here/etcd" go.etcd.io/etcd/server/v3
fi
if [[ "$what" == all || "$what" == kubernetes ]]; then
  build_module kubernetes "$here/kube" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl
fi
if [[ "$what" == all || "$what" == kwok ]]; then
  install_tool kwok "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" kwok
fi
if [[ "$what" == all || "$what" == kustomize ]]; then
  install_tool kustomize "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" kustomize
fi
