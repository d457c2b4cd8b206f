#!/usr/bin/env bash
# Builds tools/semver-oracle (Masterminds semver behind a JSON-lines protocol) into
#   ${WEFT_CACHE_DIR:-~/.cache/weft}/bin/semver-oracle-<version>/semver-oracle
# reusing it when its stamp (go.mod, go.sum, main.go) is unchanged.
# Usage: tools/semver-oracle/build.sh [--print-dir]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(awk '/Masterminds\/semver\/v3/ {print $NF; exit}' "$here/go.mod")"
out="${WEFT_CACHE_DIR:-$HOME/.cache/weft}/bin/semver-oracle-$version"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$out"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "semver-oracle/build.sh: Go is not installed; cannot build the semver oracle" >&2
  exit 3
fi

stamp="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)"
if [[ -x "$out/semver-oracle" && -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]]; then
  echo "[semver-oracle] reusing $out" >&2
  exit 0
fi
echo "[semver-oracle] building Masterminds semver $version oracle into $out" >&2
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
(cd "$here" && GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$out.tmp/semver-oracle" .)
echo "$stamp" > "$out.tmp/.stamp"
rm -rf "$out" && mv "$out.tmp" "$out"
