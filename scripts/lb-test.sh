#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# A throwaway load balancer in front of a cluster's nodes for tests (docs/cluster.md section 7,
# docs/operations.md "Cluster"): Debian's nginx (or, with LB_KIND=haproxy, HAProxy) on a
# 127.0.0.1 port, everything it writes (pid, logs, temporary files) in one directory, nothing
# under /etc or /var.
#
#   scripts/lb-test.sh start DIR [--pool ID,...] ID=ADDR:PORT ...
#                                   makes DIR (new or empty), starts nginx and prints its URL
#                                   (http://127.0.0.1:PORT); LB_PORT picks the port
#   scripts/lb-test.sh url DIR      prints the URL of the load balancer in DIR
#   scripts/lb-test.sh stop DIR     stops it and removes DIR (only a DIR `start` made)
#   scripts/lb-test.sh routes ID=ADDR:PORT ...
#                                   prints the cluster's part of the configuration (the same
#                                   text docs/operations.md shows for production)
#   scripts/lb-test.sh haproxy-routes HOST ID=ADDR:PORT ...
#                                   the same for HAProxy; HOST is the meeting host name (with
#                                   its port, if any), which the health checks send as Host
#
# Routing: `/` goes to the default pool of all nodes (or only those --pool names: a test that
# wants every join to land on one node), least connections first, the next node on a connect
# error or timeout; `/n/<ID>/` goes to node ID alone with the prefix stripped, so a node's
# cluster_public_url is http://LB/n/<ID>. WebSocket upgrades pass, reads may idle for an hour,
# X-Forwarded-For and X-Forwarded-Proto are set (the nodes need trusted_proxies = 127.0.0.1).
# HAProxy also checks the nodes actively: the pool with GET /readyz (a node that is not ready
# leaves the pool within 2 s), each pinned route with GET /healthz. nginx's open-source edition
# cannot: it passes a node over only after a connection to it failed.
# The nodes need not run yet when the balancer starts. Every wait is bounded (LB_TEST_WAIT
# seconds, default 10). Exit status: 0 done, 1 failed (the reason on stderr, with nginx's error
# log), 2 usage.
set -euo pipefail

WAIT=${LB_TEST_WAIT:-10}
MARKER=.ratsaal-lb-test # in DIR: what `stop` checks before it removes anything
NGINX=${NGINX:-/usr/sbin/nginx}
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
KIND=${LB_KIND:-nginx}

die() {
  echo "lb-test: $*" >&2
  exit 1
}

usage() {
  sed -n '8,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The cluster's part of nginx's http {} block and of its server {} block, for nodes given as
# ID=ADDR:PORT; $1 = the ids of the default pool, comma-separated ("" = all). Prints two parts
# separated by a line "#--server--": what goes into http {}, then what goes into server {}.
# Reads ID=ADDR:PORT arguments into ids[] and addrs[].
parse_nodes() {
  local spec re='^([A-Za-z0-9._-]{1,64})=([][0-9A-Za-z.:-]+:[0-9]{1,5})$'
  ids=() addrs=()
  for spec in "$@"; do
    [[ $spec =~ $re ]] || die "$spec: expected ID=ADDR:PORT (a node id of [A-Za-z0-9._-])"
    ids+=("${BASH_REMATCH[1]}")
    addrs+=("${BASH_REMATCH[2]}")
  done
  ((${#ids[@]})) || die "no nodes given"
}

in_pool() { # $1 = pool ("" = all), $2 = id
  [[ -z $1 || ",$1," == *",$2,"* ]]
}

routes() { # $1 = pool, then ID=ADDR:PORT ...
  local pool=$1
  shift
  parse_nodes "$@"
  cat <<'EOF'
# Ratsaal cluster: the default pool takes new joins and pages; /n/<node-id>/ reaches one node.
map $http_upgrade $ratsaal_connection {
    default upgrade;
    ''      close;
}
upstream ratsaal_pool {
    least_conn;
EOF
  local i in_pool=0
  for i in "${!ids[@]}"; do
    if in_pool "$pool" "${ids[$i]}"; then
      echo "    server ${addrs[$i]} max_fails=1 fail_timeout=5s;  # ${ids[$i]}"
      in_pool=$((in_pool + 1))
    fi
  done
  ((in_pool)) || die "--pool $pool names none of the nodes given"
  echo "}"
  for i in "${!ids[@]}"; do
    echo "upstream ratsaal_node_${ids[$i]//[.-]/_} { server ${addrs[$i]}; }"
  done
  echo "#--server--"
  cat <<'EOF'
# in the server {} block that terminates TLS for the meeting host name
proxy_http_version 1.1;
proxy_set_header Upgrade $http_upgrade;
proxy_set_header Connection $ratsaal_connection;
proxy_set_header Host $http_host;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_read_timeout 3600s;  # WebSockets: the client pings every 5 s, a meeting lasts hours
proxy_send_timeout 3600s;
proxy_connect_timeout 2s;  # a dead node: the next one in the pool within 2 s
location / {
    proxy_pass http://ratsaal_pool;
    proxy_next_upstream error timeout;
}
EOF
  for i in "${!ids[@]}"; do
    echo "location /n/${ids[$i]}/ {"
    echo "    proxy_pass http://ratsaal_node_${ids[$i]//[.-]/_}/;  # the trailing / strips /n/${ids[$i]}"
    echo "    proxy_next_upstream off;"
    echo "}"
  done
}

# HAProxy: the cluster's frontend and backends for nodes ID=ADDR:PORT; $1 = pool, $2 = the
# meeting host (as clients send it in Host), $3 = the frontend's bind line.
haproxy_routes() { # $1 = pool, $2 = host, $3 = bind, then ID=ADDR:PORT ...
  local pool=$1 host=$2 bind=$3 i in_pool=0
  shift 3
  parse_nodes "$@"
  [[ $host =~ ^[][A-Za-z0-9.:-]+$ ]] || die "$host: expected a host name with an optional port"
  cat <<EOF
# Ratsaal cluster: the default pool takes new joins and pages; /n/<node-id>/ reaches one node.
frontend ratsaal
    $bind
    option forwardfor  # X-Forwarded-For, for the nodes' trusted_proxies
    http-request set-header X-Forwarded-Proto https if { ssl_fc }
    http-request set-header X-Forwarded-Proto http if !{ ssl_fc }
    use_backend ratsaal_node_%[path,field(3,/)] if { path_reg ^/n/[A-Za-z0-9._-]+/ }
    default_backend ratsaal_pool
backend ratsaal_pool
    balance leastconn
    option httpchk
    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host $host
    http-check expect status 200
    retry-on conn-failure empty-response
    option redispatch
    default-server check inter 1s fall 2 rise 2
EOF
  for i in "${!ids[@]}"; do
    if in_pool "$pool" "${ids[$i]}"; then
      echo "    server ${ids[$i]} ${addrs[$i]}"
      in_pool=$((in_pool + 1))
    fi
  done
  ((in_pool)) || die "--pool $pool names none of the nodes given"
  for i in "${!ids[@]}"; do
    cat <<EOF
backend ratsaal_node_${ids[$i]}
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host $host
    http-check expect status 200
    http-request replace-path ^/n/[^/]+(/.*)\$ \1
    server ${ids[$i]} ${addrs[$i]} check inter 2s
EOF
  done
}

url_of() { # $1 = DIR
  cat "$1/url"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# HAProxy in DIR: a daemon with its pid file there, no logs (it has no file logging).
start_haproxy() { # $1 = DIR, $2 = pool, then ID=ADDR:PORT ...
  local dir=$1 pool=$2 routes_text port
  shift 2
  [[ -x $HAPROXY ]] || die "no haproxy at $HAPROXY (apt-get install haproxy)"
  port=${LB_PORT:-$(free_port)}
  routes_text=$(haproxy_routes "$pool" "127.0.0.1:$port" "bind 127.0.0.1:$port" "$@") || exit 1
  mkdir -p "$dir"
  touch "$dir/$MARKER"
  {
    echo "# written by scripts/lb-test.sh"
    haproxy_global "$dir/lb.pid"
    echo "$routes_text"
  } >"$dir/haproxy.cfg"
  echo "http://127.0.0.1:$port" >"$dir/url"
  if ! "$HAPROXY" -D -f "$dir/haproxy.cfg" -p "$dir/lb.pid" >"$dir/start.err" 2>&1; then
    cat "$dir/start.err" >&2
    rm -rf "$dir"
    die "haproxy did not start"
  fi
  wait_listening "$dir" "$port"
}

# The global and defaults sections of HAProxy's configuration; $1 = the pid file ("" = none).
haproxy_global() {
  cat <<EOF
global
    maxconn 4096
EOF
  [[ -n ${1:-} ]] && echo "    pidfile $1"
  cat <<'EOF'
defaults
    mode http
    timeout connect 2s        # a dead node: the next one in the pool within 2 s
    timeout client 1h         # meetings last hours; the client pings every 5 s
    timeout server 1h
    timeout tunnel 1h         # WebSockets after the upgrade
    timeout http-request 10s
    timeout check 2s
EOF
}

wait_listening() { # $1 = DIR, $2 = port
  local dir=$1 port=$2 deadline=$((SECONDS + WAIT))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      stop_server "$dir"
      rm -rf "$dir"
      die "the load balancer did not listen on 127.0.0.1:$port within ${WAIT} s"
    fi
    sleep 0.05
  done
  url_of "$dir"
}

start() { # $1 = DIR, then [--pool IDS] ID=ADDR:PORT ...
  local dir=$1 pool=""
  shift
  if [[ ${1:-} == --pool ]]; then
    (($# >= 2)) || usage
    pool=$2
    shift 2
  fi
  (($#)) || usage
  [[ "$dir" == /* ]] || dir="$PWD/$dir"
  [[ "$dir" =~ ^/[A-Za-z0-9._/-]+$ ]] || die "$dir: only letters, digits and . _ / - (it goes into nginx's config)"
  if [[ -e $dir ]]; then
    [[ -z "$(ls -A "$dir")" ]] || die "$dir: not empty (start needs a new or empty directory)"
  fi
  if [[ $KIND == haproxy ]]; then
    start_haproxy "$dir" "$pool" "$@"
    return
  fi
  [[ $KIND == nginx ]] || die "LB_KIND: expected nginx or haproxy"
  [[ -x $NGINX ]] || die "no nginx at $NGINX (apt-get install nginx-light)"
  local routes_text port
  routes_text=$(routes "$pool" "$@") || exit 1
  port=${LB_PORT:-$(free_port)}
  mkdir -p "$dir"
  touch "$dir/$MARKER"
  {
    cat <<EOF
# written by scripts/lb-test.sh: every path is in $dir
daemon on;
master_process off;  # one process: it keeps the caller's user, writes only here
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 512; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
EOF
    sed -n '1,/^#--server--$/p' <<<"$routes_text" | sed '$d' | sed 's/^/    /'
    cat <<EOF
    server {
        listen 127.0.0.1:$port;
EOF
    sed -n '/^#--server--$/,$p' <<<"$routes_text" | sed '1d' | sed 's/^/        /'
    echo "    }"
    echo "}"
  } >"$dir/nginx.conf"
  mkdir -p "$dir/tmp"
  echo "http://127.0.0.1:$port" >"$dir/url"
  if ! "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>"$dir/start.err"; then
    cat "$dir/start.err" >&2
    tail -20 "$dir/error.log" >&2 2>/dev/null || true
    rm -rf "$dir"
    die "nginx did not start"
  fi
  local deadline=$((SECONDS + WAIT))
  until [[ -s $dir/nginx.pid ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      tail -20 "$dir/error.log" >&2 || true
      stop_server "$dir"
      rm -rf "$dir"
      die "nginx did not listen on 127.0.0.1:$port within ${WAIT} s"
    fi
    sleep 0.05
  done
  url_of "$dir"
}

stop_server() { # $1 = DIR
  local dir=$1 pid
  pid=$(cat "$dir/nginx.pid" "$dir/lb.pid" 2>/dev/null | head -1 || true)
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 0
  if [[ -f $dir/lb.pid ]]; then
    kill -TERM "$pid" 2>/dev/null || true # HAProxy: stops at once
  else
    kill -QUIT "$pid" 2>/dev/null || true # nginx: graceful
  fi
  local deadline=$((SECONDS + WAIT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "lb-test: nginx in $dir did not stop within ${WAIT} s; killing $pid" >&2
      kill -TERM "$pid" 2>/dev/null || true
      sleep 1
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.05
  done
}

case ${1:-} in
  start)
    (($# >= 3)) || usage
    shift
    start "$@"
    ;;
  url)
    (($# == 2)) || usage
    [[ -f "$2/$MARKER" ]] || die "$2: no load balancer started by lb-test.sh"
    url_of "$2"
    ;;
  stop)
    (($# == 2)) || usage
    [[ -d "$2" ]] || die "$2: no such directory"
    [[ -f "$2/$MARKER" ]] || die "$2: not made by lb-test.sh start; not touching it"
    stop_server "$2"
    rm -rf "$2"
    ;;
  routes)
    (($# >= 2)) || usage
    shift
    routes "" "$@"
    ;;
  haproxy-routes)
    (($# >= 3)) || usage
    host=$2
    shift 2
    haproxy_global ""
    haproxy_routes "" "$host" "bind :443 ssl crt /etc/haproxy/$host.pem" "$@"
    ;;
  *)
    usage
    ;;
esac
