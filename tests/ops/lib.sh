# SPDX-License-Identifier: EUPL-1.2
# Shared by tests/ops/*.test.sh that start their own servers (sourced, not run): TAP-like
# output, free loopback ports, and a throwaway redis-server and PostgreSQL in the test's
# directory. The older scripts (cluster.test.sh, cluster_lb.test.sh, soak.test.sh) still carry
# their own copies of these lines.

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [[ -n ${2:-} ]] && sed 's/^/  # /' <<<"$2"; }
finish() { echo "# pass $((n - fails))"; echo "# fail $fails"; [[ $fails -eq 0 ]]; exit $?; }

# Prints $1 free TCP port numbers on 127.0.0.1 (the same numbers serve for UDP in practice).
free_ports() {
  python3 -c '
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# Starts redis-server in $1/redis and PostgreSQL in $1/pg; sets $redis and $pg to their URLs.
# On failure reports it and finishes the test. stop_stores $1 stops both.
start_stores() {
  redis=$(scripts/redis-test.sh start "$1/redis" 2>"$1/redis.err") || {
    notok "redis-server starts" "$(cat "$1/redis.err")"
    finish
  }
  pg=$(scripts/pg-test.sh start "$1/pg" 2>"$1/pg.err") || {
    notok "PostgreSQL starts" "$(tail -5 "$1/pg.err")"
    finish
  }
}
stop_stores() {
  scripts/redis-test.sh stop "$1/redis" >/dev/null 2>&1
  scripts/pg-test.sh stop "$1/pg" >/dev/null 2>&1
}
