#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# HLS serving benchmark: simulated livestream viewers (bench/live/viewers.js) fetch the playlist
# and segments of /live/<meeting> from Ratsaal, and, in the same run and alternately, the same
# files from nginx (the peer: a static file server with sendfile, as a reverse proxy or CDN
# origin would be). Each server is pinned to core 0, the viewers to core 1. Reported per run:
# segments and playlists served per second, Mbit/s, latency percentiles, and the server's CPU
# seconds per 1,000 requests; then the ratio nginx/Ratsaal. A second part runs a 10-person
# meeting (bench/ratsaal-load --meeting) against Ratsaal alone and then with the viewers at
# once, and reports the meeting's packet loss and forwarding latency both ways: do the viewers
# disturb the meeting?
#
#   bench/live/run.sh [--viewers "100 1000"] [--reps 2] [--seconds 20] [--out DIR]
#
# The HLS content is made once with ffmpeg: 1280x720 30 fps H.264 at 2.5 Mbit/s + AAC, 2 s
# segments (what ratsaal-recorder writes), 12 segments in the playlist's window.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

viewer_counts="100 1000"; reps=2; seconds=20; out=""
while (($#)); do
  case "$1" in
    --viewers) viewer_counts="$2"; shift ;;
    --reps) reps="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
out=${out:-$ROOT/build/bench/live-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
PORT=${RATSAAL_PORT:-18080}
UDP=${RATSAAL_UDP_PORT:-41000}
NGINX_PORT=${NGINX_PORT:-18090}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
MEETING=bench
RESULTS="$out/results.jsonl"

make -s bin/ratsaal bench/ratsaal-load >"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
command -v ffmpeg >/dev/null && command -v nginx >/dev/null || { echo "needs ffmpeg and nginx-light (scripts/deps.sh)" >&2; exit 1; }

src="$ROOT/build/bench/live-src"
if [[ ! -f "$src/index.m3u8" ]]; then
  mkdir -p "$src"
  ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440 \
    -t 24 -c:v libx264 -preset veryfast -b:v 2500k -g 60 -keyint_min 60 -sc_threshold 0 \
    -pix_fmt yuv420p -c:a aac -b:a 128k -f hls -hls_time 2 -hls_list_size 12 \
    -hls_segment_filename "$src/seg%05d.ts" "$src/index.m3u8"
fi

wait_port() { # port pid
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
stop_pid() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cpu_s() { # pid → utime+stime in seconds
  awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}

start_ratsaal() { # dir → pid on stdout
  local dir=$1
  mkdir -p "$dir/var" "$dir/live"
  cp -r "$src" "$dir/live/$MEETING"
  cat >"$dir/ratsaal.conf" <<CONF
listen = 127.0.0.1:$PORT
data_dir = $dir/var
web_root = $ROOT/web
udp_port = $UDP
live_dir = $dir/live
log_level = warn
media_workers = 1
join_rate_per_min = 10000
# the simulated viewers all come from 127.0.0.1 (behind a CDN they would be one address too)
max_connections = 5000
max_connections_per_ip = 5000
CONF
  taskset -c "$SERVER_CPU" bin/ratsaal serve --config "$dir/ratsaal.conf" >"$dir/server.log" 2>&1 &
  local pid=$!
  wait_port "$PORT" "$pid" || { tail "$dir/server.log" >&2; return 1; }
  # the meeting must exist for /live/<id>: one participant joins the ad-hoc room once
  taskset -c "$LOAD_CPU" bench/ratsaal-load --server ratsaal --port "$PORT" --room "$MEETING" \
    --pubs 1 --subs 0 --warmup 0 --duration 1 >/dev/null 2>"$dir/create.log" || true
  echo "$pid"
}

start_nginx() { # dir → pid on stdout
  local dir=$1
  mkdir -p "$dir/www/live" "$dir/tmp"
  cp -r "$src" "$dir/www/live/$MEETING"
  cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $dir/www;
    location ~ \.m3u8\$ { add_header Cache-Control "public, max-age=1"; }
    location ~ \.ts\$ { add_header Cache-Control "public, max-age=86400, immutable"; }
  }
}
CONF
  taskset -c "$SERVER_CPU" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/nginx.log" 2>&1 &
  local pid=$!
  wait_port "$NGINX_PORT" "$pid" || { cat "$dir/error.log" >&2; return 1; }
  echo "$pid"
}

viewers_run() { # label port pid viewers → one JSON line with server CPU added
  local label=$1 port=$2 pid=$3 n=$4 c0 c1 line
  c0=$(cpu_s "$pid")
  line=$(taskset -c "$LOAD_CPU" node bench/live/viewers.js --url "http://127.0.0.1:$port/live/$MEETING" \
    --viewers "$n" --seconds "$seconds" --label "$label")
  c1=$(cpu_s "$pid")
  # CPU over warm-up + window (the viewers' warm-up is two segment durations)
  python3 -c 'import json,sys
d=json.loads(sys.argv[1]); cpu=float(sys.argv[3])-float(sys.argv[2]); span=d["window_s"]+4
req=(d["playlists_per_s"]+d["segments_per_s"])*span
d["server_cpu_pct"]=round(100*cpu/span,1); d["cpu_ms_per_1000_req"]=round(1e6*cpu/req,1) if req else None
print(json.dumps(d))' "$line" "$c0" "$c1"
}

{
  echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores; $(lscpu | sed -n 's/^Model name: *//p')"
  echo "# $(bin/ratsaal --version 2>&1 | head -1); $(nginx -v 2>&1)"
} | tee "$out/machine.txt"

for n in $viewer_counts; do
  for rep in $(seq "$reps"); do
    d="$out/ratsaal-$n-$rep"; mkdir -p "$d"
    pid=$(start_ratsaal "$d")
    viewers_run "ratsaal" "$PORT" "$pid" "$n" | tee -a "$RESULTS"
    stop_pid "$pid"
    d="$out/nginx-$n-$rep"; mkdir -p "$d"
    pid=$(start_nginx "$d")
    viewers_run "nginx" "$NGINX_PORT" "$pid" "$n" | tee -a "$RESULTS"
    stop_pid "$pid"
  done
done

# Does a crowd of viewers disturb a meeting on the same server? meeting10 alone, then with the
# largest viewer count at once.
n=${viewer_counts##* }
for with in 0 "$n"; do
  d="$out/meeting-$with"; mkdir -p "$d"
  pid=$(start_ratsaal "$d")
  vpid=""
  if [[ "$with" != 0 ]]; then
    taskset -c "$LOAD_CPU" node bench/live/viewers.js --url "http://127.0.0.1:$PORT/live/$MEETING" \
      --viewers "$with" --seconds $((seconds + 6)) --label "with-meeting" >"$d/viewers.json" &
    vpid=$!
    sleep 4
  fi
  taskset -c "$LOAD_CPU" bench/ratsaal-load --server ratsaal --port "$PORT" --room m1 --server-pid "$pid" \
    --pubs 10 --subs 0 --meeting --join-rate 10 --warmup 3 --duration "$seconds" \
    --label "meeting10+${with}viewers" 2>"$d/load.log" | tee -a "$RESULTS"
  [[ -n "$vpid" ]] && { wait "$vpid" || true; cat "$d/viewers.json" | tee -a "$RESULTS"; }
  stop_pid "$pid"
done

python3 - "$RESULTS" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("\nviewers  server   seg/s (want)   Mbit/s  seg p50/p99 ms   CPU %   CPU ms/1000 req  errors")
by = {}
for r in rows:
    if r.get("label") in ("ratsaal", "nginx"):
        print(f'{r["viewers"]:7}  {r["label"]:7} {r["segments_per_s"]:6} ({r["expected_segments_per_s"]:5})  {r["mbit_per_s"]:7}  '
              f'{r["segment_ms_p50"]}/{r["segment_ms_p99"]:<8}  {r["server_cpu_pct"]:6}  {r["cpu_ms_per_1000_req"]:10}  {r["errors"]}')
        by.setdefault(r["viewers"], {}).setdefault(r["label"], []).append(r)
for v, d in by.items():
    if "ratsaal" in d and "nginx" in d:
        rs = statistics.mean(x["cpu_ms_per_1000_req"] for x in d["ratsaal"])
        ng = statistics.mean(x["cpu_ms_per_1000_req"] for x in d["nginx"])
        print(f"ratio_cpu_per_request_ratsaal_over_nginx_{v}={rs / ng:.2f}")
for r in rows:
    if str(r.get("label", "")).startswith("meeting10"):
        print(f'{r["label"]}: loss {r["loss_pct"]} %, forwarding p50/p99 {r["lat_p50_us"]}/{r["lat_p99_us"]} us, server CPU {r.get("server_cpu_pct", "?")} %')
PY
