#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Placement and the load balancer (issue 18, docs/cluster.md section 7, docs/operations.md
# "Cluster"): a throwaway redis-server and PostgreSQL, three `bin/ratsaal serve` (node ids a, b,
# c, node and lease TTLs of 2 s) behind nginx started by scripts/lb-test.sh, each node's
# cluster_public_url = http://LB/n/<id>. Checks:
#   - /n/<id>/ reaches node <id> (its /healthz counts the room held there), prefix stripped;
#   - with b busy (two participants in a room), a new room joined through b is placed on a or c:
#     `moved` with http://LB/n/<a|c>, the lease already that node's, and the join there succeeds;
#     b counts placements{where="other"}, the target placements{where="self"};
#   - joins through the load balancer's default pool, following `moved`, all end on the room's
#     owner, and the nodes see the client's address from X-Forwarded-For (trusted_proxies);
#   - c killed: once its record expired, joins through the pool still succeed (nginx passes a
#     dead node over) and no new room is placed on c;
#   - HAProxy in front (LB_KIND=haproxy) with a fourth node d that is alive but never ready (its
#     Redis is unreachable): its active /readyz check keeps d out of the pool, so no join
#     reaches d, while /n/d/ (checked with /healthz) still reaches it;
#   - docs/operations.md shows the configurations `scripts/lb-test.sh routes` and
#     `haproxy-routes` generate.
# The joins are tests/ops/lb_join.js and cluster_join.js (node and `ws`). Needs `make all`,
# redis-server, PostgreSQL's server binaries, nginx and haproxy (scripts/deps.sh). About 45 s. Prints
# TAP-like lines and `# pass N`, `# fail N`; exits 1 on a failure. Everything it starts is
# stopped and its directory removed at exit.
set -uo pipefail
cd "$(dirname "$0")/../.."

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [[ -n ${2:-} ]] && sed 's/^/  # /' <<<"$2"; }
finish() { echo "# pass $((n - fails))"; echo "# fail $fails"; [[ $fails -eq 0 ]]; exit $?; }

server=${RATSAAL_BIN:-bin/ratsaal}
if [[ ! -x $server ]] || ! command -v redis-server >/dev/null || ! command -v node >/dev/null ||
  [[ ! -x /usr/sbin/nginx || ! -x /usr/sbin/haproxy ]]; then
  notok "the server ($server), redis-server, nginx, haproxy and node are there" "run: make all; scripts/deps.sh"
  finish
fi

dir=$(mktemp -d -p /tmp)
chmod 755 "$dir" # PostgreSQL runs as its own user when this runs as root
declare -A pid port
holders=()
cleanup() {
  for h in "${holders[@]}"; do kill "$h" 2>/dev/null; done
  for k in a b c d; do [[ -n ${pid[$k]:-} ]] && kill -9 "${pid[$k]}" 2>/dev/null; done
  wait 2>/dev/null
  scripts/lb-test.sh stop "$dir/lb" >/dev/null 2>&1
  scripts/lb-test.sh stop "$dir/haproxy" >/dev/null 2>&1
  scripts/redis-test.sh stop "$dir/redis" >/dev/null 2>&1
  scripts/pg-test.sh stop "$dir/pg" >/dev/null 2>&1
  rm -rf "$dir"
}
trap cleanup EXIT

redis=$(scripts/redis-test.sh start "$dir/redis" 2>"$dir/redis.err") || {
  notok "redis-server starts" "$(cat "$dir/redis.err")"
  finish
}
pg=$(scripts/pg-test.sh start "$dir/pg" 2>"$dir/pg.err") || {
  notok "PostgreSQL starts" "$(tail -5 "$dir/pg.err")"
  finish
}
read -r -a ports < <(python3 -c '
import socket
socks = []
for _ in range(4):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))')
i=0
for k in a b c d; do port[$k]=${ports[$i]}; i=$((i + 1)); done
lb=$(scripts/lb-test.sh start "$dir/lb" a=127.0.0.1:${port[a]} b=127.0.0.1:${port[b]} \
  c=127.0.0.1:${port[c]} 2>"$dir/lb.err") || {
  notok "nginx starts (scripts/lb-test.sh)" "$(cat "$dir/lb.err")"
  finish
}
ok "redis-server, PostgreSQL and the load balancer ($lb) started"

# recordings_dir and live_dir: one directory for every node (docs/cluster.md "Shared directories")
mkdir -p "$dir/shared/recordings" "$dir/shared/live"
for k in a b c; do
  mkdir -p "$dir/$k"
  cat >"$dir/$k.conf" <<EOF
listen = 127.0.0.1:${port[$k]}
public_url = $lb
trusted_proxies = 127.0.0.1
data_dir = $dir/$k
recordings_dir = $dir/shared/recordings
live_dir = $dir/shared/live
udp_port = ${port[$k]}
media_workers = 1
store = $pg
cluster_redis = $redis
cluster_node_id = $k
cluster_public_url = $lb/n/$k
cluster_node_ttl_ms = 2000
cluster_lease_ttl_ms = 2000
EOF
  "$server" serve --config "$dir/$k.conf" >"$dir/$k.log" 2>&1 &
  pid[$k]=$!
done

direct() { echo "http://127.0.0.1:${port[$1]}"; }
field() { node -e 'const j = JSON.parse(process.argv[1]); const v = j[process.argv[2]]; console.log(Array.isArray(v) ? v.join(" ") : v ?? "")' "$1" "$2"; }
metric() { # $1 = node, $2 = metric line prefix; prints its value (0 when absent)
  curl -s -m 2 "$(direct "$1")/metrics" | awk -v m="$2" 'index($0, m " ") == 1 { print $2; f = 1 } END { if (!f) print 0 }'
}
load_of() { redis-cli -s "$dir/redis/redis.sock" HGET "ratsaal:node:$1" participants; }

end=$((SECONDS + 15))
while :; do
  all=1
  for k in a b c; do
    [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "$lb/n/$k/readyz") == 200 ]] || all=
  done
  [[ -n $all ]] && break
  if ((SECONDS >= end)); then notok "every node is ready through /n/<id>/readyz" "$(tail -3 "$dir"/[abc].log)"; finish; fi
  sleep 0.2
done
ok "every node is ready through the load balancer's /n/<id>/readyz"

# b busy: two participants in a room on b, joined through its pinned route
for _ in 1 2; do
  node tests/ops/cluster_join.js "$lb/n/b" busy 120 >>"$dir/busy.out" 2>&1 &
  holders+=($!)
done
end=$((SECONDS + 10))
until [[ $(load_of b) == 2 ]] || ((SECONDS >= end)); do sleep 0.2; done
if [[ $(load_of b) == 2 ]]; then ok "two participants on b, published in b's record"
else notok "two participants on b, published in b's record" "load $(load_of b); $(cat "$dir/busy.out")"; fi
r=$(curl -s -m 2 "$lb/n/b/healthz")
if [[ $(field "$r" rooms) == 1 && $(field "$(curl -s -m 2 "$lb/n/a/healthz")" rooms) == 0 ]]; then
  ok "/n/b/healthz reaches b (1 room), /n/a/healthz reaches a (none): the prefix is stripped"
else notok "/n/<id>/ reaches that node" "$r"; fi
sleep 1.5 # every node's copy of the node list is refreshed each second

# a new room joined through b: placed on a or c
other0=$(metric b 'ratsaal_cluster_placements_total{where="other"}')
r=$(node tests/ops/cluster_join.js "$lb/n/b" fresh1)
owner=$(redis-cli -s "$dir/redis/redis.sock" GET ratsaal:room:fresh1:owner) # held 2 s for the join
to=$(field "$r" node)
if [[ $(field "$r" code) == moved && ($to == a || $to == c) && $(field "$r" url) == "$lb/n/$to" ]]; then
  ok "b busy: a new room joined through b is moved to $to ($(field "$r" url))"
else notok "b busy: a new room joined through b is moved to a or c" "$r"; to=a; fi
if [[ $owner == "$to" ]]; then ok "... its lease is already $to's"; else notok "... its lease is already $to's" "owner: $owner"; fi
if [[ $(metric b 'ratsaal_cluster_placements_total{where="other"}') == $((other0 + 1)) ]]; then
  ok "... counted by b: ratsaal_cluster_placements_total{where=\"other\"}"
else notok "... counted by b" "$(curl -s "$(direct b)/metrics" | grep placements)"; fi
self0=$(metric "$to" 'ratsaal_cluster_placements_total{where="self"}')
node tests/ops/cluster_join.js "$lb/n/$to" fresh1 120 >"$dir/fresh1.out" 2>&1 &
holders+=($!)
for _ in $(seq 50); do [[ -s $dir/fresh1.out ]] && break; sleep 0.1; done
if grep -q '"joined"' "$dir/fresh1.out" &&
  [[ $(metric "$to" 'ratsaal_cluster_placements_total{where="self"}') == $((self0 + 1)) ]]; then
  ok "... the join there opens it on $to (placements{where=\"self\"} +1)"
else notok "... the join there opens it on $to" "$(cat "$dir/fresh1.out")"; fi

# through the default pool, following moved: every join ends on the owner
bad=
for i in 1 2 3 4 5 6; do
  r=$(node tests/ops/lb_join.js "$lb" fresh1)
  last=$(field "$r" via | awk '{print $NF}')
  if [[ $(field "$r" event) != joined || ($last != "$lb" && $last != "$lb/n/$to") ]]; then bad+="$r
"; fi
done
if [[ -z $bad ]]; then ok "six joins through the pool, following moved, all end in the room on $to"
else notok "joins through the pool end on the owner" "$bad"; fi
if grep -q "via.*$lb/n/$to" <<<"$(for i in 1 2 3; do node tests/ops/lb_join.js "$lb" fresh1; done)"; then
  ok "... and some of them were moved there by another node (least_conn spreads the pool)"
else notok "... and some of them were moved there by another node"; fi
fwd=0
for k in a b c; do fwd=$((fwd + $(metric $k 'ratsaal_client_address_total{source="forwarded"}'))); done
ign=0
for k in a b c; do ign=$((ign + $(metric $k 'ratsaal_client_address_total{source="untrusted_header"}'))); done
if ((fwd > 0 && ign == 0)); then ok "the nodes take the client's address from X-Forwarded-For ($fwd requests)"
else notok "the nodes take the client's address from X-Forwarded-For" "forwarded=$fwd untrusted=$ign"; fi

# c dies: after its record expired (2 s) and the copies were refreshed, the pool skips it and
# no new room is placed there
kill -9 "${pid[c]}"
wait "${pid[c]}" 2>/dev/null
pid[c]=
end=$((SECONDS + 10))
while [[ -n $(redis-cli -s "$dir/redis/redis.sock" EXISTS ratsaal:node:c | grep -x 1) ]] && ((SECONDS < end)); do sleep 0.2; done
sleep 1.5
bad=
for i in 1 2 3 4; do
  r=$(node tests/ops/lb_join.js "$lb" "after$i")
  [[ $(field "$r" event) == joined && $(field "$r" via) != *"/n/c"* ]] || bad+="$r
"
done
if [[ -z $bad ]]; then ok "c killed: four new rooms joined through the pool open on a or b"
else notok "c killed: new rooms joined through the pool open on a or b" "$bad"; fi
if [[ $(curl -s -o /dev/null -m 3 -w '%{http_code}' "$lb/n/c/healthz") == 502 ]]; then
  ok "... while /n/c/ answers 502 (no other node stands in for a pinned route)"
else notok "... while /n/c/ answers 502"; fi

# HAProxy in front instead, with active health checks: node d lives (/healthz 200) but is
# never ready (its Redis does not exist: /readyz 503), so it must get no joins from the pool.
# (nginx would send d its share: d answers them `moved` without a URL, retry in 2 s.)
mkdir -p "$dir/d"
sed -e "s|^cluster_redis = .*|cluster_redis = unix:$dir/nowhere.sock|" -e "s|^cluster_node_id = .*|cluster_node_id = d|" \
  -e "s|^listen = .*|listen = 127.0.0.1:${port[d]}|" -e "s|^udp_port = .*|udp_port = ${port[d]}|" \
  -e "s|^data_dir = .*|data_dir = $dir/d|" -e "s|^cluster_public_url = .*|cluster_public_url = $lb/n/d|" "$dir/a.conf" >"$dir/d.conf"
"$server" serve --config "$dir/d.conf" >"$dir/d.log" 2>&1 &
pid[d]=$!
# on nginx's address: the nodes' public_url and cluster_public_url name it
scripts/lb-test.sh stop "$dir/lb"
hap=$(LB_PORT=${lb##*:} LB_KIND=haproxy scripts/lb-test.sh start "$dir/haproxy" a=127.0.0.1:${port[a]} \
  b=127.0.0.1:${port[b]} d=127.0.0.1:${port[d]} 2>"$dir/haproxy.err")
if [[ $hap == "$lb" ]]; then ok "HAProxy replaces nginx ($hap) in front of a, b and d (alive, never ready)"
else notok "HAProxy started" "$(cat "$dir/haproxy.err")"; fi
end=$((SECONDS + 10))
until [[ $(curl -s -m 2 "$hap/n/d/readyz" | grep -o '"reason":"redis"') ]] || ((SECONDS >= end)); do sleep 0.2; done
sleep 2.5 # two failed checks (1 s apart) take d out of the pool
bad=
for i in 1 2 3 4 5 6; do
  r=$(node tests/ops/lb_join.js "$hap" "hap$i")
  [[ $(field "$r" event) == joined && $(field "$r" via) != *"/n/d"* ]] || bad+="$r
"
done
if [[ -z $bad ]]; then ok "... six new rooms joined through HAProxy's pool open on a or b"
else notok "... six new rooms joined through HAProxy's pool open on a or b" "$bad"; fi
n_d=$(grep -c 'signaling event=connected' "$dir/d.log")
if [[ $n_d == 0 ]]; then ok "... and no join reached d (its /readyz check keeps it out of the pool)"
else notok "... and no join reached d" "$n_d signaling connections on d"; fi
r=$(curl -s -m 2 "$hap/n/d/readyz")
if [[ $(field "$r" reason) == redis && $(field "$(curl -s -m 2 "$hap/n/b/healthz")" status) == ok ]]; then
  ok "... while /n/d/ still reaches d (checked with /healthz), prefix stripped"
else notok "... while /n/d/ still reaches d" "$r"; fi
r=$(node tests/ops/lb_join.js "$hap" fresh1)
if [[ $(field "$r" event) == joined && ($(field "$r" via) == *"/n/$to" || $(field "$r" via) == "$hap") ]]; then
  ok "... and a join to the room on $to through HAProxy ends there (WebSocket through both routes)"
else notok "... and a join to the room on $to through HAProxy ends there" "$r"; fi

# docs/operations.md shows the configuration these tests run (scripts/lb-test.sh routes)
missing=$({ scripts/lb-test.sh routes a=10.0.8.11:8080 b=10.0.8.12:8080 c=10.0.8.13:8080
  scripts/lb-test.sh haproxy-routes meet.example.org a=10.0.8.11:8080 b=10.0.8.12:8080 c=10.0.8.13:8080; } |
  grep -v '^#--server--$' | sed 's/^ *//' | while IFS= read -r l; do
    grep -qxF -- "$l" <(sed 's/^ *//' docs/operations.md) || echo "$l"
  done)
if [[ -z $missing ]]; then ok "docs/operations.md shows the load balancer's configuration the tests use"
else notok "docs/operations.md shows the load balancer's configuration the tests use" "missing: $missing"; fi

errors=$(grep -h ' error ' "$dir"/[abc].log | head -5)
if [[ -z $errors ]]; then ok "no error lines in the servers' logs"; else notok "no error lines in the servers' logs" "$errors"; fi
finish
