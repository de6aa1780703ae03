#!/usr/bin/env bash
# Install the system tools that the tests and benchmarks drive, where they are missing, and
# start a Docker engine. Uses Debian's packages (apt) and needs root for that; without root it
# says what is missing and the tests that need it skip with that reason (CI=true makes them fail).
set -euo pipefail

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v hey >/dev/null || need+=(hey)
command -v wrk >/dev/null || need+=(wrk)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "system-deps: installing ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "system-deps: missing ${need[*]} (install them, or run as root with apt); tests that need them will skip" >&2
    exit 0
  fi
fi

if [ "$(id -u)" -eq 0 ] || docker info >/dev/null 2>&1; then
  "$(dirname "$0")/docker-engine.sh" start
fi
