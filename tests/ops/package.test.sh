#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The Debian package and the systemd unit (issue 17, "Hardening and operations"), checked
# without installing anything on this machine:
#   1. scripts/deb.sh builds build/deb/ratsaal_<version>_<arch>.deb with the files where the
#      package says they are, the configuration as a conffile with the package's paths, and
#      the libraries and GStreamer plugins as dependencies;
#   2. lintian reports no error (E:);
#   3. the unit's sandbox rates 2.0 or better in `systemd-analyze security --offline=true`,
#      and the same check refuses a unit without the sandbox;
#   4. the packaged server, unpacked with dpkg -x, starts with the packaged configuration
#      (paths moved under the unpacked tree) and serves /healthz and the packaged client.
# The install on a fresh Debian 12 with systemd running the unit is tests/ops/deb-install.sh
# (it needs a network mirror and minutes; docs/robustness.md has its last run).
# Prints TAP-like lines (ok/not ok) and `# pass N`, `# fail N` as node's TAP does; exits 1 on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [[ -n ${2:-} ]] && sed 's/^/  # /' <<<"$2"; }
check() { # $1 = description; the rest = a command that must succeed
  local d=$1 out; shift
  if out=$("$@" 2>&1); then ok "$d"; else notok "$d" "$out"; fi
}

tmp=$(mktemp -d)
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# 1. build and contents
if deb=$(scripts/deb.sh 2>"$tmp/deb.err" | tail -1) && [[ -f $deb ]]; then
  ok "scripts/deb.sh builds $deb"
else
  notok "scripts/deb.sh builds the package" "$(cat "$tmp/deb.err")"
  echo "# pass $((n - fails))"; echo "# fail $fails"; exit 1
fi
contents=$(dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's|^\./|/|')
missing=()
for f in /usr/bin/ratsaal /usr/lib/ratsaal/ratsaal-recorder /usr/share/ratsaal/web/index.html \
  /usr/share/ratsaal/web/room.html /usr/share/ratsaal/web/vendor/hls.min.js /etc/ratsaal/ratsaal.conf \
  /lib/systemd/system/ratsaal.service /usr/share/doc/ratsaal/copyright /usr/share/doc/ratsaal/changelog.gz \
  /usr/share/man/man1/ratsaal.1.gz; do
  grep -qx "$f" <<<"$contents" || missing+=("$f")
done
if ((${#missing[@]} == 0)); then ok "the package holds the server, the recorder, the client, the unit, the config and the docs"
else notok "the package holds every file" "missing: ${missing[*]}"; fi
dpkg-deb -x "$deb" "$tmp/root"
dpkg-deb -e "$deb" "$tmp/DEBIAN"
check "the configuration is a conffile" grep -qx /etc/ratsaal/ratsaal.conf "$tmp/DEBIAN/conffiles"
conf=$tmp/root/etc/ratsaal/ratsaal.conf
check "the configuration has the package's paths (data, client, recorder) and no meetings without an account" bash -c \
  "grep -qx 'data_dir = /var/lib/ratsaal' '$conf' && grep -qx 'web_root = /usr/share/ratsaal/web' '$conf' &&
   grep -qx 'recorder_path = /usr/lib/ratsaal/ratsaal-recorder' '$conf' && grep -qx 'anonymous_meetings = off' '$conf'"
depends=$(dpkg-deb -f "$deb" Depends)
check "Depends: the shared libraries, adduser and the recorder's GStreamer plugins" bash -c \
  "for p in libwebsockets17 libsrtp2-1 libjansson4 libsqlite3-0 libgstreamer1.0-0 adduser gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav; do
     grep -q \"\\b\$p\\b\" <<<'$depends' || { echo \"no \$p in: $depends\"; exit 1; }; done"

# 2. lintian
if command -v lintian >/dev/null; then
  lint=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v 'running with root privileges')
  errors=$(grep '^E:' <<<"$lint" || true)
  if [[ -z $errors ]]; then ok "lintian: no errors ($(grep -c '^W:' <<<"$lint") warnings)"
  else notok "lintian: no errors" "$errors"; fi
else
  notok "lintian is installed (scripts/deps.sh)"
fi

# 3. the sandbox's rating, and that the check can refuse
exposure() { # $1 = unit file; prints the overall exposure level (0.0 best .. 10.0)
  systemd-analyze security --offline=true --no-pager "$1" 2>/dev/null |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
level=$(exposure dist/systemd/ratsaal.service)
if [[ -n $level ]] && awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
  ok "systemd-analyze security rates the unit $level (2.0 or better)"
else
  notok "systemd-analyze security rates the unit 2.0 or better" "got: ${level:-nothing} $(systemd-analyze security --offline=true --no-pager dist/systemd/ratsaal.service 2>&1 | tail -3)"
fi
mkdir -p "$tmp/weak"
grep -Ev '^(NoNewPrivileges|CapabilityBoundingSet|AmbientCapabilities|Protect|Private|Restrict|LockPersonality|MemoryDenyWriteExecute|RemoveIPC|KeyringMode|DevicePolicy|SystemCall|ProcSubset|UMask)' \
  dist/systemd/ratsaal.service >"$tmp/weak/ratsaal.service"
weak=$(exposure "$tmp/weak/ratsaal.service")
if [[ -n $weak ]] && awk -v l="$weak" 'BEGIN { exit !(l > 2.0) }'; then
  ok "the same check refuses the unit without its sandbox ($weak)"
else
  notok "the same check refuses the unit without its sandbox" "got: ${weak:-nothing}"
fi

# 4. the unpacked server with the packaged configuration
root=$tmp/root
mkdir -p "$tmp/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|^data_dir = .*|data_dir = $tmp/data|" -e "s|^web_root = .*|web_root = $root/usr/share/ratsaal/web|" \
  -e "s|^recorder_path = .*|recorder_path = $root/usr/lib/ratsaal/ratsaal-recorder|" \
  -e "s|^listen = .*|listen = 127.0.0.1:$port|" -e "s|^udp_port = .*|udp_port = $((port % 20000 + 40000))|" \
  "$conf" >"$tmp/ratsaal.conf"
"$root/usr/bin/ratsaal" serve --config "$tmp/ratsaal.conf" >"$tmp/server.log" 2>&1 &
server_pid=$!
up=0
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >"$tmp/healthz" 2>/dev/null; then up=1; break; fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if ((up)); then ok "the packaged server starts with the packaged configuration and answers /healthz"
else notok "the packaged server answers /healthz" "$(tail -20 "$tmp/server.log")"; fi
if ((up)) && curl -fsS "http://127.0.0.1:$port/" | grep -q '<html'; then
  ok "it serves the packaged browser client"
else
  notok "it serves the packaged browser client" "$(tail -5 "$tmp/server.log")"
fi
kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
rc=$?
server_pid=
if [[ $rc -eq 0 ]]; then ok "it stops cleanly on SIGTERM"; else notok "it stops cleanly on SIGTERM (exit $rc)" "$(tail -5 "$tmp/server.log")"; fi

echo "# pass $((n - fails))"
echo "# fail $fails"
[[ $fails -eq 0 ]]
