#!/usr/bin/env bash
# syslog-ng as a second syslog receiver for the output tests. Debian's syslog-ng-core conflicts with
# rsyslog (both provide system-log-daemon), so it cannot be installed beside it; its libraries can.
# This installs the libraries with apt, downloads the package with `apt-get download` and unpacks it
# with `dpkg-deb -x` into .cache/syslog-ng/ (git-ignored). The tests run it from there
# (test/support/receivers.ts: LD_LIBRARY_PATH and --module-path point into the tree). Needs root for apt.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/syslog-ng
if [ -x "$dest/usr/sbin/syslog-ng" ]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
# syslog-ng-core's Depends other than libc/glib/ssl/systemd, which the rest of .ci/run already has.
apt-get install -y -q --no-install-recommends libivykis0 libnet1 libpcre3 libwrap0 libjson-c5 libcap2 libglib2.0-0 >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp"   # apt-get download drops to the _apt user
(cd "$tmp" && apt-get download -q syslog-ng-core >/dev/null)
mkdir -p "$dest"
dpkg-deb -x "$tmp"/syslog-ng-core_*.deb "$dest"
"$dest/usr/sbin/syslog-ng" --version >/dev/null 2>&1 || LD_LIBRARY_PATH="$dest/usr/lib/syslog-ng" "$dest/usr/sbin/syslog-ng" --version | head -1
echo "syslog-ng unpacked into $dest"
