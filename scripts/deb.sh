#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Builds the Debian package build/deb/ratsaal_<version>_<arch>.deb from the built tree
# (`make deb` builds first). What goes where:
#   /usr/bin/ratsaal                       the server
#   /usr/lib/ratsaal/ratsaal-recorder      the recorder it starts (recorder_path)
#   /usr/share/ratsaal/web/                the browser client (web_root)
#   /etc/ratsaal/ratsaal.conf              the configuration (a conffile; data in /var/lib/ratsaal)
#   /lib/systemd/system/ratsaal.service    the sandboxed unit (dist/systemd/)
#   /usr/share/doc/ratsaal/                README, docs, copyright, changelog
#   /usr/share/man/man1/ratsaal.1.gz       the manual page (dist/man/ratsaal.1)
# The maintainer scripts (dist/debian/) create the system user `ratsaal` and start the unit.
# Built with dpkg-deb alone (no debhelper): the package is small and this keeps it readable.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(cat VERSION)
# DEB_MAINTAINER: who signs for the package (a name and a mail address)
maintainer=${DEB_MAINTAINER:-Ratsaal developers <dev@ratsaal.example>}
arch=$(dpkg --print-architecture)
out=build/deb
root=$out/root
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/ratsaal" "$root/usr/share/ratsaal" \
  "$root/etc/ratsaal" "$root/lib/systemd/system" "$root/usr/share/doc/ratsaal"

install -m 0755 bin/ratsaal "$root/usr/bin/ratsaal"
install -m 0755 bin/ratsaal-recorder "$root/usr/lib/ratsaal/ratsaal-recorder"
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
  "$root/usr/bin/ratsaal" "$root/usr/lib/ratsaal/ratsaal-recorder"
cp -r web "$root/usr/share/ratsaal/web"
find "$root/usr/share/ratsaal/web" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
install -m 0644 dist/systemd/ratsaal.service "$root/lib/systemd/system/ratsaal.service"
mkdir -p "$root/usr/share/man/man1"
gzip -9n <dist/man/ratsaal.1 >"$root/usr/share/man/man1/ratsaal.1.gz"
chmod 0644 "$root/usr/share/man/man1/ratsaal.1.gz"

# the example configuration with the package's paths; no meetings without an account: a packaged
# server listens on loopback behind a reverse proxy, where `auto` would let anyone the proxy
# lets through open a room (docs/security.md, finding F1)
sed -e 's|^data_dir = .*|data_dir = /var/lib/ratsaal|' \
  -e 's|^anonymous_meetings = .*|anonymous_meetings = off|' \
  -e 's|^web_root = .*|web_root = /usr/share/ratsaal/web|' \
  -e 's|^# recorder_path = .*|recorder_path = /usr/lib/ratsaal/ratsaal-recorder|' \
  conf/ratsaal.conf >"$root/etc/ratsaal/ratsaal.conf"
chmod 0640 "$root/etc/ratsaal/ratsaal.conf"
for key in 'data_dir = /var/lib/ratsaal' 'web_root = /usr/share/ratsaal/web' \
  'recorder_path = /usr/lib/ratsaal/ratsaal-recorder' 'anonymous_meetings = off'; do
  grep -qx "$key" "$root/etc/ratsaal/ratsaal.conf" || { echo "deb: conf/ratsaal.conf: cannot set $key" >&2; exit 1; }
done

doc=$root/usr/share/doc/ratsaal
install -m 0644 README.md "$doc/README.md"
mkdir -p "$doc/docs"
install -m 0644 docs/*.md "$doc/docs/"
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: ratsaal"
  echo
  echo "Files: *"
  echo "Copyright: the Ratsaal authors"
  echo "License: EUPL-1.2"
  echo
  echo "Files: usr/share/ratsaal/web/vendor/hls.min.js"
  echo "Copyright: hls.js contributors"
  echo "License: Apache-2.0"
  echo " On Debian systems, the full text of the Apache License 2.0 is in"
  echo " /usr/share/common-licenses/Apache-2.0."
  echo
  echo "License: EUPL-1.2"
  sed -e 's/^$/./' -e 's/^/ /' LICENSE
} >"$doc/copyright"
chmod 0644 "$doc/copyright"
{
  echo "ratsaal ($version) stable; urgency=medium"
  echo
  echo "  * Release $version: see README.md."
  echo
  echo " -- $maintainer  $(date -R -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)")"
} | gzip -9n >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# shared libraries from the binaries; the recorder's GStreamer plugins by name (they are
# loaded at run time, dpkg-shlibdeps cannot see them)
tmpd=$(mktemp -d)
trap 'rm -rf "$tmpd"' EXIT
mkdir -p "$tmpd/debian"
printf 'Source: ratsaal\n\nPackage: ratsaal\nArchitecture: any\n' >"$tmpd/debian/control"
shlibs=$(cd "$tmpd" && dpkg-shlibdeps -O -e"$OLDPWD/$root/usr/bin/ratsaal" \
  -e"$OLDPWD/$root/usr/lib/ratsaal/ratsaal-recorder" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[[ -n $shlibs ]] || { echo "deb: dpkg-shlibdeps found no libraries" >&2; exit 1; }
depends="$shlibs, adduser, init-system-helpers (>= 1.54~), gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, gstreamer1.0-plugins-bad, gstreamer1.0-plugins-ugly, gstreamer1.0-libav"

cat >"$root/DEBIAN/control" <<EOF
Package: ratsaal
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Section: net
Priority: optional
Description: video conferencing for councils and committees
 Ratsaal is a self-hosted video conferencing server for public administration:
 one binary with its own SFU, OIDC and local accounts, a lobby, the chair's
 tools for council sessions (speakers' list, votes, attendance, agenda,
 minutes), breakout rooms, recording with consent and livestreaming.
 .
 This package runs it as the systemd service ratsaal (sandboxed, user
 ratsaal, data in /var/lib/ratsaal, configuration in /etc/ratsaal).
EOF
echo /etc/ratsaal/ratsaal.conf >"$root/DEBIAN/conffiles"
install -m 0755 dist/debian/postinst dist/debian/prerm dist/debian/postrm "$root/DEBIAN/"
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

deb=$out/ratsaal_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
