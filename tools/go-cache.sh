#!/usr/bin/env bash
# Builds Go programs from Go modules into a cache outside the repository, keyed by
# component and version:
#   ${WEFT_CACHE_DIR:-~/.cache/weft}/bin/<component>-<version>/
# Sourced by the build scripts under tools/ (the control plane, the peers, the oracles).
# A component whose directory holds its binaries and a stamp matching what it was built
# from is reused untouched, so a second run costs nothing. A lock per component keeps two
# processes (two test runs, two worktrees) from building the same one at once.
#
#   go_cache_dir COMPONENT VERSION
#   go_build_module COMPONENT VERSION MODULE_DIR STAMP_INPUT BINARY=PACKAGE...
#   go_install_tool COMPONENT VERSION PACKAGE@VERSION BINARY [STAMP_INPUT]
#   go_cache_build COMPONENT VERSION STAMP_INPUT BUILDER BINARY...
#
# go_cache_build is for a component that is more than one `go build` of one module (several
# modules, files copied beside the binaries): BUILDER is a command run with the directory to fill
# as its argument, under the lock, unless the cache is fresh; its STAMP_INPUT must name every file
# the build depends on (each module's go.mod and go.sum too).
#
# STAMP_INPUT is a space-separated list of files whose content names the build (a versions
# file, the program's own sources); the module's go.mod and go.sum are always part of the
# stamp. Extra `go build` flags come from
# GO_BUILD_LDFLAGS (added after -s -w) and the environment (GOTOOLCHAIN, GOFLAGS).

go_cache_root="${WEFT_CACHE_DIR:-$HOME/.cache/weft}/bin"

go_cache_log() { printf '[go-cache] %s\n' "$*" >&2; }

go_cache_dir() {
  echo "$go_cache_root/$1-$2"
}

# The stamp names exactly what was built: the stamp input, the module's go.mod and go.sum.
_go_cache_stamp() {
  local stamp_input="$1" module_dir="$2"
  {
    # shellcheck disable=SC2086
    cat $stamp_input
    if [[ -n "$module_dir" ]]; then cat "$module_dir/go.mod" "$module_dir/go.sum"; fi
    if [[ -n "${GOTOOLCHAIN:-}" ]]; then echo "$GOTOOLCHAIN"; fi
  } | sha256sum | cut -c1-16
}

_go_cache_fresh() {
  local out="$1" stamp="$2"; shift 2
  [[ -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]] || return 1
  local bin
  for bin in "$@"; do [[ -x "$out/$bin" ]] || return 1; done
}

# Runs "$@" (which fills "$out.tmp") under the component's lock, unless the cache is fresh.
_go_cache_fill() {
  local component="$1" out="$2" stamp="$3" names="$4"; shift 4
  mkdir -p "$go_cache_root"
  (
    flock 9
    # shellcheck disable=SC2086
    if _go_cache_fresh "$out" "$stamp" $names; then
      go_cache_log "reusing $component in $out"
      exit 0
    fi
    local start; start=$(date +%s)
    go_cache_log "building $component into $out"
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    "$@" || exit $?
    echo "$stamp" > "$out.tmp/.stamp"
    rm -rf "$out" && mv "$out.tmp" "$out"
    go_cache_log "built $component in $(( $(date +%s) - start ))s"
  ) 9>"$out.lock"
}

go_build_module() {
  local component="$1" version="$2" module_dir="$3" stamp_input="$4"; shift 4
  local out stamp names=""
  out="$(go_cache_dir "$component" "$version")"
  stamp="$(_go_cache_stamp "$stamp_input" "$module_dir")"
  local spec
  for spec in "$@"; do names+=" ${spec%%=*}"; done
  _build_each() {
    local spec
    for spec in "$@"; do
      (cd "$module_dir" && GOFLAGS="${GOFLAGS:--mod=mod}" go build -trimpath -ldflags "-s -w ${GO_BUILD_LDFLAGS:-}" -o "$out.tmp/${spec%%=*}" "${spec#*=}") || return $?
    done
  }
  _go_cache_fill "$component" "$out" "$stamp" "$names" _build_each "$@"
}

go_install_tool() {
  local component="$1" version="$2" pkg_at_version="$3" name="$4" stamp_input="${5:-}"
  local out stamp
  out="$(go_cache_dir "$component" "$version")"
  if [[ -n "$stamp_input" ]]; then stamp="$(_go_cache_stamp "$stamp_input" "")"
  else stamp="$( { echo "$pkg_at_version"; if [[ -n "${GOTOOLCHAIN:-}" ]]; then echo "$GOTOOLCHAIN"; fi; } | sha256sum | cut -c1-16)"; fi
  _install() { GOBIN="$out.tmp" go install -trimpath -ldflags "-s -w" "$pkg_at_version"; }
  _go_cache_fill "$component" "$out" "$stamp" "$name" _install
}

go_cache_build() {
  local component="$1" version="$2" stamp_input="$3" builder="$4"; shift 4
  local out stamp
  out="$(go_cache_dir "$component" "$version")"
  stamp="$(_go_cache_stamp "$stamp_input" "")"
  _go_cache_fill "$component" "$out" "$stamp" "$*" "$builder" "$out.tmp"
}
