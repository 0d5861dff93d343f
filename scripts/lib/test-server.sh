# SPDX-License-Identifier: EUPL-1.2
# The command line both throwaway test servers share (scripts/pg-test.sh, scripts/redis-test.sh);
# sourced, not run. The caller defines die, usage, check_dir DIR, start DIR MADE, stop DIR, its
# address function (uri_of or url_of DIR) and MARKER, then calls
#   test_server_cli ADDR_CMD ADDR_FN "$@"
# which runs `start [DIR]`, `ADDR_CMD DIR` (e.g. `uri DIR`) or `stop DIR`.

test_server_cli() { # $1 = the address command's name, $2 = the address function, then the args
  # dir is global: the EXIT traps below run after this function has returned
  local addr_cmd=$1 addr_fn=$2
  shift 2
  case ${1:-} in
    start)
      (($# <= 2)) || usage
      if (($# == 2)); then
        dir=$2
        [[ "$dir" == /* ]] || dir="$PWD/$dir"
        check_dir "$dir"
        if [[ ! -e "$dir" ]]; then # made here: a failed start removes it again
          trap '[[ $? -eq 0 ]] || rm -rf "$dir"' EXIT
        fi
        start "$dir" 0
        trap - EXIT
        "$addr_fn" "$dir"
      else
        # a new directory under /tmp (reachable for the postgres user), named by mktemp
        dir=$(mktemp -d -p /tmp) || die "mktemp failed"
        trap '[[ $? -eq 0 ]] || rm -rf "$dir"' EXIT # a failed start leaves nothing behind
        check_dir "$dir"
        start "$dir" 1
        trap - EXIT
        printf '%s\t%s\n' "$dir" "$("$addr_fn" "$dir")"
      fi
      ;;
    "$addr_cmd")
      (($# == 2)) || usage
      [[ -f "$2/$MARKER" ]] || die "$2: no server started by $(basename "$0")"
      "$addr_fn" "$2"
      ;;
    stop)
      (($# == 2)) || usage
      stop "$2"
      ;;
    *)
      usage
      ;;
  esac
}
