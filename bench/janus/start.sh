#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Starts Janus with a config folder of our own: bench/janus/start.sh PORT CPU OUTDIR
# Prints the PID of the janus process (stop it with `kill PID`; never by name).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="$1"; cpu="$2"; dir="$3"
mkdir -p "$dir"
for f in janus.jcfg janus.transport.websockets.jcfg janus.plugin.videoroom.jcfg; do
  sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" -e "s#@DEBUG@#${JANUS_DEBUG:-2}#g" "$here/$f.in" > "$dir/$f"
done
LD_PRELOAD="$root/build/bench/noloopback.so" taskset -c "$cpu" \
  janus -C "$dir/janus.jcfg" -F "$dir" -L "$dir/janus.log" -N >"$dir/janus.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then echo "$pid"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || { tail -20 "$dir/janus.out" >&2; exit 1; }
  sleep 0.1
done
kill "$pid"; echo "janus did not listen on $port" >&2; exit 1
