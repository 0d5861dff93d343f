#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
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

# Three simulcast layers of one 1280x720@30 test pattern, as a browser's simulcast encoder makes
# them: 320x180 ~150 kbit/s, 640x360 ~500 kbit/s, 1280x720 ~1.3 Mbit/s, VP8 CBR, keyframe every
# 90 frames (3 s) in every layer at the same frames, 20 s loop. Noise is added after scaling so
# every layer has the same texture. Keyframes are capped at 4.5 average frames
# (-max-intra-rate 450, libwebrtc's cap at 30 fps), so a keyframe asked for by a switch is the size
# a browser would send, not 50 times a frame.
if [[ ! -s bench/data/sim_720p.ivf || ! -s bench/data/sim_360p.ivf || ! -s bench/data/sim_180p.ivf ]]; then
  mkdir -p bench/data
  vp8() { # kbit/s
    echo -c:v libvpx -b:v "$1"k -minrate "$1"k -maxrate "$1"k -bufsize "$1"k -g 90 -keyint_min 90 \
      -max-intra-rate 450 -qmin 2 -qmax 56 -deadline realtime -cpu-used 8 -f ivf
  }
  # shellcheck disable=SC2046
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc=size=1280x720:rate=30:duration=20 \
    -filter_complex "[0:v]split=3[a][b][c];[a]scale=320:180,noise=alls=12:allf=t[l];[b]scale=640:360,noise=alls=12:allf=t[m];[c]noise=alls=12:allf=t[h]" \
    -map "[l]" $(vp8 150) bench/data/sim_180p.ivf.tmp \
    -map "[m]" $(vp8 500) bench/data/sim_360p.ivf.tmp \
    -map "[h]" $(vp8 1300) bench/data/sim_720p.ivf.tmp
  for f in sim_180p sim_360p sim_720p; do mv "bench/data/$f.ivf.tmp" "bench/data/$f.ivf"; done
fi

# Janus skips loopback interfaces; this shim makes it see 127.0.0.1 as an ordinary interface.
if [[ ! -s build/bench/noloopback.so || bench/janus/noloopback.c -nt build/bench/noloopback.so ]]; then
  mkdir -p build/bench
  cc -O2 -shared -fPIC -o build/bench/noloopback.so bench/janus/noloopback.c -ldl
fi
echo "bench/setup: ok"
