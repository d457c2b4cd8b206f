#!/usr/bin/env bash
# Builds the reference binaries Weft tests against, from Go modules, into a
# cache outside the repository keyed by version (tools/go-cache.sh):
#   ${WEFT_CACHE_DIR:-~/.cache/weft}/bin/<component>-<version>/
# A component whose directory already holds its binaries and a stamp matching
# versions.env and its go.sum is reused untouched, so the second run costs nothing.
#
# Usage: tools/control-plane/build.sh [all|etcd|kubernetes|kwok|kustomize] | --print-dir COMPONENT
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.env"
source "$here/../go-cache.sh"

dir_of() {
  case "$1" in
    kubernetes) go_cache_dir kubernetes "$KUBERNETES_VERSION" ;;
    etcd) go_cache_dir etcd "$ETCD_VERSION" ;;
    kwok) go_cache_dir kwok "$KWOK_VERSION" ;;
    kustomize) go_cache_dir kustomize "$KUSTOMIZE_VERSION" ;;
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

# Kubernetes binaries report their version from ldflags, as the release build sets them;
# without them /version says v0.0.0-master and kubectl warns about skew.
kubernetes_ldflags() {
  local minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
  local pkg=k8s.io/component-base/version
  echo "-X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
}

what="${1:-all}"
if [[ "$what" == all || "$what" == etcd ]]; then
  # The etcd server package is its module root; its binary is named etcd.
  go_build_module etcd "$ETCD_VERSION" "$here/etcd" "$here/versions.env" etcd=go.etcd.io/etcd/server/v3
fi
if [[ "$what" == all || "$what" == kubernetes ]]; then
  GO_BUILD_LDFLAGS="$(kubernetes_ldflags)" go_build_module kubernetes "$KUBERNETES_VERSION" "$here/kube" "$here/versions.env" \
    kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
    kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager \
    kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler \
    kubectl=k8s.io/kubernetes/cmd/kubectl
fi
if [[ "$what" == all || "$what" == kwok ]]; then
  go_install_tool kwok "$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" kwok "$here/versions.env"
fi
if [[ "$what" == all || "$what" == kustomize ]]; then
  go_install_tool kustomize "$KUSTOMIZE_VERSION" "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" kustomize "$here/versions.env"
fi
