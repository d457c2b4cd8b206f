#!/usr/bin/env bash
# Prepares a fresh clone: the pinned pnpm, the workspace's packages, and the
# reference binaries built from Go modules (cached outside the repo).
# Sourced by tools/test.sh and tools/demo.sh; sets $PNPM for them.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pnpm_version="$(node -p "require('$root/package.json').packageManager.split('@')[1]")"

if command -v pnpm >/dev/null && [[ "$(pnpm --version 2>/dev/null)" == "$pnpm_version" ]]; then
  PNPM=(pnpm)
elif npm install -g "pnpm@$pnpm_version" >/dev/null 2>&1; then
  PNPM=(pnpm)
else
  # No global install rights: run the pinned version through npx (corepack is not used: the registry here serves no signatures).
  PNPM=(npx --yes "pnpm@$pnpm_version")
fi

echo "[setup] pnpm $pnpm_version: installing workspace packages" >&2
(cd "$root" && "${PNPM[@]}" install --frozen-lockfile --reporter=silent)

# The distribution registry the image-automation tests start (a Debian package, not a Go build).
if ! bash "$root/tools/registry/install.sh" && [[ "${CI:-}" == "true" ]]; then
  echo "[setup] CI=true but docker-registry could not be installed" >&2
  exit 1
fi

if [[ "${WEFT_SKIP_CONTROL_PLANE_BUILD:-}" != "1" ]]; then
  if command -v go >/dev/null; then
    bash "$root/tools/control-plane/build.sh"
    bash "$root/tools/semver-oracle/build.sh"
    bash "$root/tools/image-policy-oracle/build.sh"
    # The Go peers of the benchmarks (bench/core-*, bench/merge); each bench also builds its own on demand.
    bash "$root/tools/controller-runtime-peer/build.sh"
    bash "$root/tools/merge-peer/build.sh"
    # @weft/progressive's oracle and the Gateway API CRDs its tests install (test/progressive, bench/progressive).
    bash "$root/tools/gateway-api/build.sh"
    bash "$root/tools/flagger/build.sh"
    # Flux's source- and kustomize-controller: test/flux-fidelity's reference, bench/gitops-scale's baseline.
    bash "$root/tools/flux/build.sh"
  elif [[ "${CI:-}" == "true" ]]; then
    echo "[setup] CI=true but Go is not installed: the real control plane cannot be built" >&2
    exit 1
  else
    echo "[setup] Go is not installed: the real-cluster tests will be skipped" >&2
  fi
fi

# Debian's prometheus: test/progressive and bench/progressive start one per run on loopback.
if [[ ! -x /usr/bin/prometheus ]]; then
  if command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
    echo "[setup] installing Debian's prometheus (for test/progressive)" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; } >/tmp/weft-apt-prometheus.log 2>&1 \
      || { echo "[setup] apt-get install prometheus failed (see /tmp/weft-apt-prometheus.log)" >&2; [[ "${CI:-}" != "true" ]] || exit 1; }
  elif [[ "${CI:-}" == "true" ]]; then
    echo "[setup] CI=true but prometheus is missing and cannot be installed here" >&2
    exit 1
  else
    echo "[setup] prometheus is not installed: the progressive real-cluster tests will be skipped" >&2
  fi
fi

# tmux, zsh and fish: test/cli runs `weft` under a real terminal (tmux) and its completion in each shell.
missing_shells=()
for tool in tmux zsh fish; do command -v "$tool" >/dev/null || missing_shells+=("$tool"); done
if [[ ${#missing_shells[@]} -gt 0 ]]; then
  if command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
    echo "[setup] installing Debian's ${missing_shells[*]} (for test/cli)" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_shells[@]}"; } >/tmp/weft-apt-shells.log 2>&1 \
      || { echo "[setup] apt-get install ${missing_shells[*]} failed (see /tmp/weft-apt-shells.log)" >&2; [[ "${CI:-}" != "true" ]] || exit 1; }
  elif [[ "${CI:-}" == "true" ]]; then
    echo "[setup] CI=true but ${missing_shells[*]} missing and cannot be installed here" >&2
    exit 1
  else
    echo "[setup] ${missing_shells[*]} not installed: test/cli's terminal and completion tests will fail" >&2
  fi
fi
# Debian's chromium: the web view's browser tests (test/web-view) and bench/web-view drive it with playwright-core.
if [[ ! -x /usr/bin/chromium ]]; then
  if command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
    echo "[setup] installing Debian's chromium (for test/web-view)" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >/tmp/weft-apt-chromium.log 2>&1 \
      || { echo "[setup] apt-get install chromium failed (see /tmp/weft-apt-chromium.log)" >&2; [[ "${CI:-}" != "true" ]] || exit 1; }
  elif [[ "${CI:-}" == "true" ]]; then
    echo "[setup] CI=true but chromium is missing and cannot be installed here" >&2
    exit 1
  else
    echo "[setup] chromium is not installed: the web view's browser tests will be skipped" >&2
  fi
fi

# The web view's page, bundled from packages/web-view/ui (the demo and the tests run from source):
# again whenever a file of ui/ is newer than the bundle.
web_view="$root/packages/web-view"
if [[ ! -f "$web_view/dist/ui/app.js" || -n "$(find "$web_view/ui" -newer "$web_view/dist/ui/app.js" -print -quit)" ]]; then
  (cd "$root/packages/web-view" && "$root/node_modules/.bin/tsx" build-ui.ts)
fi
