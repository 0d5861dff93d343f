#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The cascade's relay link over TLS (docs/cluster.md section 11), with real servers and no
# browser: a throwaway redis-server and PostgreSQL, a throwaway CA made here with `openssl` and
# a server certificate for 127.0.0.1 signed by it, and three `bin/ratsaal serve`:
#   a  serves TLS itself (tls_cert/tls_key), cluster_public_url = https://127.0.0.1:<port>;
#   b  plain HTTP, cluster_ca_file = the throwaway CA;
#   c  plain HTTP, no cluster_ca_file (the system's CA store, which does not know that CA).
# The chair is the load generator (bench/ratsaal-load --podium --audio-only: joins, switches
# podium mode on, publishes Opus) on a, through tests/ops/tls_forward.js (it speaks plain
# WebSocket only). Checks:
#   - an audience member joining through b is served by b, whose relay joins a over wss: a has
#     ratsaal_cascade_relay_subscribers 1, b ratsaal_cascade_uplinks 1 and receives RTP over it;
#   - an audience member joining through c: c's relay fails the certificate check, logs
#     `event=link_connect_failed why=certificate_not_verified` with OpenSSL's reason, its
#     ratsaal_cascade_failures_total rises with each attempt, and a never gets a second relay
#     subscriber;
#   - b logged no failed link;
#   - a cluster_ca_file that holds no certificate refuses the start with one line naming it.
# Needs `make all bench/ratsaal-load`, redis-server, PostgreSQL's server binaries, node and
# openssl. Takes about 20 s. RATSAAL_BIN runs another server binary. Prints TAP-like lines and
# `# pass N`, `# fail N`; exits 1 on a failure. Everything it starts is stopped (by PID) and its
# directory removed at exit (KEEP_DIR=1 keeps it, with the servers' logs).
set -uo pipefail
cd "$(dirname "$0")/../.."

. tests/ops/lib.sh

server=${RATSAAL_BIN:-bin/ratsaal}
for tool in redis-server node openssl; do
  command -v $tool >/dev/null || { notok "$tool is installed"; finish; }
done
if [[ ! -x $server || ! -x bench/ratsaal-load ]]; then
  notok "the server ($server) and the load generator are built" "run: make all bench/ratsaal-load"
  finish
fi

dir=$(mktemp -d -p /tmp)
chmod 755 "$dir" # PostgreSQL runs as its own user when this runs as root
declare -A pid port udp
fwd_pid=; pub_pid=; aud_b=; aud_c=
cleanup() {
  for p in $aud_c $aud_b $pub_pid $fwd_pid; do kill "$p" 2>/dev/null; done
  for k in a b c; do [[ -n ${pid[$k]:-} ]] && kill -9 "${pid[$k]}" 2>/dev/null; done
  wait 2>/dev/null
  stop_stores "$dir"
  [[ -n ${KEEP_DIR:-} ]] && echo "# kept $dir" || rm -rf "$dir"
}
trap cleanup EXIT

start_stores "$dir"

# a CA for this run only, and a certificate for 127.0.0.1 (an IP address SAN: what the relay
# checks the name against) that it signs; EC P-256 keys, quick to make
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
if openssl req -x509 "${ec[@]}" -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 \
     -subj "/CN=ratsaal cascade test CA" -addext "basicConstraints=critical,CA:TRUE" \
     -addext "keyUsage=critical,keyCertSign,cRLSign" >"$dir/openssl.log" 2>&1 &&
   openssl req -new "${ec[@]}" -keyout "$dir/a.key" -out "$dir/a.csr" -subj "/CN=127.0.0.1" \
     >>"$dir/openssl.log" 2>&1 &&
   printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
     >"$dir/a.ext" &&
   openssl x509 -req -in "$dir/a.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
     -days 2 -extfile "$dir/a.ext" -out "$dir/a.pem" >>"$dir/openssl.log" 2>&1; then
  ok "a throwaway CA and a certificate for 127.0.0.1 signed by it"
else
  notok "a throwaway CA and a certificate for 127.0.0.1 signed by it" "$(cat "$dir/openssl.log")"
  finish
fi

# recordings_dir and live_dir are one directory for all nodes (docs/cluster.md "Shared directories")
mkdir -p "$dir/shared/recordings" "$dir/shared/live"
read -r -a ports < <(free_ports 7)
i=0
for k in a b c; do
  port[$k]=${ports[$i]}; udp[$k]=${ports[$((i + 3))]}; i=$((i + 1))
  mkdir -p "$dir/$k"
  scheme=http
  extra=
  case $k in
    a) scheme=https; extra="tls_cert = $dir/a.pem"$'\n'"tls_key = $dir/a.key" ;;
    b) extra="cluster_ca_file = $dir/ca.pem" ;;
  esac
  cat >"$dir/$k.conf" <<EOF
listen = 127.0.0.1:${port[$k]}
data_dir = $dir/$k
recordings_dir = $dir/shared/recordings
live_dir = $dir/shared/live
udp_port = ${udp[$k]}
media_workers = 1
store = $pg
cluster_redis = $redis
cluster_node_id = $k
cluster_public_url = $scheme://127.0.0.1:${port[$k]}
cluster_secret = cascade-tls-test-secret-0123456789abcdef
join_rate_per_min = 1000
$extra
EOF
  "$server" serve --config "$dir/$k.conf" >"$dir/$k.log" 2>&1 &
  pid[$k]=$!
done
fwd_port=${ports[6]}

url() { [[ $1 == a ]] && echo "https://127.0.0.1:${port[a]}" || echo "http://127.0.0.1:${port[$1]}"; }
get() { curl -s -m 3 --cacert "$dir/ca.pem" "$(url "$1")$2"; }
metric() { get "$1" /metrics | awk -v n="$2" '$1 == n { print $2; f = 1; exit } END { if (!f) print "none" }'; }
ready() { [[ $(curl -s -o /dev/null -m 2 --cacert "$dir/ca.pem" -w '%{http_code}' "$(url "$1")/readyz") == 200 ]]; }
# waits up to $1 s for the command in the other arguments to succeed
wait_for() { local end=$((SECONDS + $1)); shift; until "$@"; do ((SECONDS >= end)) && return 1; sleep 0.2; done; }
all_ready() { ready a && ready b && ready c; }

if wait_for 20 all_ready; then ok "a (https, verified with the CA by curl), b and c are ready"
else notok "a (https), b and c are ready" "$(tail -3 "$dir"/[abc].log)"; finish; fi
if grep -q "event=relay_link_trust ca=$dir/ca.pem" "$dir/b.log" &&
   grep -q "event=relay_link_trust ca=system" "$dir/c.log"; then
  ok "b trusts cluster_ca_file, c the system's CA store (logged at start)"
else notok "b trusts cluster_ca_file, c the system's CA store (logged at start)" "$(grep -h relay_link_trust "$dir"/[bc].log)"; fi

# a CA file that holds no certificate (the key) stops the start, with one line naming the key
mkdir -p "$dir/bad"
sed -e "s|^cluster_ca_file = .*|cluster_ca_file = $dir/ca.key|" -e "s|^listen = .*|listen = 127.0.0.1:${ports[6]}|" \
  -e "s|^data_dir = .*|data_dir = $dir/bad|" -e "s|^cluster_node_id = .*|cluster_node_id = bad|" \
  "$dir/b.conf" >"$dir/bad.conf"
timeout 20 "$server" serve --config "$dir/bad.conf" >"$dir/bad.log" 2>&1
rc=$?
if [[ $rc -ne 0 && $rc -ne 124 ]] && grep -q "cluster_ca_file: $dir/ca.key holds no PEM certificate" "$dir/bad.log"; then
  ok "a cluster_ca_file without a certificate refuses the start, naming the key"
else notok "a cluster_ca_file without a certificate refuses the start, naming the key" "exit $rc
$(tail -3 "$dir/bad.log")"; fi

# the chair: podium mode on, publishing on a
node tests/ops/tls_forward.js "$fwd_port" "${port[a]}" "$dir/ca.pem" >"$dir/fwd.log" 2>&1 &
fwd_pid=$!
wait_for 5 grep -q listening "$dir/fwd.log"
room=cascade-tls-$$
bench/ratsaal-load --port "$fwd_port" --room "$room" --pubs 1 --subs 0 --podium --audio-only \
  --warmup 1 --duration 100000 >"$dir/pub.json" 2>"$dir/pub.err" &
pub_pid=$!
a_receives() { [[ $(metric a ratsaal_rtp_packets_in_total) =~ ^[0-9]+$ ]] && (($(metric a ratsaal_rtp_packets_in_total) > 50)); }
if wait_for 15 a_receives; then ok "the chair publishes on a with podium mode on"
else notok "the chair publishes on a with podium mode on" "$(cat "$dir/pub.err" "$dir/fwd.log"; tail -5 "$dir/a.log")"; finish; fi

# an audience member on b: b's relay joins a over wss
node tests/ops/cluster_join.js "$(url b)" "$room" 60 >"$dir/aud_b.out" 2>&1 &
aud_b=$!
wait_for 10 test -s "$dir/aud_b.out"
if grep -q '"joined"' "$dir/aud_b.out"; then ok "an audience member joins through b and stays there"
else notok "an audience member joins through b and stays there" "$(cat "$dir/aud_b.out")"; fi
relay_up() { [[ $(metric a ratsaal_cascade_relay_subscribers) == 1 && $(metric b ratsaal_cascade_uplinks) == 1 ]]; }
if wait_for 15 relay_up; then
  ok "b's relay joined a over TLS: a ratsaal_cascade_relay_subscribers 1, b ratsaal_cascade_uplinks 1"
else
  notok "b's relay joined a over TLS" "relay_subscribers on a: $(metric a ratsaal_cascade_relay_subscribers), uplinks on b: $(metric b ratsaal_cascade_uplinks)
$(grep -h 'cascade' "$dir/b.log" | tail -5)"
fi
in0=$(metric b ratsaal_cascade_packets_in_total)
sleep 1
in1=$(metric b ratsaal_cascade_packets_in_total)
if [[ $in0 =~ ^[0-9]+$ && $in1 =~ ^[0-9]+$ ]] && ((in1 > in0)); then ok "b receives the chair's audio over its uplink ($in0 -> $in1 packets)"
else notok "b receives the chair's audio over its uplink" "$in0 -> $in1"; fi

# an audience member on c: c does not trust a's certificate
f0=$(metric c ratsaal_cascade_failures_total)
node tests/ops/cluster_join.js "$(url c)" "$room" 60 >"$dir/aud_c.out" 2>&1 &
aud_c=$!
max_relays=0
c_failed_twice() {
  local r
  r=$(metric a ratsaal_cascade_relay_subscribers)
  [[ $r =~ ^[0-9]+$ ]] && ((r > max_relays)) && max_relays=$r
  local f
  f=$(metric c ratsaal_cascade_failures_total)
  [[ $f =~ ^[0-9]+$ ]] && ((f >= f0 + 2))
}
if wait_for 12 c_failed_twice; then ok "c's relay fails and is tried again: ratsaal_cascade_failures_total $f0 -> $(metric c ratsaal_cascade_failures_total)"
else notok "c's relay fails and is tried again" "failures: $f0 -> $(metric c ratsaal_cascade_failures_total)
$(grep -h 'cascade' "$dir/c.log" | tail -5)"; fi
line=$(grep -m1 'event=link_connect_failed why=certificate_not_verified' "$dir/c.log")
if [[ $line == *'reason="unable to get local issuer certificate"'* ]]; then ok "c logs the certificate's failure with its reason"
else notok "c logs the certificate's failure with its reason" "${line:-$(grep -h cascade "$dir/c.log" | tail -5)}"; fi
attempts=$(grep -c 'event=relay_connecting' "$dir/c.log")
logged=$(grep -c 'event=link_connect_failed' "$dir/c.log")
if ((attempts >= 2 && (logged == attempts || logged == attempts - 1))); then ok "one failure line per attempt ($logged lines, $attempts attempts)"
else notok "one failure line per attempt" "$logged lines, $attempts attempts"; fi
if ((max_relays == 1)) && [[ $(metric a ratsaal_cascade_relay_subscribers) == 1 ]]; then ok "a never had a relay subscriber from c"
else notok "a never had a relay subscriber from c" "at most $max_relays"; fi
if ! grep -q 'link_connect_failed\|relay_failed' "$dir/b.log"; then ok "b logged no failed link"
else notok "b logged no failed link" "$(grep -h 'link_connect_failed\|relay_failed' "$dir/b.log" | head -3)"; fi

finish
