#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# CPU and memory of ratsaal-recorder (issue 15): build/feeder feeds N synthetic participants of
# 640×360 VP8 + Opus for SECONDS into the recorder, composed to 720p30 H.264 2.5 Mbit/s + AAC
# and written to a fragmented MP4, HLS and RTMP (a loopback nginx-rtmp of our own) at once.
# The recorder's CPU is read from /proc/PID/stat over the run after a 3 s warm-up (100 % = one
# core), its peak RSS from VmHWM just before the stop. One JSON line per participant count:
#
#   bench/recorder.sh                 # 3 and 9 participants, 20 s each
#   bench/recorder.sh "1 4 9" 30      # counts, seconds
#
# The feeder's own encoders run on the same machine. PIN=1 pins the recorder to core
# RECORDER_CPU (0) and the feeder to FEEDER_CPU (1) with taskset; by default nothing is pinned
# (on 2 cores one core is not enough for 9 participants' decoding plus the 720p encode). The
# load average at the end is printed too: on a shared machine the numbers are only as good as it.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=${1:-"3 9"}
seconds=${2:-20}
pin=${PIN:-0}
rec_cpu=${RECORDER_CPU:-0}
feed_cpu=${FEEDER_CPU:-1}
pin_feeder=()
((pin)) && pin_feeder=(taskset -c "$feed_cpu")
make -s bin/ratsaal-recorder build/feeder >&2

# the run's files (nginx config, its recordings, the outputs): a fresh directory, removed on exit
dir=$(mktemp -d /tmp/ratsaal-bench-recorder.XXXXXX)
nginx_pid=""
cleanup() {
  [[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/rec"
cat > "$dir/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
worker_processes 1;
error_log $dir/error.log;
pid $dir/nginx.pid;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:$port; application live { live on; allow publish 127.0.0.1; deny publish all; } } }
CONF
/usr/sbin/nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" &
nginx_pid=$!
sleep 0.5

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

for n in $counts; do
  out="$dir/run-$n"
  mkdir -p "$out"
  "${pin_feeder[@]}" build/feeder --participants "$n" --seconds "$seconds" --size 640x360 \
    --outputs "file=$out/rec.mp4,hls=$out/hls,rtmp=rtmp://127.0.0.1:$port/live/bench" \
    > "$out/events.txt" 2> "$out/stderr.txt" &
  feeder=$!
  pid=""
  for _ in $(seq 50); do
    pid=$(sed -n 's/.*"feeder":"spawned","pid":\([0-9]*\).*/\1/p' "$out/events.txt" | head -1)
    [[ -n $pid ]] && break
    sleep 0.1
  done
  [[ -n $pid ]] || { echo "feeder did not spawn the recorder" >&2; exit 1; }
  pin_all() { # every thread of the recorder, also those its branches started meanwhile
    for t in /proc/"$pid"/task/*; do taskset -pc "$rec_cpu" "${t##*/}" > /dev/null 2>&1 || true; done
  }
  ((pin)) && pin_all
  sleep 3
  ((pin)) && pin_all
  t0=$(date +%s.%N); c0=$(cpu_ticks "$pid")
  sleep $((seconds - 5))
  t1=$(date +%s.%N); c1=$(cpu_ticks "$pid")
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
  wait "$feeder" || { echo "feeder failed ($n participants); see $out" >&2; cat "$out/stderr.txt" >&2; exit 1; }
  dropped=$(grep '"ev":"stats"' "$out/events.txt" | tail -1 | sed -n 's/.*"dropped":\([0-9]*\).*/\1/p')
  python3 - "$n" "$seconds" "$t0" "$t1" "$c0" "$c1" "$ticks" "$hwm" "${dropped:-0}" "$out/rec.mp4" <<'PY'
import json, subprocess, sys
n, secs, t0, t1, c0, c1, ticks, hwm, dropped, mp4 = sys.argv[1:]
cpu = (int(c1) - int(c0)) / int(ticks) / (float(t1) - float(t0)) * 100
dur = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", mp4],
                     capture_output=True, text=True).stdout.strip()
print(json.dumps({"bench": "recorder", "participants": int(n), "input": "640x360 VP8 + Opus",
                  "output": "1280x720p30 H.264 2500 kbit/s + AAC 128 kbit/s; file+hls+rtmp",
                  "seconds": int(secs), "cpu_percent": round(cpu, 1), "max_rss_mb": round(int(hwm) / 1024, 1),
                  "dropped": int(dropped), "file_duration_s": float(dur or 0),
                  "loadavg_1m": float(open("/proc/loadavg").read().split()[0])}))
PY
done
