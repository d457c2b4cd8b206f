#!/usr/bin/env bash
# The README's first command. Until the GitOps demo on the in-memory cluster
# exists (issue #9), it runs the control-plane tour: the smallest honest example.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/tools/setup.sh"
cd "$root/examples/control-plane-tour"
exec "${PNPM[@]}" exec tsx src/main.ts "$@"
