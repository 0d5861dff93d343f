#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
#
# A stand-in for ratsaal-recorder in the unit tests (tests/unit/room/test_recording.c): it
# speaks the control protocol of docs/recording.md on fd 3 without any media.
#
#   fake_recorder.sh --control-fd 3 --data-fd 4
#
# Every line it reads is appended to the file named by RS_FAKE_RECORDER_LOG (when set). It
# answers {"ev":"ready"} after "start", writes a few bytes to a file output's path, and after
# "stop" reports the file output stopped and {"ev":"stopped"}, then exits 0. On EOF it exits 0.
# RS_FAKE_RECORDER_MODE changes that:
#   die     exit 3 right after reading "start" (a crash)
#   silent  never answer anything (and never exit on stop)
#   fatal   answer "start" with {"ev":"error","fatal":true,"message":"encoder gone"} (or with
#           the line in RS_FAKE_RECORDER_FATAL when set)
#   chatty  answer "start" with a stats line, never with "ready"
#   deaf    read nothing at all (sleeps; a recorder that does not take its commands)
#   fds     log its open descriptors ("fds: 0 1 2 3 4 255", 255 being bash's script) first
set -u
log=${RS_FAKE_RECORDER_LOG:-/dev/null}
mode=${RS_FAKE_RECORDER_MODE:-normal}
file=""
say() { printf '%s\n' "$1" >&3 2>/dev/null || true; }

if [[ $mode == deaf ]]; then
  exec sleep 60
fi
if [[ $mode == fds ]]; then
  fds=(/proc/$$/fd/*)
  printf 'fds: %s\n' "$(printf '%s\n' "${fds[@]##*/}" | sort -n | tr '\n' ' ')" >>"$log"
fi

while IFS= read -r line <&3; do
  printf '%s\n' "$line" >>"$log"
  case "$line" in
    *'"cmd":"start"'*)
      case "$mode" in
        die) exit 3 ;;
        silent) ;;
        fatal) say "${RS_FAKE_RECORDER_FATAL:-{\"ev\":\"error\",\"fatal\":true,\"message\":\"encoder gone\"\}}" ;;
        chatty) say '{"ev":"stats","tracks":0,"dropped":0,"keyframe_requests":0}' ;;
        *) say '{"ev":"ready"}' ;;
      esac
      ;;
    *'"cmd":"output_add"'*'"type":"file"'*)
      if [[ $line =~ \"path\":\"([^\"]*)\" ]]; then
        file=${BASH_REMATCH[1]}
        printf 'fake-mp4-data' >"$file"
      fi
      ;;
    *'"cmd":"stop"'*)
      [[ $mode == silent ]] && continue
      if [[ -n $file ]]; then
        say "{\"ev\":\"output\",\"id\":\"file\",\"state\":\"stopped\",\"bytes\":$(stat -c %s "$file"),\"duration_ms\":1000}"
      fi
      say '{"ev":"stopped"}'
      exit 0
      ;;
  esac
done
exit 0
