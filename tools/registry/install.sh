#!/usr/bin/env bash
# Installs Debian's docker-registry (the CNCF distribution registry, /usr/bin/docker-registry),
# which the image-automation tests and benchmark start on loopback per run. Its packaged
# service is not used. Does nothing when the binary is already there.
set -euo pipefail

if command -v docker-registry >/dev/null; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "[registry] apt-get is not available: install the distribution registry (docker-registry) by hand" >&2
  exit 3
fi
sudo=()
if [[ "$(id -u)" != "0" ]]; then sudo=(sudo); fi
echo "[registry] installing Debian's docker-registry" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get install -y -q docker-registry >/dev/null 2>&1 ||
  { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" apt-get install -y -q docker-registry >/dev/null; }
