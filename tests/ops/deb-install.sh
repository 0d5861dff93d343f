#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The Debian package on a fresh Debian 12, with systemd running the unit (issue 17): a minimal
# bookworm made by debootstrap (cached under $RATSAAL_DEB_CACHE, default
# /var/tmp/ratsaal-deb/base), a copy of it booted with systemd-nspawn in a network namespace of
# its own, and inside it:
#   1. apt install ./ratsaal_*.deb fetches the dependencies and installs;
#   2. the unit is enabled and running as the system user ratsaal, and /healthz answers;
#   3. `systemd-analyze security ratsaal.service` on the running unit rates it 2.0 or better;
#   4. the database is still there after `systemctl restart`;
#   5. ratsaal-recorder, inside the unit's sandbox, writes a playable recording;
#   6. apt remove stops the service and keeps /var/lib/ratsaal; apt purge deletes it.
# Needs root, debootstrap, systemd-container and a Debian mirror (RATSAAL_DEB_MIRROR, default
# http://deb.debian.org/debian). Not part of `make test` (minutes, and the network); the last
# run's output is in docs/robustness.md. Usage: make deb build/feeder && tests/ops/deb-install.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

mirror=${RATSAAL_DEB_MIRROR:-http://deb.debian.org/debian}
base=${RATSAAL_DEB_CACHE:-/var/tmp/ratsaal-deb/base}
deb=$(ls -t build/deb/ratsaal_*.deb 2>/dev/null | head -1)
[[ -n $deb ]] || { echo "no build/deb/ratsaal_*.deb: run make deb first" >&2; exit 2; }
[[ -x build/feeder ]] || { echo "no build/feeder: run make build/feeder first" >&2; exit 2; }
for tool in debootstrap systemd-nspawn nsenter; do
  command -v "$tool" >/dev/null || { echo "$tool missing (apt install debootstrap systemd-container)" >&2; exit 2; }
done

if [[ ! -x $base/usr/bin/apt-get ]]; then
  echo "# debootstrap bookworm into $base"
  mkdir -p "$(dirname "$base")"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,curl,ca-certificates \
    bookworm "$base" "$mirror" >/dev/null
fi

# the booted copy lives beside the cached tree (same file system: cp -a stays cheap)
root=$(mktemp -d -p "$(dirname "$base")")
nspawn_pid=
cleanup() {
  if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill "$nspawn_pid" 2>/dev/null || true
    wait "$nspawn_pid" 2>/dev/null || true
  fi
  rm -rf "$root" "$root.console"
}
trap cleanup EXIT
cp -a "$base/." "$root/"
cp "$deb" "$root/root/"
echo "ratsaal-test" >"$root/etc/hostname"

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [[ -n ${2:-} ]] && sed 's/^/  # /' <<<"$2"; }

# 1. install (network from the host: apt needs the mirror)
if out=$(systemd-nspawn -q --register=no --keep-unit -D "$root" --pipe /bin/sh -c \
  "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /root/$(basename "$deb")" 2>&1); then
  ok "apt install ./$(basename "$deb") on a fresh Debian 12 (dependencies from the mirror)"
else
  notok "apt install ./$(basename "$deb")" "$(tail -20 <<<"$out")"
  echo "# $n checks, $fails failed"; exit 1
fi

# boot the tree with systemd, in its own network namespace
systemd-nspawn -q --register=no --keep-unit --private-network -D "$root" -b </dev/null >"$root.console" 2>&1 &
nspawn_pid=$!
init=
for _ in $(seq 1 100); do
  init=$(pgrep -P "$nspawn_pid" -x systemd || true)
  [[ -n $init ]] && break
  sleep 0.2
done
[[ -n $init ]] || { notok "the container boots" "$(tail -20 "$root.console")"; exit 1; }
inside() { nsenter -t "$init" -m -u -i -n -p -- "$@"; }
for _ in $(seq 1 150); do
  state=$(inside systemctl is-system-running 2>/dev/null || true)
  [[ $state == running || $state == degraded ]] && break
  sleep 0.2
done

# 2. the service
healthz=
for _ in $(seq 1 100); do
  healthz=$(inside curl -fsS http://127.0.0.1:8080/healthz 2>/dev/null) && break
  sleep 0.2
done
active=$(inside systemctl is-active ratsaal.service || true)
enabled=$(inside systemctl is-enabled ratsaal.service || true)
user=$(inside sh -c 'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = ratsaal ] && stat -c %U $p; done' 2>/dev/null | head -1 || true)
if [[ $active == active && $enabled == enabled && -n $healthz ]]; then
  ok "ratsaal.service enabled and running after the install; /healthz: $healthz"
else
  notok "ratsaal.service enabled and running; /healthz answers" \
    "active=$active enabled=$enabled healthz=$healthz; $(inside journalctl -u ratsaal --no-pager 2>&1 | tail -15)"
fi
[[ $user == ratsaal ]] && ok "the server runs as the system user ratsaal" || notok "the server runs as ratsaal" "ps says: '$user'"
sec=$(inside systemd-analyze security --no-pager ratsaal.service 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [[ -n $sec ]] && awk -v l="$sec" 'BEGIN { exit !(l <= 2.0) }'; then
  ok "systemd-analyze security on the running unit: $sec"
else
  notok "systemd-analyze security on the running unit: 2.0 or better" "got '$sec'"
fi

# 3. the database kept across a restart
inside systemctl restart ratsaal.service
for _ in $(seq 1 100); do inside curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1 && break; sleep 0.2; done
dbfiles=$(inside sh -c 'ls /var/lib/ratsaal' 2>&1 || true)
if grep -q ratsaal.db <<<"$dbfiles" && [[ $(inside systemctl is-active ratsaal.service) == active ]]; then
  ok "after systemctl restart the service is back with its database in /var/lib/ratsaal"
else
  notok "after systemctl restart the service is back with its database" "ls: $dbfiles"
fi

# 4. the recorder under the unit's sandbox (MemoryDenyWriteExecute, the system-call filter,
# PrivateUsers …): a drop-in runs the feeder (tests/recorder/feeder.c, the SFU's stand-in) in
# the server's place; it starts ratsaal-recorder as the server does and feeds it two
# participants for 8 s into an MP4 in /var/lib/ratsaal
install -m 0755 build/feeder "$root/usr/local/bin/ratsaal-feeder"
mkdir -p "$root/etc/systemd/system/ratsaal.service.d"
cat >"$root/etc/systemd/system/ratsaal.service.d/recorder-test.conf" <<'EOF2'
[Service]
Type=oneshot
Restart=no
ExecStart=
ExecStart=/usr/local/bin/ratsaal-feeder --recorder /usr/lib/ratsaal/ratsaal-recorder --participants 2 --seconds 8 --outputs file=/var/lib/ratsaal/sandbox.mp4
EOF2
inside systemctl daemon-reload
inside systemctl stop ratsaal.service
feed_rc=0
inside systemctl start ratsaal.service || feed_rc=$?
probe=$(ffprobe -v error -show_entries stream=codec_name,width,height:format=duration -of csv=p=0 \
  "$root/var/lib/ratsaal/sandbox.mp4" 2>&1 | tr '\n' ' ' || true)
if [[ $feed_rc -eq 0 ]] && grep -q 'h264,1280,720' <<<"$probe" && grep -q 'aac' <<<"$probe"; then
  ok "the recorder inside the unit's sandbox writes H.264 1280×720 + AAC ($probe)"
else
  notok "the recorder inside the unit's sandbox writes a playable file" \
    "start: $feed_rc; ffprobe: $probe; $(inside journalctl -u ratsaal --no-pager 2>&1 | tail -15)"
fi
rm -rf "$root/etc/systemd/system/ratsaal.service.d" "$root/usr/local/bin/ratsaal-feeder"
inside systemctl daemon-reload
inside systemctl restart ratsaal.service || true

# 5. remove keeps the data, purge deletes it
inside env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq ratsaal >/dev/null 2>&1 || true
if [[ $(inside systemctl is-active ratsaal.service || true) != active ]] && inside test -e /var/lib/ratsaal/ratsaal.db; then
  ok "apt remove stops the service and keeps /var/lib/ratsaal"
else
  notok "apt remove stops the service and keeps the data"
fi
inside env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq ratsaal >/dev/null 2>&1 || true
if ! inside test -e /var/lib/ratsaal && ! inside test -e /etc/ratsaal; then
  ok "apt purge deletes /var/lib/ratsaal and /etc/ratsaal"
else
  notok "apt purge deletes the data and the configuration"
fi

inside systemctl poweroff >/dev/null 2>&1 || true
for _ in $(seq 1 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
echo "# $n checks, $fails failed"
[[ $fails -eq 0 ]]
