#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
#
# Self-test of scripts/check-floors.sh: builds small fake src/ trees in a temporary directory
# and checks the exit status and the file:line the script names. Prints `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."

check=scripts/check-floors.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# put FILE CONTENT...: writes one fake source file (lines joined by newlines)
put() {
  local file=$1
  shift
  mkdir -p "$(dirname "$file")"
  printf '%s\n' "$@" >"$file"
}

# expect NAME STATUS SRC [PATTERN...]: runs the check on SRC, wants exit STATUS and every
# PATTERN (a fixed string) in its output
expect() {
  local name=$1 want=$2 src=$3 out rc pattern ok=1
  shift 3
  out=$("$check" "$src" 2>&1)
  rc=$?
  [[ $rc -eq $want ]] || ok=0
  for pattern in "$@"; do
    grep -qF -- "$pattern" <<<"$out" || ok=0
  done
  if ((ok)); then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $rc (wanted $want), output:"
    sed 's/^/  /' <<<"$out"
  fi
}

# a clean tree: every include points down or stays in its folder; signaling -> http one way
clean=$tmp/clean/src
put "$clean/core/log.h" '#pragma once'
put "$clean/core/log.c" '#include "core/log.h"' '#include <stdio.h>'
put "$clean/store/store.c" '#include "core/log.h"'
put "$clean/room/room.h" '#include "core/log.h"'
put "$clean/sfu/sfu.c" '#include "room/room.h"' '#include "core/log.h"'
put "$clean/http/server.h" '#include "room/room.h"'
put "$clean/signaling/session.c" '#include "http/server.h"' '#include "sfu/sfu.h"'
put "$clean/sfu/sfu.h" '#include "room/room.h"'
put "$clean/main.c" '#include "http/server.h"' '#include "signaling/session.h"'
put "$clean/signaling/session.h" '#include "core/log.h"'
expect "clean tree passes" 0 "$clean" "floors: 12 includes checked, 0 violations"

# an upward include: core (floor 0) reaching up into sfu (floor 4), on line 3
up=$tmp/up/src
mkdir -p "$tmp/up" && cp -r "$clean" "$up"
put "$up/core/jobs.c" '#include "core/log.h"' '' '#include "sfu/sfu.h"'
expect "upward include fails naming file:line" 1 "$up" \
  "$up/core/jobs.c:3: core includes sfu (upward" "1 violations"

# a cycle on one floor: http includes signaling as well as signaling including http
cycle=$tmp/cycle/src
mkdir -p "$tmp/cycle" && cp -r "$clean" "$cycle"
put "$cycle/http/api.c" '#include "http/server.h"' '#include "signaling/session.h"'
expect "two-folder cycle fails, both sides" 1 "$cycle" \
  "$cycle/http/api.c:2: http includes signaling (cycle" \
  "$cycle/signaling/session.c:1: signaling includes http (cycle" "2 violations"

# siblings on floor 1 must not include each other even in one direction
side=$tmp/side/src
mkdir -p "$tmp/side" && cp -r "$clean" "$side"
put "$side/rtc/dtls.c" '#include "store/store.h"'
put "$side/store/store.h" '#pragma once'
expect "rtc including store fails" 1 "$side" "$side/rtc/dtls.c:1: rtc includes store (sideways"

# a folder on no floor is an error until it is placed deliberately
unknown=$tmp/unknown/src
mkdir -p "$tmp/unknown" && cp -r "$clean" "$unknown"
put "$unknown/media/mix.c" '#include "core/log.h"'
expect "unknown folder fails" 1 "$unknown" "$unknown/media/mix.c:1: media includes core (unknown folder media"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
