#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Side-by-side benchmark: the same scenarios against Ratsaal and Janus, alternately in one run
# (for each repetition: ratsaal, janus, ratsaal, janus, ...). Each server runs pinned to core 0
# (taskset), the load generator to core 1; every server is started for its run and stopped by
# its PID afterwards. One JSON line per run goes to $OUT/results.jsonl; a table and the ratios
# follow. The last line is ratio_cpu_per_packet_janus_over_ratsaal=X.XX (geometric mean over
# the runs of the first scenario, paired by repetition).
#
#   bench/compare.sh --quick                 # < 3 min: fan-out 1→50, three repetitions
#   bench/compare.sh [--reps N] [--scenarios "fanout10 fanout50 ..."] [--out DIR]
#
# Scenarios: fanout10 fanout50 fanout200 fanout500 fanout1000 meeting10 meeting25 meeting32
#            (31 × 2 = 62 remote tracks each, near the 64 m-line limit) audio10x100 loss2
#            joinstorm100 simulcast10 simulcast50 podium1000 podium1000m podiumstorm1000.  RATSAAL_BIN overrides bin/ratsaal; PROFILE=cm
#            uses AES-CM-HMAC. RATSAAL_PORT (18080), RATSAAL_UDP_PORT (41000) and JANUS_PORT (18188)
#            move the servers' ports, e.g. when another benchmark runs on this machine: a run
#            refuses to start on a port already in use (it would measure someone else's server).
#            LOAD_ARGS adds generator options to every run, e.g. LOAD_ARGS=--no-pace (publishers
#            send each video frame in one burst instead of paced like a browser).
#            RATSAAL_WORKERS (1) sets media_workers; with more than one, give the server more
#            cores (SERVER_CPU=0,1) and, on a 2-core machine where the generator shares core 1,
#            SERVER_PRIO="chrt -f 10" so that a worker there is not queued behind the
#            generator (see BENCHMARKS.md, "More than one core").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

quick=0; reps=2; out=""; only=""; scenarios="fanout10 fanout50 fanout200 fanout500 meeting10 meeting25 audio10x100 loss2 joinstorm100 simulcast50"
while (($#)); do
  case "$1" in
    --quick) quick=1; scenarios="fanout50"; reps=3 ;;
    --reps) reps="$2"; shift ;;
    --scenarios) scenarios="$2"; shift ;;
    --out) out="$2"; shift ;;
    --only) only="$2"; shift ;; # ratsaal or janus: run one server (no ratio)
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
out=${out:-$ROOT/build/bench/run-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
PROFILE=${PROFILE:-gcm}
RATSAAL_BIN=${RATSAAL_BIN:-$ROOT/bin/ratsaal}
RATSAAL_PORT=${RATSAAL_PORT:-18080}
RATSAAL_UDP_PORT=${RATSAAL_UDP_PORT:-41000}
JANUS_PORT=${JANUS_PORT:-18188}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

bench/setup.sh >"$out/setup.log" 2>&1 || { cat "$out/setup.log"; exit 1; }
make -s bench/ratsaal-load >"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
[[ -x "$RATSAAL_BIN" ]] || make -s bin/ratsaal >>"$out/build.log" 2>&1

# --podium for Ratsaal only (Janus has no podium mode: it runs the same media topology)
podium_arg() { [[ "$1" == ratsaal ]] && echo --podium; }

# Scenario → generator arguments (scenario, server). Quick runs shorten warm-up and window.
args_for() {
  local w=3 d=10
  ((quick)) && { w=2; d=8; }
  case "$1" in
    fanout10)     echo "--pubs 1 --subs 10 --join-rate 20 --warmup $w --duration $d" ;;
    fanout50)     echo "--pubs 1 --subs 50 --join-rate 50 --warmup $w --duration $d" ;;
    fanout200)    echo "--pubs 1 --subs 200 --join-rate 50 --warmup $w --duration $d" ;;
    fanout500)    echo "--pubs 1 --subs 500 --join-rate 50 --warmup $w --duration $d --decrypt-every 4" ;;
    fanout1000)   echo "--pubs 1 --subs 1000 --join-rate 100 --warmup $w --duration $d --decrypt-every 8" ;;
    meeting10)    echo "--pubs 10 --subs 0 --meeting --join-rate 10 --warmup $w --duration $d" ;;
    meeting25)    echo "--pubs 25 --subs 0 --meeting --join-rate 10 --warmup $w --duration $d" ;;
    meeting32)    echo "--pubs 32 --subs 0 --meeting --join-rate 10 --warmup $w --duration $d" ;;
    audio10x100)  echo "--pubs 10 --subs 100 --audio-only --join-rate 50 --warmup $w --duration $d" ;;
    loss2)        echo "--pubs 1 --subs 10 --loss 0.02 --nack --join-rate 20 --warmup $w --duration $d" ;;
    joinstorm100) echo "--pubs 1 --subs 100 --join-rate 1000 --warmup 1 --duration 5" ;;
    # one publisher with three simulcast layers; every subscriber asks for another layer every 2 s
    simulcast10)  echo "--pubs 1 --subs 10 --simulcast --switch-every-ms 2000 --join-rate 20 --warmup $w --duration $d" ;;
    simulcast50)  echo "--pubs 1 --subs 50 --simulcast --switch-every-ms 2000 --join-rate 50 --warmup $w --duration $d" ;;
    # issue 14: a stage of 3 (audio + simulcast video, seeing each other) and 1,000 receive-only
    # audience members showing the three videos as small (layer 0) or medium (layer 1) tiles;
    # Ratsaal runs it in podium mode (--podium: the audience has no publish connection), Janus
    # as the same media topology. podiumstorm1000: the audience arrives at 1,000 joins/s.
    podium1000)   echo "--pubs 3 --subs 1000 --meeting --simulcast --audience-layer 0 --join-rate 100 --warmup $w --duration $d --decrypt-every 8 $(podium_arg "$2")" ;;
    podium1000m)  echo "--pubs 3 --subs 1000 --meeting --simulcast --audience-layer 1 --join-rate 100 --warmup $w --duration $d --decrypt-every 8 $(podium_arg "$2")" ;;
    podiumstorm1000) echo "--pubs 3 --subs 1000 --meeting --simulcast --audience-layer 0 --join-rate 1000 --warmup 2 --duration 5 --decrypt-every 8 $(podium_arg "$2")" ;;
    *) echo "unknown scenario $1" >&2; return 1 ;;
  esac
}

port_in_use() { # port
  (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null
}

wait_port() { # port pid
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

stop_pid() { # pid: TERM, then KILL after 5 s; only this PID
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

run_ratsaal() { # scenario rep
  local dir="$out/ratsaal-$1-$2" port=$RATSAAL_PORT udp=$RATSAAL_UDP_PORT
  port_in_use "$port" && { echo "port $port is in use (another server?): set RATSAAL_PORT" >&2; return 1; }
  mkdir -p "$dir/var"
  cat >"$dir/ratsaal.conf" <<CONF
listen = 127.0.0.1:$port
data_dir = $dir/var
web_root = $ROOT/web
udp_port = $udp
log_level = warn
max_participants = 1100
# one media worker per core the server is given (SERVER_CPU)
media_workers = ${RATSAAL_WORKERS:-1}
# every simulated participant joins from 127.0.0.1: lift the per-address join guard
join_rate_per_min = 10000
CONF
  ${SERVER_PRIO:-} taskset -c "$SERVER_CPU" "$RATSAAL_BIN" serve --config "$dir/ratsaal.conf" >"$dir/server.log" 2>&1 &
  local pid=$!
  wait_port "$port" "$pid" || { echo "ratsaal did not start" >&2; tail "$dir/server.log" >&2; stop_pid "$pid"; return 1; }
  # shellcheck disable=SC2046
  taskset -c "$LOAD_CPU" bench/ratsaal-load --server ratsaal --port "$port" --room "b$2" \
    --server-pid "$pid" --profile "$PROFILE" --label "$1" $(args_for "$1" ratsaal) ${LOAD_ARGS:-} \
    >>"$out/results.jsonl" 2>"$dir/load.log" || echo "  (ratsaal $1: generator exit $?, see $dir/load.log)" >&2
  stop_pid "$pid"
}

run_janus() { # scenario rep
  local dir="$out/janus-$1-$2" port=$JANUS_PORT pid
  port_in_use "$port" && { echo "port $port is in use (another server?): set JANUS_PORT" >&2; return 1; }
  pid=$(bench/janus/start.sh "$port" "$SERVER_CPU" "$dir") || { echo "janus did not start" >&2; return 1; }
  # shellcheck disable=SC2046
  taskset -c "$LOAD_CPU" bench/ratsaal-load --server janus --port "$port" \
    --server-pid "$pid" --profile "$PROFILE" --label "$1" $(args_for "$1" janus) ${LOAD_ARGS:-} \
    >>"$out/results.jsonl" 2>"$dir/load.log" || echo "  (janus $1: generator exit $?, see $dir/load.log)" >&2
  stop_pid "$pid"
}

trap 'echo interrupted >&2; exit 130' INT TERM
{
  echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores; $(lscpu | sed -n 's/^Model name: *//p')"
  echo "# ratsaal $("$RATSAAL_BIN" --version 2>&1 | head -1); $(janus --version 2>&1 | head -1); profile $PROFILE"
} >"$out/machine.txt"
cat "$out/machine.txt"
for sc in $scenarios; do
  for rep in $(seq "$reps"); do
    [[ "$only" == janus ]] || { echo "run $sc rep $rep: ratsaal"; run_ratsaal "$sc" "$rep"; }
    [[ "$only" == ratsaal ]] || { echo "run $sc rep $rep: janus"; run_janus "$sc" "$rep"; }
  done
done

python3 "$ROOT/bench/summarize.py" "$out/results.jsonl" --first "${scenarios%% *}"
