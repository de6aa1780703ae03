#!/usr/bin/env bash
# Make a Docker engine answer on this machine, and make the image's base available.
#
#   scripts/docker-engine.sh start        start dockerd in the background unless one answers
#   scripts/docker-engine.sh base IMAGE   print the name of a base image to build on: IMAGE when
#                                         it is here or can be pulled; otherwise a stand-in built
#                                         from Debian bookworm + python3 with debootstrap, under
#                                         its own name ($STANDIN), so it never poses as IMAGE
#
# The stand-in exists for machines that reach Debian's mirrors but no container registry
# (this project's CI). It carries the host's CA bundle so that pip inside a build can verify
# TLS through whatever the host trusts.
set -euo pipefail

STANDIN=${STANDIN:-http-scale-out/base-standin:bookworm-python3}

log() { printf 'docker-engine: %s\n' "$*" >&2; }

start() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  command -v dockerd >/dev/null || { log "no dockerd: install Debian's docker.io (apt-get install -y docker.io)"; exit 1; }
  log "starting dockerd (log: /var/log/dockerd.log)"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  log "dockerd did not answer within 30 s; last lines of its log:"
  tail -n 20 /var/log/dockerd.log >&2
  exit 1
}

base() {
  local image=$1
  if docker image inspect "$image" >/dev/null 2>&1; then
    echo "$image"; return 0
  fi
  if timeout 60 docker pull "$image" >/dev/null 2>&1; then
    log "pulled $image"
    echo "$image"; return 0
  fi
  if docker image inspect "$STANDIN" >/dev/null 2>&1; then
    log "cannot pull $image; using the stand-in $STANDIN built earlier"
    echo "$STANDIN"; return 0
  fi
  log "cannot pull $image; building a stand-in from Debian bookworm with debootstrap"
  command -v debootstrap >/dev/null || { log "no debootstrap: apt-get install -y debootstrap"; exit 1; }
  # global: the EXIT trap runs after this function returns
  root=$(mktemp -d /var/tmp/standin.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
    bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/var/log/debootstrap.log 2>&1 \
    || { log "debootstrap failed; see /var/log/debootstrap.log"; tail -n 20 /var/log/debootstrap.log >&2; exit 1; }
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    - "$STANDIN" >/dev/null
  log "built the stand-in $STANDIN ($(docker image inspect -f '{{.Size}}' "$STANDIN") bytes)"
  echo "$STANDIN"
}

case "${1:-}" in
  start) start ;;
  base) [ $# -eq 2 ] || { log "usage: $0 base IMAGE"; exit 2; }; start; base "$2" ;;
  *) log "usage: $0 start | base IMAGE"; exit 2 ;;
esac
