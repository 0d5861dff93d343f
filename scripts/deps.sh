#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Installs what Ratsaal needs to build, run and test, and nothing that is already there.
# Idempotent: a second run only checks. Debian packages via apt-get, test tools via npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(
  build-essential pkg-config clang libclang-rt-14-dev
  libwebsockets-dev libjansson-dev libsqlite3-dev libssl-dev libsrtp2-dev
  libcmocka-dev sqlite3 chromium nodejs npm curl valgrind libcurl4-openssl-dev libargon2-dev
  openssl testssl.sh
  fonts-noto-color-emoji  # the reactions in browser tests (their screenshots compare pixels)
  # ratsaal-recorder (recording, livestream; docs/recording.md): GStreamer 1.22 and its plugins
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-x
  # the recording tests: a loopback RTMP server, and ffprobe/ffmpeg to check what came out;
  # nginx-light is also the cluster tests' load balancer (scripts/lb-test.sh)
  nginx-light libnginx-mod-rtmp ffmpeg
  # reach (issue 16): Firefox ESR, network namespaces with nftables/netem, a TURN server and a
  # non-browser WebRTC peer (aiortc, AES-CM SRTP); tests/netns/
  firefox-esr iproute2 nftables coturn python3-aiortc
  xvfb  # a display for the Firefox that shares its screen (headless Firefox has no screen)
  # the Debian package (make deb) and its checks (tests/ops/package.test.sh)
  dpkg-dev lintian systemd  # systemd: systemd-analyze rates the unit's sandbox
  # issue 18: the PostgreSQL store backend (libpq) and its tests (a server run by the test)
  libpq-dev postgresql
  # issue 18: the cluster's Redis client (hiredis) and its tests (a redis-server run by the test)
  libhiredis-dev redis-server
  # issue 18: the load balancer with active health checks in tests/ops/cluster_lb.test.sh
  # (scripts/lb-test.sh; the package's own service is not used)
  haproxy
)

missing=()
for p in "${DEBS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# nodejs/npm may come from outside Debian's packages on some images; a working node+npm is enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "deps: Debian packages present"
fi

# Test tools (playwright-core, puppeteer-core for Firefox, ws, oidc-provider, axe-core) and the live page's player (hls.js)
# from the committed lockfile; skipped when every dependency is already in place and the lockfile is not newer than the install.
if [[ -f package-lock.json ]]; then
  npm_missing=0
  for d in $(node -e 'const p = require("./package.json");
      console.log(Object.keys({...p.dependencies, ...p.devDependencies}).join(" "))'); do
    [[ -f node_modules/$d/package.json ]] || npm_missing=1
  done
  if [[ $npm_missing -eq 1 ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    echo "deps: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  else
    echo "deps: node_modules present"
  fi
fi
