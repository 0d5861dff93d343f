#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# A cluster of real processes (issue 18, docs/cluster.md): a throwaway redis-server
# (scripts/redis-test.sh) and PostgreSQL (scripts/pg-test.sh), three `bin/ratsaal serve` on
# loopback ports sharing both, node ids a, b, c, each with cluster_public_url =
# http://127.0.0.1:<its port> and lease and node TTLs of 2 s. Checks:
#   - every node's /readyz is 200 once registered;
#   - a join through node A to a room that is open on node B is answered `moved` with B's URL
#     and id (the same through C);
#   - Redis stopped (SIGSTOP): every /readyz is 503 "redis" within 6 s, every /healthz stays
#     200; Redis back (SIGCONT): every /readyz is 200 again within 5 s;
#   - REST changes through A to a meeting served by B (lobby, agenda, deletion) reach B's
#     participant (tests/ops/cluster_notice.js) and B counts them applied;
#   - a meeting with state on B (tests/ops/cluster_failover.js: four clients, a promotion, a
#     raised hand, two on the speakers' list, an agenda item current, a vote with an
#     acknowledged ballot, a recording with M's consent and R's refusal; the recorder is
#     tests/support/fake_recorder.sh) has its snapshot in Redis;
#   - B killed (SIGKILL): within the lease TTL + 4 s a join through A succeeds, on A or on the
#     node placement moves it to (followed once, as the web client does), and the third node
#     redirects there;
#     the four clients resume through A with their resume tokens: same ids, "resumed": true, and
#     the state back (roles, hand, speakers' list, the vote's turnout and eligibility, the
#     agenda's current item, the recording running again with the same consents); the time from the kill to the last resume is printed as a comment
#     (not asserted), and A counts the restore in /metrics;
#   - rows a dead node left open in PostgreSQL (a stay, a recording of node "gone") are closed by
#     the live nodes' sweep (reason node_lost, interrupted); a live node's open stay is not;
#   - SIGTERM on A: it hands its rooms over (log `event=handed_over rooms_left=0`), leaves the
#     cluster and exits 0 within cluster_drain_timeout_s (5 s) + 2 s; its clients were told
#     `moved` and resume through C with their state (time printed too).
# The joins are tests/ops/cluster_join.js (node and the `ws` package; no browser). Needs `make
# all`, redis-server and PostgreSQL's server binaries. Takes about 30 s. RATSAAL_BIN runs another
# server binary. Prints TAP-like lines (ok/not ok) and `# pass N`, `# fail N`; exits 1 on a
# failure. Everything it starts is stopped and its directory removed at exit (KEEP_DIR=1 keeps
# the directory with the servers' logs).
set -uo pipefail
cd "$(dirname "$0")/../.."

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [[ -n ${2:-} ]] && sed 's/^/  # /' <<<"$2"; }
finish() { echo "# pass $((n - fails))"; echo "# fail $fails"; [[ $fails -eq 0 ]]; exit $?; }

server=${RATSAAL_BIN:-bin/ratsaal}
if [[ ! -x $server ]] || ! command -v redis-server >/dev/null || ! command -v node >/dev/null; then
  notok "the server ($server), redis-server and node are there" "run: make all; apt install redis-server"
  finish
fi

dir=$(mktemp -d -p /tmp) # a new directory for the three servers, Redis and PostgreSQL
chmod 755 "$dir" # PostgreSQL runs as its own user when this runs as root
declare -A pid port
holder=
holder2=
holder_a=
holders_c=()
failover=
redis_pid=
cleanup() {
  [[ -n $redis_pid ]] && kill -CONT "$redis_pid" 2>/dev/null
  [[ -n $holder ]] && kill "$holder" 2>/dev/null
  [[ -n $holder2 ]] && kill "$holder2" 2>/dev/null
  [[ -n $holder_a ]] && kill "$holder_a" 2>/dev/null
  for h in "${holders_c[@]}"; do kill "$h" 2>/dev/null; done
  [[ -n $failover ]] && kill "$failover" 2>/dev/null
  for k in a b c; do [[ -n ${pid[$k]:-} ]] && kill -9 "${pid[$k]}" 2>/dev/null; done
  wait 2>/dev/null
  scripts/redis-test.sh stop "$dir/redis" >/dev/null 2>&1
  scripts/pg-test.sh stop "$dir/pg" >/dev/null 2>&1
  [[ -n ${KEEP_DIR:-} ]] && echo "# kept $dir" || rm -rf "$dir"
}
trap cleanup EXIT

redis=$(scripts/redis-test.sh start "$dir/redis" 2>"$dir/redis.err") || {
  notok "redis-server starts" "$(cat "$dir/redis.err")"
  finish
}
redis_pid=$(cat "$dir/redis/redis.pid")
pg=$(scripts/pg-test.sh start "$dir/pg" 2>"$dir/pg.err") || {
  notok "PostgreSQL starts" "$(tail -5 "$dir/pg.err")"
  finish
}
ok "redis-server and PostgreSQL started"

# recordings_dir and live_dir are one directory for all nodes (docs/cluster.md "Shared directories")
mkdir -p "$dir/shared/recordings" "$dir/shared/live"
# free loopback ports: HTTP on each, the same number for its media (UDP and ICE-TCP)
read -r -a ports < <(python3 -c '
import socket
socks = []
for _ in range(3):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))')
i=0
for k in a b c; do
  port[$k]=${ports[$i]}
  i=$((i + 1))
  mkdir -p "$dir/$k"
  cat >"$dir/$k.conf" <<EOF
listen = 127.0.0.1:${port[$k]}
data_dir = $dir/$k
recordings_dir = $dir/shared/recordings
live_dir = $dir/shared/live
udp_port = ${port[$k]}
media_workers = 1
recorder_path = $PWD/tests/support/fake_recorder.sh
store = $pg
cluster_redis = $redis
cluster_node_id = $k
cluster_public_url = http://127.0.0.1:${port[$k]}
cluster_node_ttl_ms = 2000
cluster_lease_ttl_ms = 2000
cluster_drain_timeout_s = 5
EOF
  "$server" serve --config "$dir/$k.conf" >"$dir/$k.log" 2>&1 &
  pid[$k]=$!
done

url() { echo "http://127.0.0.1:${port[$1]}"; }
status() { curl -s -o /dev/null -m 2 -w '%{http_code}' "$(url "$1")$2"; }
# waits up to $3 s until every node in $1 answers $2 with status $4; prints the last statuses
wait_all() {
  local end=$((SECONDS + $3)) got all
  while :; do
    got="" all=1
    for k in $1; do
      local st
      st=$(status "$k" "$2")
      got+="$k=$st "
      [[ $st == "$4" ]] || all=
    done
    if [[ -n $all ]]; then echo "$got"; return 0; fi
    ((SECONDS >= end)) && { echo "$got"; return 1; }
    sleep 0.2
  done
}
join() { node tests/ops/cluster_join.js "$(url "$1")" "$2" "${3:-}"; }
field() { node -e 'const j = JSON.parse(process.argv[1]); console.log(j[process.argv[2]] ?? "")' "$1" "$2"; }

if got=$(wait_all "a b c" /readyz 15 200); then ok "every node is ready (/readyz 200)"
else notok "every node is ready (/readyz 200)" "$got
$(tail -5 "$dir"/[abc].log)"; finish; fi

# What a node that died left open in the store (docs/security.md F8, http/cluster_sweep.h): a
# stay and a recording of node "gone", which never ran here, and a stay of c, which lives to the
# end. The live nodes close the first two within their sweep period (10 s); checked at the end.
psql_q() { psql "$pg" -X -qAt -v ON_ERROR_STOP=1 -c "$1" 2>&1; }
r=$(psql_q "INSERT INTO rooms (id, created_at_ms, last_active_ms) VALUES ('f8', 1, 1);
  INSERT INTO attendance (room_id, participant_id, display_name, role, joined_at_ms, node)
    VALUES ('f8', 'pgone', 'Gerda', 'participant', 1, 'gone'),
           ('f8', 'plive', 'Carl', 'participant', 1, 'c');
  INSERT INTO recordings (room_id, format, file, layout, started_by, purpose, started_at_ms,
    retention_days, expires_at_ms, state, node)
    VALUES ('f8', 'mp4', 'f8/1.mp4', 'speaker', 'Gerda', 'Protokoll', 1, 30, 4102444800000,
            'recording', 'gone');") || notok "rows of a gone node put into PostgreSQL" "$r"

# the room opens on b (a participant stays in it)
node tests/ops/cluster_join.js "$(url b)" cl1 120 >"$dir/holder.out" 2>&1 &
holder=$!
for _ in $(seq 50); do [[ -s $dir/holder.out ]] && break; sleep 0.1; done
if grep -q '"joined"' "$dir/holder.out"; then ok "a join through b opens the room there"
else notok "a join through b opens the room there" "$(cat "$dir/holder.out")"; fi
# load on a and c too, so that new rooms stay where their join lands (placement keeps a room on
# a node at most as loaded as the least loaded other one, http/cluster_place.c): one participant
# in a room on a, three in a room on c. The meetings below then open on b when joined through b,
# and after b dies the failover meeting comes back on a (with at most three: its own participant,
# the probe and the holder of cl1 below), from where the drain at the end moves it to c.
node tests/ops/cluster_join.js "$(url a)" cl-a 300 >"$dir/holder_a.out" 2>&1 &
holder_a=$!
for i in 1 2 3; do
  node tests/ops/cluster_join.js "$(url c)" cl-c 300 >"$dir/holder_c$i.out" 2>&1 &
  holders_c+=($!)
done
for _ in $(seq 50); do
  [[ -s $dir/holder_a.out && -s $dir/holder_c1.out && -s $dir/holder_c2.out && -s $dir/holder_c3.out ]] && break
  sleep 0.1
done
if [[ $(cat "$dir/holder_a.out" "$dir"/holder_c?.out | grep -c '"joined"') == 4 ]]; then
  ok "one participant in a room on a, three in a room on c"
else notok "one participant in a room on a, three in a room on c" "$(cat "$dir/holder_a.out" "$dir"/holder_c?.out)"; fi
sleep 2.5 # two heartbeats and node-list copies: every node sees the others' load
r=$(join a cl1)
if [[ $(field "$r" code) == moved && $(field "$r" url) == "$(url b)" && $(field "$r" node) == b ]]; then
  ok "a join through a is answered moved with b's URL and id"
else notok "a join through a is answered moved with b's URL and id" "$r"; fi
r=$(join c cl1)
if [[ $(field "$r" code) == moved && $(field "$r" url) == "$(url b)" ]]; then ok "... and through c"
else notok "... and through c" "$r"; fi

# REST changes through one node reach a meeting served by another (docs/cluster.md section 5)
notice_pw='correct horse battery staple'
if printf '%s\n' "$notice_pw" | "$server" user add chair --role user --config "$dir/a.conf" \
  >"$dir/user.out" 2>&1; then
  timeout 60 node tests/ops/cluster_notice.js "$(url b)" "$(url a)" chair "$notice_pw" \
    >"$dir/notice.out" 2>&1
  while IFS= read -r line; do
    check=$(field "$line" check)
    [[ -z $check ]] && continue
    if [[ $(field "$line" ok) == true ]]; then ok "$check ($(field "$line" ms) ms)"
    else notok "$check" "$line"; fi
  done <"$dir/notice.out"
  grep -q '"ok"' "$dir/notice.out" || notok "cluster_notice.js ran" "$(cat "$dir/notice.out")"
  applied=0 # on whichever node served the meeting
  for k in a b c; do
    got=$(curl -s -m 2 "$(url $k)/metrics" | awk '/^ratsaal_cluster_events_total\{result="applied"\}/ {print $2}')
    applied=$((applied + ${got:-0}))
  done
  if [[ ${applied:-0} -ge 3 ]]; then ok "the owner counts the notices it applied ($applied)"
  else notok "the owner counts the notices it applied" "applied=${applied:-none}"; fi
else
  notok "ratsaal user add (for the REST checks)" "$(cat "$dir/user.out")"
fi

# Redis hung
kill -STOP "$redis_pid"
t0=$SECONDS
if got=$(wait_all "a b c" /readyz 6 503); then ok "Redis stopped: every /readyz is 503 within 6 s ($((SECONDS - t0)) s)"
else notok "Redis stopped: every /readyz is 503 within 6 s" "$got"; fi
r=$(curl -s -m 2 "$(url a)/readyz")
if [[ $(field "$r" reason) == redis ]]; then ok "... with reason redis"; else notok "... with reason redis" "$r"; fi
if got=$(wait_all "a b c" /healthz 1 200); then ok "... while every /healthz stays 200"
else notok "... while every /healthz stays 200" "$got"; fi
# b's last renewal is now more than the lease TTL (2 s) ago: another node could have taken the
# room, so b takes no new joins to it (the participant already in stays)
while ((SECONDS - t0 < 3)); do sleep 0.2; done
r=$(join b cl1)
if [[ $(field "$r" code) == moved && -z $(field "$r" url) && $(field "$r" retry_after_s) == 2 ]]; then
  ok "... and b answers a join to its open room moved without a URL (its lease may have run out)"
else notok "... and b answers a join to its open room moved without a URL" "$r"; fi
kill -CONT "$redis_pid"
t0=$SECONDS
if got=$(wait_all "a b c" /readyz 5 200); then ok "Redis back: every /readyz is 200 within 5 s ($((SECONDS - t0)) s)"
else notok "Redis back: every /readyz is 200 within 5 s" "$got"; fi
r=$(join a cl1)
if [[ $(field "$r" code) == moved && $(field "$r" node) == b ]]; then ok "b still owns the room after the outage"
else notok "b still owns the room after the outage" "$r"; fi

# a meeting with state on b (tests/ops/cluster_failover.js): roles, a hand, the speakers' list,
# an agenda item, a vote with an acknowledged ballot
mkdir -p "$dir/ctrl"
node tests/ops/cluster_failover.js "$(url b)" fo1 "$dir/ctrl" >"$dir/failover.out" 2>"$dir/failover.err" &
failover=$!
for _ in $(seq 100); do [[ -s $dir/failover.out ]] && break; sleep 0.1; done
r=$(sed -n 1p "$dir/failover.out")
if [[ $(field "$r" ok) == true ]]; then ok "a meeting with roles, a hand, the speakers' list, a vote and an agenda runs on b"
else notok "a meeting with roles, a hand, the speakers' list, a vote and an agenda runs on b" "$r $(cat "$dir/failover.err")"; fi
r=$(redis-cli -s "$dir/redis/redis.sock" --raw get ratsaal:room:fo1:state 2>/dev/null | head -c 300)
if [[ $r == *'"room":"fo1"'* ]]; then ok "b keeps the meeting's snapshot in Redis"
else notok "b keeps the meeting's snapshot in Redis" "$r"; fi

# b dies: after its lease expires, a takes the room
kill -9 "${pid[b]}"
wait "${pid[b]}" 2>/dev/null
pid[b]=
t0=$(date +%s%N)
echo "$(url a) $t0" >"$dir/ctrl/go1" # no load balancer here: the clients come back through a
# The room goes to a live node: a itself, or the one placement picks (c, when the failover
# meeting's clients came back on a first and made a the busier node); a client follows the
# `moved` once, as the web client does.
joined= owner=
for _ in $(seq 30); do
  r=$(join a cl1)
  if [[ $(field "$r" event) == joined ]]; then joined=1 owner=a; break; fi
  if [[ $(field "$r" code) == moved && $(field "$r" node) == c && $(field "$r" url) == "$(url c)" ]]; then
    r=$(join c cl1)
    if [[ $(field "$r" event) == joined ]]; then joined=1 owner=c; break; fi
  fi
  sleep 0.2
done
ms=$((($(date +%s%N) - t0) / 1000000))
if [[ -n $joined && $ms -le 6000 ]]; then ok "b killed: a join through a succeeds after ${ms} ms on $owner (lease TTL 2000 ms)"
else notok "b killed: a join through a succeeds within 6 s" "after ${ms} ms: $r"; fi
other=c
[[ $owner == c ]] && other=a
node tests/ops/cluster_join.js "$(url "${owner:-a}")" cl1 120 >"$dir/holder2.out" 2>&1 & # keeps the room open there
holder2=$!
for _ in $(seq 50); do [[ -s $dir/holder2.out ]] && break; sleep 0.1; done
r=$(join $other cl1)
if [[ -n $owner && $(field "$r" code) == moved && $(field "$r" node) == "$owner" ]]; then
  ok "... and $owner owns it now ($other redirects there)"
else notok "... and the new owner has it ($other redirects there)" "owner ${owner:-none}: $r"; fi

for _ in $(seq 300); do (($(wc -l <"$dir/failover.out") >= 2)) && break; sleep 0.1; done
r=$(sed -n 2p "$dir/failover.out")
if [[ $(field "$r" ok) == true ]]; then
  ok "b killed: every client resumed on a with its id, role, hand, speakers' list, vote and agenda"
  echo "# state recovery after kill -9 (lease TTL 2000 ms): $(field "$r" recovery_ms) ms"
else notok "b killed: every client resumed on a with its id, role, hand, speakers' list, vote and agenda" "$r $(tail -3 "$dir/failover.err")"; fi
r=$(curl -s -m 2 "$(url a)/metrics" | grep -E '^ratsaal_cluster_(snapshots_restored|participants_restored)_total ')
if [[ $r == *'snapshots_restored_total 1'* || $r == *'snapshots_restored_total 2'* ]]; then ok "... counted in a's /metrics"
else notok "... counted in a's /metrics" "$r"; fi

# SIGTERM on a: its meetings move (snapshot, lease released, `moved`), then it leaves and exits
t0=$(date +%s%N)
kill -TERM "${pid[a]}"
echo "$(url c) $t0" >"$dir/ctrl/go2"
end=$((SECONDS + 12)) # cluster_drain_timeout_s (5) + 2 s to flush + slack
while kill -0 "${pid[a]}" 2>/dev/null && ((SECONDS < end)); do sleep 0.1; done
if kill -0 "${pid[a]}" 2>/dev/null; then rc=timeout; else wait "${pid[a]}"; rc=$?; fi
pid[a]=
if [[ $rc == 0 ]] && grep -q 'event=left rc=0' "$dir/a.log" && grep -q 'event=handed_over rooms_left=0' "$dir/a.log"; then
  ok "SIGTERM: a hands its rooms over, leaves the cluster and exits 0 within the drain deadline"
else notok "SIGTERM: a hands its rooms over, leaves the cluster and exits 0 within the drain deadline" "exit $rc; $(tail -5 "$dir/a.log")"; fi
for _ in $(seq 300); do (($(wc -l <"$dir/failover.out") >= 3)) && break; sleep 0.1; done
r=$(sed -n 3p "$dir/failover.out")
if [[ $(field "$r" ok) == true ]]; then
  ok "... its clients were told moved and resumed on c with their state"
  echo "# state recovery after SIGTERM: $(field "$r" recovery_ms) ms"
else notok "... its clients were told moved and resumed on c with their state" "$r $(tail -3 "$dir/failover.err")"; fi
wait "$failover" 2>/dev/null
failover=
shared=$(curl -s -m 2 "$(url c)/metrics" | awk '/^ratsaal_cluster_shared_storage / {print $2}')
if [[ $shared == 1 ]]; then ok "c sees recordings_dir and live_dir shared by every node"
else notok "c sees recordings_dir and live_dir shared by every node" "ratsaal_cluster_shared_storage=${shared:-none}"; fi
for _ in $(seq 150); do
  [[ $(psql_q "SELECT reason FROM attendance WHERE participant_id = 'pgone'") == node_lost ]] && break
  sleep 0.1
done
r=$(psql_q "SELECT participant_id || ':' || coalesce(reason, 'open') FROM attendance
  WHERE room_id = 'f8' ORDER BY participant_id; SELECT state FROM recordings WHERE room_id = 'f8'")
swept=$(curl -s -m 2 "$(url c)/metrics" | grep -E '^ratsaal_cluster_swept_total')
if [[ $r == $'pgone:node_lost\nplive:open\ninterrupted' ]]; then
  ok "the gone node's open stay is closed (node_lost) and its recording interrupted; c's stay stays open"
else notok "the gone node's open stay is closed (node_lost) and its recording interrupted; c's stay stays open" \
  "$r; $swept"; fi
# the failover meeting's recording, started on b: continued on a after the kill, on c after the
# drain, one part (row) each: b's closed by the sweep (within its 10-s period), a's ended by the
# hand-over
for _ in $(seq 150); do
  [[ $(psql_q "SELECT state FROM recordings WHERE room_id = 'fo1' ORDER BY id LIMIT 1") == interrupted ]] && break
  sleep 0.1
done
r=$(psql_q "SELECT state FROM recordings WHERE room_id = 'fo1' ORDER BY id;
  SELECT count(*) FROM recording_audit WHERE room_id = 'fo1' AND event = 'continue'")
if [[ $r =~ ^interrupted$'\n'done$'\n'(recording|done)$'\n'2$ ]]; then
  ok "the recording went on in three parts: b's interrupted, a's done at the hand-over, c's (2 continue audits)"
else notok "the recording went on in three parts: b's interrupted, a's done at the hand-over, c's" "$r"; fi
errors=$(grep -h ' error ' "$dir"/[abc].log | head -5)
if [[ -z $errors ]]; then ok "no error lines in the servers' logs"; else notok "no error lines in the servers' logs" "$errors"; fi
finish
