#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The soak in `make test` (issue 17): bench/soak.sh for 60 s with 40 participants in 4 managed
# meetings — every one of them sending and receiving audio and video, chatting, raising hands,
# on and off the speakers' list, voting, leaving and coming back all the time — against the
# server built with ASan+UBSan (build/asan/ratsaal), which LeakSanitizer checks when it exits
# on SIGTERM. Fails on a leak or any other sanitizer report, an `error` line in the server's
# log, a non-zero exit of the server or of the load generator, an error the generator counted
# (a refusal the protocol allows is not one), a participant stuck (in the server's lists but
# not in the room, "reconnecting" after a clean close, in the room but not listed, a hand or
# a place on the speakers' list the server and the participant disagree on, media that did not
# renegotiate), a vote not closed or not counting exactly the ballots acknowledged, or gauges
# that do not return to zero when everyone has left. The 10-minute run is in docs/robustness.md.
#
# Needs `make build/asan/ratsaal bench/ratsaal-load` (and ffmpeg, once, for the video it sends).
# SOAK_DURATION, SOAK_MEDIA (senders per room, default all), SOAK_OUT and SOAK_SERVER (another
# server binary) change the run.
# Prints TAP-like lines (ok/not ok) and `# pass N`, `# fail N`; exits 1 on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [[ -n ${2:-} ]] && sed 's/^/  # /' <<<"$2"; }
finish() { echo "# pass $((n - fails))"; echo "# fail $fails"; [[ $fails -eq 0 ]]; exit $?; }

server=${SOAK_SERVER:-build/asan/ratsaal}
out=${SOAK_OUT:-build/test-logs/soak}
if [[ ! -x $server || ! -x bench/ratsaal-load ]]; then
  notok "the server ($server) and the load generator are built" "run: make build/asan/ratsaal bench/ratsaal-load"
  finish
fi
ok "the server ($server) and the load generator are built"

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rm -rf "$out"
mkdir -p "$(dirname "$out")"
timeout 900 bench/soak.sh --server "$server" --participants 40 --rooms 4 \
  --duration "${SOAK_DURATION:-60}" --warmup 20 --media "${SOAK_MEDIA:-all}" --out "$out" \
  >"$out.txt" 2>&1
rc=$?
if [[ $rc -eq 0 ]]; then ok "bench/soak.sh passes ($(grep -m1 '^soak: [0-9]' "$out.txt" | sed 's/^soak: //'))"
else notok "bench/soak.sh passes (exit $rc)" "$(tail -25 "$out.txt")"; fi
if [[ ! -s $out/summary.json ]]; then
  notok "the soak wrote its summary" "$(tail -10 "$out.txt")"
  finish
fi

get() { # $1 = a JavaScript expression over the summary `s`
  node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(eval(process.argv[2]))' "$out/summary.json" "$1"
}
expect() { # $1 = description, $2 = expression that must be true, $3 = what to show otherwise
  if [[ $(get "$2") == true ]]; then ok "$1"; else notok "$1" "$(get "$3")"; fi
}

reports=$(cat "$out/server.log" "$out/cli.log" 2>/dev/null | grep -E 'ERROR: LeakSanitizer' | head -3)
if [[ -z $reports ]]; then ok "LeakSanitizer: no leak when the server exits"
else notok "LeakSanitizer: no leak when the server exits" "$(grep -A12 'ERROR: LeakSanitizer' "$out/server.log" | head -30)"; fi
reports=$(cat "$out/server.log" "$out/cli.log" 2>/dev/null | grep -E 'ERROR: AddressSanitizer|runtime error:' | head -3)
if [[ -z $reports ]]; then ok "AddressSanitizer and UBSan: no report"
else notok "AddressSanitizer and UBSan: no report" "$(grep -B2 -A12 -E 'ERROR: AddressSanitizer|runtime error:' "$out/server.log" | head -30)"; fi
expect "the server exits 0 on SIGTERM" 's.server_exit === 0' '"exit " + s.server_exit'
lines=$(grep -E '^[0-9-]+T[0-9:.]+Z error ' "$out/server.log" | head -5)
if [[ -z $lines ]]; then ok "no error line in the server's log ($(get 's.server_warn_lines') warn lines)"
else notok "no error line in the server's log" "$lines"; fi
expect "the load generator counted no error, no timeout, no effect missing" \
  's.errors === 0 && s.timeouts === 0 && s.effects_not_seen === 0' \
  '`errors ${s.errors}, server errors ${s.server_errors}, timeouts ${s.timeouts}, effects not seen ${s.effects_not_seen} (load.err)`'
expect "no participant stuck: the server's lists, hands and speakers' list match every participant's, media renegotiated" \
  's.stuck_participants === 0 && s.stuck_media === 0 && s.audit_problems === 0' \
  '`stuck ${s.stuck_participants}, stuck media ${s.stuck_media}, audit problems ${s.audit_problems} (soak audit lines in load.err)`'
expect "a clean close leaves at once: every participant kept for resume was a dropped socket and resumed ($(get 's.server_silent') shown reconnecting after 9 s of silence, generator's longest turn $(get 'Math.round(s.generator_longest_turn_ms)') ms)" \
  's.server_lost_not_resumed === 0 && s.server_lost <= s.leaves.drop' \
  '`kept for resume ${s.server_lost}, not resumed ${s.server_lost_not_resumed}, dropped ${s.leaves.drop}`'
expect "every vote closed, each counting exactly the ballots acknowledged" \
  's.votes > 0 && s.votes_closed === s.votes && s.vote_problems === 0' \
  '`votes ${s.votes}, closed ${s.votes_closed}, problems ${s.vote_problems}`'
expect "everyone left: no participant, room, transport or connection remains" 's.not_drained === 0' \
  '`${s.not_drained} gauges not zero (load.err)`'
expect "the meeting happened: joins and resumes, leaves of every kind, chat, hands, speakers' list, ballots" \
  's.joins > s.participants && s.resumes > 0 && s.leaves.leave > 0 && s.leaves.close > 0 && s.leaves.drop > 0 && s.chats > 0 && s.hands > 0 && s.speakers_changes > 0 && s.ballots > 0' \
  'JSON.stringify({joins: s.joins, resumes: s.resumes, leaves: s.leaves, chats: s.chats, hands: s.hands, speakers: s.speakers_changes, ballots: s.ballots})'
finish
