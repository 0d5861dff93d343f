#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The soak (issue 17): R managed meetings with P participants between them play a formal
# session for a while — chat, hands, the speakers' list, votes, people leaving and coming back
# all the time, some of them with audio and video — against one server, whose RSS is sampled
# into a CSV. It passes when the load generator found no error and nobody stuck (its audit,
# bench/load/soak.c), the server logged no `error` line and no sanitizer report, and it exited
# 0 on SIGTERM.
#
#   make bin/ratsaal bench/ratsaal-load && bench/soak.sh                  # 40 in 4 rooms, 10 min
#   make build/asan/ratsaal bench/ratsaal-load &&
#     bench/soak.sh --server build/asan/ratsaal --duration 60 --warmup 20 --media 2
#
# Set-up, as an agency would: one local account per room (`ratsaal user add`), which logs in,
# creates its meeting without a lobby, lists itself and "Mitglied 1" … as the member list, and
# makes a participant and a guest invitation (REST API, docs/api.md). The load generator's
# chairs join with that account's session cookie, the members with the participant invitation
# under a listed name, the guest with the guest invitation. The server's configuration differs
# from the defaults only where one load generator on 127.0.0.1 would otherwise hit a
# per-address limit (joins per minute, connections per address).
#
# Writes into --out (default build/soak/<time>): server.log, load.out (the summary; its last
# line is JSON), load.err, rss.csv, summary.json (the summary with the server's figures), and
# the server's data directory. Exit 0 on a pass, 1 on a failure, 2 on a usage or set-up error.
set -euo pipefail
cd "$(dirname "$0")/.."

participants=40 rooms=4 duration=600 warmup=60 media=all server=bin/ratsaal out=
seed=1 churn=30 sample=5 timeout=20 audio_only=0 ivf= verbose=()
usage() {
  cat >&2 <<EOF
usage: bench/soak.sh [--participants N] [--rooms R] [--duration S] [--warmup S]
  [--media N|all] [--server BIN] [--out DIR] [--seed N] [--churn-s S] [--sample-s S]
  [--timeout-s S] [--audio-only] [--ivf FILE] [--verbose]
  --media: participants per room that also send and receive audio and video (default all)
  --churn-s: mean time a participant stays before leaving and coming back (default 30)
  --timeout-s: how long any request may wait for its answer (default 20)
EOF
  exit 2
}
while (($#)); do
  case $1 in
    --participants) participants=$2; shift 2 ;;
    --rooms) rooms=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --media) media=$2; shift 2 ;;
    --server) server=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --churn-s) churn=$2; shift 2 ;;
    --sample-s) sample=$2; shift 2 ;;
    --timeout-s) timeout=$2; shift 2 ;;
    --audio-only) audio_only=1; shift ;;
    --ivf) ivf=$2; shift 2 ;;
    --verbose) verbose=(--verbose); shift ;; # every join and leave into load.err
    *) usage ;;
  esac
done
die() { echo "soak: $*" >&2; exit 2; }
[[ -x $server ]] || die "no server binary $server (make bin/ratsaal, or make build/asan/ratsaal)"
[[ -x bench/ratsaal-load ]] || die "no load generator (make bench/ratsaal-load)"
((rooms >= 1 && participants >= rooms)) || die "need at least one participant per room"
per_room=$(((participants + rooms - 1) / rooms))
[[ $media == all ]] && media=$per_room

# A sanitizer build reports at exit; these make any report fatal and leaks part of it. (They
# change nothing for a plain build.)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

out=${out:-build/soak/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
data=$out/data
rm -rf "$data"
mkdir -p "$data"

# Video: the benchmark's pattern when bench/setup.sh made it, else a small one made here once
# (320x240, 30 fps, 300 kbit/s, a keyframe every 3 s: light enough for 40 senders on two cores).
video_args=()
if ((audio_only)); then
  video_args=(--audio-only)
else
  if [[ -z $ivf ]]; then
    ivf=build/soak/pattern-320x240.ivf
    if [[ ! -s $ivf ]]; then
      command -v ffmpeg >/dev/null || die "ffmpeg is missing (scripts/deps.sh), or use --audio-only"
      mkdir -p "$(dirname "$ivf")"
      ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=30 -t 10 \
        -c:v libvpx -b:v 300k -minrate 300k -maxrate 300k -g 90 -keyint_min 90 \
        -deadline realtime -cpu-used 8 -f ivf "$ivf.tmp" && mv "$ivf.tmp" "$ivf"
    fi
  fi
  [[ -s $ivf ]] || die "no video file $ivf"
  video_args=(--ivf "$ivf")
fi

free_port() { # $1 = tcp|udp: a free port on 127.0.0.1 (udp: and the 15 after it, for up to 16 media workers)
  python3 - "$1" <<'EOF'
import random, socket, sys
kind = socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM
if kind == socket.SOCK_STREAM:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); sys.exit(0)
for _ in range(200):
    base = random.randrange(20000, 60000); socks = []
    try:
        for k in range(16):
            u = socket.socket(socket.AF_INET, kind); u.bind(("127.0.0.1", base + k)); socks.append(u)
        print(base); sys.exit(0)
    except OSError:
        pass
    finally:
        for u in socks: u.close()
sys.exit(1)
EOF
}
json_field() { # $1 = field: prints it from the JSON object on stdin
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const v = JSON.parse(s)[process.argv[1]]; if (v === undefined) process.exit(1); console.log(v); })' "$1"
}

password='soak soak soak soak'
cli_log=$out/cli.log
: >"$cli_log"
for ((r = 1; r <= rooms; r++)); do
  printf '%s\n' "$password" | "$server" user add "soak-chair-$r" --role user --data "$data" >>"$cli_log" 2>&1 ||
    die "ratsaal user add failed: $(tail -3 "$cli_log")"
done

port=$(free_port tcp)
udp=$(free_port udp)
cat >"$out/ratsaal.conf" <<EOF
# the soak's configuration: the defaults, but for the per-address limits that one load
# generator on 127.0.0.1 would hit (every participant's joins come from one address)
join_rate_per_min = 10000
max_connections_per_ip = 1000
log_level = info
EOF
server_pid=
cleanup() { [[ -n $server_pid ]] && kill -KILL "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT
"$server" serve --listen "127.0.0.1:$port" --data "$data" --udp-port "$udp" --web web \
  --config "$out/ratsaal.conf" >"$out/server.log" 2>&1 &
server_pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 1 300); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || die "the server exited at start: $(tail -5 "$out/server.log")"
  sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null || die "the server does not answer /healthz"

# The meetings, through the REST API as their owners.
rest() { # $1 = cookie jar, $2 = method, $3 = path, $4 = JSON body; prints the body, fails on >= 400
  curl -fsS -b "$1" -c "$1" -X "$2" -H 'content-type: application/json' -d "$4" "$base$3"
}
: >"$out/rooms"
for ((r = 1; r <= rooms; r++)); do
  jar=$out/cookies-$r
  rest "$jar" POST /auth/local/login "{\"username\": \"soak-chair-$r\", \"password\": \"$password\"}" >/dev/null ||
    die "login of soak-chair-$r failed"
  cookie=$(awk '$6 == "ratsaal_session" { print $6 "=" $7 }' "$jar")
  [[ -n $cookie ]] || die "no session cookie for soak-chair-$r"
  id=$(rest "$jar" POST /api/v1/meetings "{\"title\": \"Soak $r\", \"lobby\": false}" | json_field id) ||
    die "soak-chair-$r could not create its meeting"
  # seats of room r (bench/load/soak.c): the chair, members "Mitglied 1" …, a guest last when 4+
  n=$((participants / rooms + (r - 1 < participants % rooms ? 1 : 0)))
  m=$((n - 1 - (n >= 4 ? 1 : 0)))
  list="{\"user\": \"soak-chair-$r\"}"
  for ((k = 1; k <= m; k++)); do list+=", {\"name\": \"Mitglied $k\"}"; done
  rest "$jar" PUT "/api/v1/meetings/$id/members" "{\"members\": [$list]}" >/dev/null
  invite=$(rest "$jar" POST "/api/v1/meetings/$id/invites" '{"role": "participant"}' | json_field token)
  guest=$(rest "$jar" POST "/api/v1/meetings/$id/invites" '{"role": "guest"}' | json_field token)
  echo "$id $cookie $invite $guest" >>"$out/rooms"
done

load_cmd=(bench/ratsaal-load --soak "$out/rooms" --port "$port" --server-pid "$server_pid"
  --participants "$participants" --media "$media" --duration "$duration" --warmup "$warmup"
  --csv "$out/rss.csv" --sample-s "$sample" --churn-s "$churn" --timeout-s "$timeout"
  --seed "$seed" --decrypt-every 10 "${video_args[@]}" "${verbose[@]}")
echo "soak: ${load_cmd[*]}" >&2
set +e
"${load_cmd[@]}" >"$out/load.out" 2>"$out/load.err"
load_rc=$?
set -e

kill -TERM "$server_pid" 2>/dev/null
server_rc=
for _ in $(seq 1 600); do # a sanitizer build checks for leaks on its way out
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid" && server_rc=0 || server_rc=$?
    break
  fi
  sleep 0.1
done
if [[ -z $server_rc ]]; then
  kill -KILL "$server_pid" 2>/dev/null
  server_rc=killed
fi
server_pid=

errors=$(grep -cE '^[0-9-]+T[0-9:.]+Z error ' "$out/server.log" || true)
warns=$(grep -cE '^[0-9-]+T[0-9:.]+Z warn ' "$out/server.log" || true)
sanitizer=$(cat "$out/server.log" "$cli_log" | grep -cE 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:' || true)
# A participant is kept "reconnecting" only when its socket ended without a close frame: the
# sockets the generator dropped, every one of which resumes. A participant kept and never
# resumed is one whose clean close was taken for a lost connection: stuck in the others' lists
# for resume_grace_s. (A client the server heard nothing from for 9 s is shown "reconnecting"
# until its next message: counted, not a failure; it happens when the machine starves the
# generator for that long, see its longest turn.)
lost=$(grep -cE ' event=reconnecting .* why=lost' "$out/server.log" || true)
silent=$(grep -cE ' event=reconnecting .* why=silent' "$out/server.log" || true)
unresumed=$(awk '/ event=reconnecting .* why=lost/ { match($0, /participant=[a-z0-9]+/); kept[substr($0, RSTART + 12, RLENGTH - 12)]++ }
  / event=resumed / { match($0, /participant=[a-z0-9]+/); id = substr($0, RSTART + 12, RLENGTH - 12); if (kept[id] > 0) kept[id]-- }
  END { n = 0; for (id in kept) n += kept[id]; print n }' "$out/server.log")
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
summary=$(tail -1 "$out/load.out")
node -e '
  let load = {}; try { load = JSON.parse(process.argv[1]); } catch (e) { load = { unreadable: true }; }
  const [, , loadRc, serverRc, errors, warns, sanitizer, lost, unresumed, silent, cpu, cmd] = process.argv;
  Object.assign(load, { load_exit: Number(loadRc), server_exit: serverRc === "killed" ? serverRc : Number(serverRc),
    server_error_lines: Number(errors), server_warn_lines: Number(warns), sanitizer_reports: Number(sanitizer),
    server_lost: Number(lost), server_lost_not_resumed: Number(unresumed), server_silent: Number(silent), cpu, command: cmd, date: new Date().toISOString() });
  console.log(JSON.stringify(load));' "$summary" "$load_rc" "$server_rc" "$errors" "$warns" "$sanitizer" "$lost" "$unresumed" "$silent" "$cpu" \
  "bench/soak.sh --participants $participants --rooms $rooms --duration $duration --warmup $warmup --media $media --server $server --seed $seed --churn-s $churn" \
  >"$out/summary.json"

head -n -1 "$out/load.out"
drops=$(node -e 'try { console.log(JSON.parse(process.argv[1]).leaves.drop); } catch (e) { console.log(-1); }' "$summary")
echo "server: exit $server_rc, $errors error lines, $warns warn lines, $sanitizer sanitizer reports; $lost connections kept for resume ($drops dropped on purpose), $unresumed of them never resumed; $silent participants shown reconnecting after 9 s of silence ($out/server.log)"
echo "files: $out (rss.csv, summary.json)"
reasons=()
((load_rc == 0)) || reasons+=("the load generator found problems (exit $load_rc, $out/load.err)")
[[ $server_rc == 0 ]] || reasons+=("the server exited $server_rc")
((errors == 0)) || reasons+=("$errors error lines in the server's log")
((sanitizer == 0)) || reasons+=("$sanitizer sanitizer reports")
((unresumed == 0)) || reasons+=("$unresumed participants kept for resume never resumed (clean closes taken for lost connections)")
if ((${#reasons[@]})); then
  grep -E '^[0-9-]+T[0-9:.]+Z error |ERROR: |runtime error:' "$out/server.log" | head -5 >&2 || true
  tail -20 "$out/load.err" >&2
  msg=${reasons[0]}
  for r in "${reasons[@]:1}"; do msg+="; $r"; done
  echo "soak: FAIL: $msg"
  exit 1
fi
echo "soak: PASS"
