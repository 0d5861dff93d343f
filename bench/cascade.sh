#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The cascade's cost (docs/cluster.md section 11), measured in one run on this machine: Redis,
# PostgreSQL and three `bin/ratsaal serve` nodes a, b, c (one media worker each, a shared
# cluster_secret). One load-generator publisher (podium mode on, VP8 + Opus) is on A for the
# whole run; then two phases with the same N receive-only load-generator clients:
#   cascade  the N join B's own port: B serves them from one relay of A's stage
#   direct   the N join A directly
# In each phase, over a window of W seconds once everyone receives, per node: CPU time of the
# process (utime + stime from /proc/<pid>/stat) and RTP packets sent (ratsaal_rtp_packets_out_total),
# plus A's packets to relays (ratsaal_cascade_packets_out_total) and B's packets received over its
# relay (ratsaal_cascade_packets_in_total). It prints µs of CPU per forwarded packet and the
# ratios between the phases (peers measured in the same run; absolute figures drift).
#
#   bench/cascade.sh [--subs N] [--window S] [--out FILE]     (defaults: 100, 15 s)
#
# Needs `make all bench/ratsaal-load`, bench/setup.sh's bench/data/pattern.ivf, redis-server and
# PostgreSQL. Everything it starts is stopped at exit (by PID). All three nodes, Redis, PostgreSQL
# and the generators share this machine's cores and loopback (BENCHMARKS.md says what follows).
set -euo pipefail
cd "$(dirname "$0")/.."

subs=100; window=15; out=""
while (($#)); do
  case "$1" in
    --subs) subs="$2"; shift ;;
    --window) window="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for f in bin/ratsaal bench/ratsaal-load bench/data/pattern.ivf; do
  [[ -e $f ]] || { echo "missing $f (make all bench/ratsaal-load; bench/setup.sh)" >&2; exit 1; }
done
command -v redis-server >/dev/null || { echo "redis-server missing" >&2; exit 1; }

dir=$(mktemp -d -p /tmp)
chmod 755 "$dir"
declare -A pid port udp
pub_pid=""; gen_pid=""
cleanup() {
  [[ -n $gen_pid ]] && kill "$gen_pid" 2>/dev/null
  [[ -n $pub_pid ]] && kill "$pub_pid" 2>/dev/null
  for k in a b c; do [[ -n ${pid[$k]:-} ]] && kill "${pid[$k]}" 2>/dev/null; done
  wait 2>/dev/null
  scripts/redis-test.sh stop "$dir/redis" >/dev/null 2>&1 || true
  scripts/pg-test.sh stop "$dir/pg" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

redis=$(scripts/redis-test.sh start "$dir/redis")
pg=$(scripts/pg-test.sh start "$dir/pg")
read -r -a ports < <(python3 -c '
import socket
socks = []
for _ in range(6):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))')
i=0
for k in a b c; do
  port[$k]=${ports[$i]}; udp[$k]=${ports[$((i + 3))]}; i=$((i + 1))
  mkdir -p "$dir/$k"
  cat >"$dir/$k.conf" <<EOF
listen = 127.0.0.1:${port[$k]}
data_dir = $dir/$k
udp_port = ${udp[$k]}
media_workers = 1
store = $pg
cluster_redis = $redis
cluster_node_id = $k
cluster_public_url = http://127.0.0.1:${port[$k]}
cluster_secret = bench-cascade-secret-0123456789abcdef
join_rate_per_min = 10000
max_participants = 1000
log_level = warn
EOF
  bin/ratsaal serve --config "$dir/$k.conf" >"$dir/$k.log" 2>&1 &
  pid[$k]=$!
done
for k in a b c; do
  for _ in $(seq 100); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port[$k]}/readyz" || true) == 200 ]] && break
    sleep 0.2
  done
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port[$k]}/readyz" || true) == 200 ]] ||
    { echo "node $k is not ready:" >&2; tail -5 "$dir/$k.log" >&2; exit 1; }
done

metric() { { curl -s -m 3 "http://127.0.0.1:${port[$1]}/metrics" || true; } | awk -v n="$2" '$1 == n { print $2; f = 1; exit } END { if (!f) print 0 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/${pid[$1]}/stat"; }
tck=$(getconf CLK_TCK)

room=cascade-bench-$$
bench/ratsaal-load --port "${port[a]}" --room "$room" --pubs 1 --subs 0 --podium --warmup 1 \
  --duration 100000 >"$dir/pub.json" 2>"$dir/pub.err" &
pub_pid=$!
# the publisher sends once A receives RTP from it
for _ in $(seq 100); do
  v=$(metric a ratsaal_rtp_packets_in_total); [[ ${v:-0} -gt 200 ]] && break; sleep 0.2
done

declare -A R
phase() { # name node
  local name=$1 k=$2 join_s=$(( subs / 20 + 6 ))
  bench/ratsaal-load --port "${port[$k]}" --room "$room" --receive-only --subs "$subs" \
    --join-rate 20 --decrypt-every 10 --warmup "$join_s" --duration $((window + 20)) \
    >"$dir/$name.json" 2>"$dir/$name.err" &
  gen_pid=$!
  sleep "$join_s"
  local a0 b0 ao0 bo0 ar0 bi0 a1 b1 ao1 bo1 ar1 bi1
  a0=$(cpu_ticks a); b0=$(cpu_ticks b)
  ao0=$(metric a ratsaal_rtp_packets_out_total); bo0=$(metric b ratsaal_rtp_packets_out_total)
  ar0=$(metric a ratsaal_cascade_packets_out_total); bi0=$(metric b ratsaal_cascade_packets_in_total)
  sleep "$window"
  a1=$(cpu_ticks a); b1=$(cpu_ticks b)
  ao1=$(metric a ratsaal_rtp_packets_out_total); bo1=$(metric b ratsaal_rtp_packets_out_total)
  ar1=$(metric a ratsaal_cascade_packets_out_total); bi1=$(metric b ratsaal_cascade_packets_in_total)
  R[$name.a_cpu]=$(( a1 - a0 )); R[$name.b_cpu]=$(( b1 - b0 ))
  R[$name.a_out]=$(( ao1 - ao0 )); R[$name.b_out]=$(( bo1 - bo0 ))
  R[$name.a_relay]=$(( ar1 - ar0 )); R[$name.b_relay_in]=$(( bi1 - bi0 ))
  R[$name.uplinks]=$(metric b ratsaal_cascade_uplinks); R[$name.relays]=$(metric a ratsaal_cascade_relay_subscribers)
  kill "$gen_pid" 2>/dev/null; wait "$gen_pid" 2>/dev/null || true; gen_pid=""
  sleep 3 # the receivers leave; B's relay closes
}
phase cascade b
phase direct a

python3 - "$subs" "$window" "$tck" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)" "$(nproc)" "${out:-}" <<EOF
import json, sys, datetime
subs, window, tck, cpu, ncpu, out = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4].strip(), int(sys.argv[5]), sys.argv[6]
R = {$(for k in "${!R[@]}"; do printf '"%s": %s, ' "$k" "${R[$k]:-0}"; done)}
def us(cpu_ticks, pkts): return cpu_ticks * 1e6 / tck / pkts if pkts else float('nan')
c, d = 'cascade', 'direct'
res = {
  'date': datetime.datetime.utcnow().isoformat(timespec='seconds') + 'Z', 'cpu': cpu, 'cores': ncpu,
  'subs': subs, 'window_s': window,
  'cascade': {
    'a_cpu_s': R[c+'.a_cpu'] / tck, 'a_rtp_out': R[c+'.a_out'], 'a_to_relays': R[c+'.a_relay'],
    'b_cpu_s': R[c+'.b_cpu'] / tck, 'b_rtp_out': R[c+'.b_out'], 'b_relay_in': R[c+'.b_relay_in'],
    'b_us_per_fwd_pkt': us(R[c+'.b_cpu'], R[c+'.b_out']),
    'uplinks_on_b': R[c+'.uplinks'], 'relays_on_a': R[c+'.relays']},
  'direct': {
    'a_cpu_s': R[d+'.a_cpu'] / tck, 'a_rtp_out': R[d+'.a_out'],
    'a_us_per_fwd_pkt': us(R[d+'.a_cpu'], R[d+'.a_out'])},
}
res['ratio_b_cascade_over_a_direct_us_per_pkt'] = res['cascade']['b_us_per_fwd_pkt'] / res['direct']['a_us_per_fwd_pkt']
res['ratio_a_cpu_cascade_over_direct'] = res['cascade']['a_cpu_s'] / res['direct']['a_cpu_s'] if res['direct']['a_cpu_s'] else float('nan')
print(json.dumps(res, indent=1))
if out:
    with open(out, 'a') as f: f.write(json.dumps(res) + '\n')
EOF
