#!/usr/bin/env bash
# Installs what only the benchmark needs (not `make test`): the reference server Janus, ffmpeg to
# make the looped VP8 file once, gnuplot for the plots, perf for the profile. Idempotent.
# Then builds the LD_PRELOAD shim Janus needs on a loopback-only host and the test pattern.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(janus ffmpeg gnuplot-nox linux-perf valgrind iproute2)
missing=()
for p in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bench/setup: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  # policy-rc.d keeps the package's own janus service from being started by the install.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# 640x480@30 test pattern, VP8 ~1.5 Mbit/s, keyframe every 90 frames (3 s), 20 s loop. The
# pattern alone compresses to ~0.5 Mbit/s, so light temporal noise and CBR bring it to 1.5.
if [[ ! -s bench/data/pattern.ivf ]]; then
  mkdir -p bench/data
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc=size=640x480:rate=30 -t 20 \
    -vf noise=alls=12:allf=t -c:v libvpx -b:v 1.5M -minrate 1.5M -maxrate 1.5M -g 90 -keyint_min 90 -deadline realtime -cpu-used 8 -f ivf bench/data/pattern.ivf
fi

# Janus skips loopback interfaces; this shim makes it see 127.0.0.1 as an ordinary interface.
if [[ ! -s build/bench/noloopback.so || bench/janus/noloopback.c -nt build/bench/noloopback.so ]]; then
  mkdir -p build/bench
  cc -O2 -shared -fPIC -o build/bench/noloopback.so bench/janus/noloopback.c -ldl
fi
echo "bench/setup: ok"
