#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# A throwaway Redis server for tests (the cluster's unit tests, tests/unit/cluster/): reachable
# only on a Unix socket in one directory (port 0: no TCP), no persistence (no RDB, no AOF).
#
#   scripts/redis-test.sh start DIR   makes DIR (must be new or empty), starts the server and
#                                     prints its URL: unix:DIR/redis.sock
#   scripts/redis-test.sh start       the same in a new directory under /tmp; prints DIR<TAB>URL
#   scripts/redis-test.sh url DIR     prints the URL of the server in DIR
#   scripts/redis-test.sh stop DIR    stops the server and removes DIR (only a DIR `start` made)
#
# The tests read the URL from RATSAAL_TEST_REDIS. The server's config file is DIR/redis.conf:
# a test that shuts the server down (SHUTDOWN NOSAVE) starts it again with
# `redis-server DIR/redis.conf` (it daemonizes; `stop` still finds it by DIR/redis.pid).
# Debian's redis-server (apt-get install redis-server). Every wait is bounded (REDIS_TEST_WAIT
# seconds, default 10). Exit status: 0 done, 1 failed (the reason on stderr, with the server's
# log when it has one), 2 usage.
set -euo pipefail

WAIT=${REDIS_TEST_WAIT:-10}
MARKER=.ratsaal-redis-test # in DIR: what `stop` checks before it removes anything

die() {
  echo "redis-test: $*" >&2
  exit 1
}

usage() {
  sed -n '6,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

url_of() { # $1 = DIR
  echo "unix:$1/redis.sock"
}

# DIR becomes absolute; it must be usable in a URL and a config file as it is.
check_dir() { # $1 = DIR
  local dir=$1
  [[ "$dir" == /* ]] || die "$dir: give an absolute directory"
  [[ "$dir" =~ ^/[A-Za-z0-9._/-]+$ ]] ||
    die "$dir: only letters, digits and . _ / - (it goes into a URL and the server's config)"
  # the socket is DIR/redis.sock, and a Unix socket's path has at most 107 bytes
  ((${#dir} + 11 <= 107)) || die "$dir: too long for a Unix socket path (at most 96 bytes)"
}

show_log() { # $1 = DIR
  if [[ -f "$1/redis.log" ]]; then
    echo "redis-test: the server's log ($1/redis.log), last lines:" >&2
    tail -20 "$1/redis.log" >&2
  fi
}

ping() { # $1 = DIR
  [[ "$(timeout 2 redis-cli -s "$1/redis.sock" PING 2>/dev/null)" == PONG ]]
}

pid_of() { # $1 = DIR; prints the server's pid if it runs
  local pid
  pid=$(cat "$1/redis.pid" 2>/dev/null || true)
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    echo "$pid"
  fi
}

start() { # $1 = DIR, $2 = 1 when we made it
  local dir=$1 made=$2
  command -v redis-server >/dev/null || die "no redis-server (apt-get install redis-server)"
  command -v redis-cli >/dev/null || die "no redis-cli (apt-get install redis-tools)"
  if [[ "$made" != 1 ]]; then
    mkdir -p "$dir" || die "$dir: cannot create"
    [[ -z "$(ls -A "$dir")" ]] || die "$dir: not empty (start needs a new or empty directory)"
  fi
  touch "$dir/$MARKER"
  chmod 700 "$dir"
  cat >"$dir/redis.conf" <<EOF
# written by scripts/redis-test.sh
port 0
unixsocket $dir/redis.sock
unixsocketperm 700
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
dir $dir
save ""
appendonly no
databases 16
EOF
  redis-server "$dir/redis.conf" >/dev/null 2>&1 || {
    show_log "$dir"
    die "redis-server did not start in $dir"
  }
  local deadline=$((SECONDS + WAIT))
  until ping "$dir"; do
    if ((SECONDS >= deadline)); then
      show_log "$dir"
      stop_server "$dir"
      die "the server in $dir did not answer within ${WAIT} s"
    fi
    sleep 0.05
  done
}

stop_server() { # $1 = DIR
  local dir=$1 pid
  pid=$(pid_of "$dir")
  [[ -n "$pid" ]] || return 0
  kill -CONT "$pid" 2>/dev/null || true # a test may have left it stopped (SIGSTOP)
  timeout 2 redis-cli -s "$dir/redis.sock" SHUTDOWN NOSAVE >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + WAIT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "redis-test: the server in $dir did not stop within ${WAIT} s; killing $pid" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.05
  done
}

stop() { # $1 = DIR
  local dir=$1
  [[ -d "$dir" ]] || die "$dir: no such directory"
  [[ -f "$dir/$MARKER" ]] || die "$dir: not made by redis-test.sh start; not touching it"
  stop_server "$dir"
  rm -rf "$dir"
}

# shellcheck source=lib/test-server.sh
source "$(dirname "$0")/lib/test-server.sh"
test_server_cli url url_of "$@"
