#!/usr/bin/env bash
# Installs the Debian packages sluice needs that are missing (run as root).
# Nothing is installed when everything is there already.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config
  libzmq3-dev libczmq-dev libprotobuf-c-dev protobuf-c-compiler
  liblmdb-dev lmdb-utils libcmocka-dev libexpat1-dev libyajl-dev
  libyaml-dev libsodium-dev libcurl4-openssl-dev
  docker-compose valgrind
  # headless browser: e2e.report opens `sluice report`'s HTML file
  chromium
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
