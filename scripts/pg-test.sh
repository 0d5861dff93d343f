#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# A throwaway PostgreSQL server for tests (the store's unit tests on PostgreSQL, scripts/test.sh):
# a fresh cluster in one directory, trust authentication, reachable only on a Unix socket in
# that directory (listen_addresses = '', no TCP), fsync off, with an empty database `ratsaal`.
#
#   scripts/pg-test.sh start DIR   makes DIR (must be new or empty), starts the server and
#                                  prints its URI: postgresql:///ratsaal?host=DIR&user=postgres
#   scripts/pg-test.sh start       the same in a new directory under /tmp; prints DIR<TAB>URI
#   scripts/pg-test.sh uri DIR     prints the URI of the server in DIR
#   scripts/pg-test.sh stop DIR    stops the server and removes DIR (only a DIR `start` made)
#
# Debian's PostgreSQL: the newest /usr/lib/postgresql/*/bin, or PG_BIN=DIR. PostgreSQL refuses
# to run as root, so as root the server runs as the `postgres` system user (DIR is handed to it);
# otherwise as the current user. Every wait is bounded (PG_TEST_WAIT seconds, default 30).
# Exit status: 0 done, 1 failed (the reason on stderr, with the server's log when it has one),
# 2 usage.
set -euo pipefail

WAIT=${PG_TEST_WAIT:-30}
MARKER=.ratsaal-pg-test # in DIR: what `stop` checks before it removes anything

die() {
  echo "pg-test: $*" >&2
  exit 1
}

usage() {
  sed -n '7,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

pg_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then
    [[ -x "$PG_BIN/pg_ctl" ]] || die "PG_BIN=$PG_BIN has no pg_ctl"
    echo "$PG_BIN"
    return
  fi
  local newest
  newest=$(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V | tail -1)
  [[ -n "$newest" && -x "$newest/pg_ctl" && -x "$newest/initdb" ]] ||
    die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
  echo "$newest"
}

# Runs "$@" as the user the server runs as, from / (the postgres user may not enter the caller's
# working directory).
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

uri_of() { # $1 = DIR
  echo "postgresql:///ratsaal?host=$1&user=postgres"
}

# DIR becomes absolute; it must be usable in a URI and a socket path as it is.
check_dir() { # $1 = DIR
  local dir=$1
  [[ "$dir" == /* ]] || die "$dir: give an absolute directory"
  [[ "$dir" =~ ^/[A-Za-z0-9._/-]+$ ]] ||
    die "$dir: only letters, digits and . _ / - (it goes into a URI and the server's options)"
  # the socket is DIR/.s.PGSQL.5432, and a Unix socket's path has at most 107 bytes
  ((${#dir} + 17 <= 107)) || die "$dir: too long for a Unix socket path (at most 90 bytes)"
}

show_log() { # $1 = DIR
  if [[ -f "$1/server.log" ]]; then
    echo "pg-test: the server's log ($1/server.log), last lines:" >&2
    tail -20 "$1/server.log" >&2
  fi
}

start() { # $1 = DIR, $2 = 1 when we made it
  local dir=$1 made=$2 bin
  bin=$(pg_bin)
  if [[ $(id -u) -eq 0 ]]; then
    getent passwd postgres >/dev/null || die "running as root, but there is no postgres user to run the server"
  fi
  if [[ "$made" != 1 ]]; then
    mkdir -p "$dir" || die "$dir: cannot create"
    [[ -z "$(ls -A "$dir")" ]] || die "$dir: not empty (start needs a new or empty directory)"
  fi
  touch "$dir/$MARKER"
  chmod 700 "$dir"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$dir"
    as_pg test -w "$dir" ||
      die "$dir: the postgres user cannot reach it (a parent directory is closed to it); use one under /tmp"
  fi
  if ! as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
      >"$dir/initdb.log" 2>&1; then
    tail -20 "$dir/initdb.log" >&2
    die "initdb failed in $dir/data"
  fi
  # -k: the socket directory; listen_addresses '': no TCP at all
  if ! as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t "$WAIT" \
      -o "-k $dir -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null; then
    show_log "$dir"
    die "the server in $dir did not start within ${WAIT} s"
  fi
  if ! as_pg "$bin/psql" -X -q -h "$dir" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c "CREATE DATABASE ratsaal" >/dev/null; then
    show_log "$dir"
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t "$WAIT" stop >/dev/null 2>&1 || true
    die "could not create the database ratsaal in the server in $dir"
  fi
}

stop() { # $1 = DIR
  local dir=$1 bin pid
  [[ -d "$dir" ]] || die "$dir: no such directory"
  [[ -f "$dir/$MARKER" ]] || die "$dir: not made by pg-test.sh start; not touching it"
  bin=$(pg_bin)
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    if ! as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t "$WAIT" stop >/dev/null 2>&1; then
      # still up after the wait: end the postmaster itself (its pid is the file's first line)
      pid=$(head -1 "$dir/data/postmaster.pid" 2>/dev/null || true)
      if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        echo "pg-test: the server in $dir did not stop within ${WAIT} s; killing $pid" >&2
        kill -KILL "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
    fi
  fi
  rm -rf "$dir"
}

# shellcheck source=lib/test-server.sh
source "$(dirname "$0")/lib/test-server.sh"
test_server_cli uri uri_of "$@"
