#!/usr/bin/env bash
# Install torwatch where systemd/torwatch.service and the Dockerfile expect it: the package in
# /opt/torwatch (production dependencies only, the built-in relay snapshot, the native capture addon
# as `npm ci` built it), the command at /usr/bin/torwatch, and the systemd unit, sysusers snippet,
# logrotate snippet and example configuration (an existing /etc/torwatch/torwatch.yml is kept).
#
# Run it as root from a checkout where `npm ci` has run (it builds dist/ and the addon):
#   sudo bash scripts/install.sh                 # then: systemctl enable --now torwatch
#   bash scripts/install.sh --root /tmp/stage    # the same tree under a staging root (packaging, tests)
# /opt rather than the checkout: the unit's ProtectHome=yes hides /home and /root from the service.
set -euo pipefail
cd "$(dirname "$0")/.."

root=/
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2:?--root needs a directory}"; shift 2 ;;
    *) echo "install.sh: unknown argument '$1' (usage: install.sh [--root DIR])" >&2; exit 2 ;;
  esac
done
root="${root%/}"

for f in dist/torwatch.js dist/shard-worker.js dist/live-worker.js node_modules data/relays/snapshot.json.gz; do
  [ -e "$f" ] || { echo "install.sh: $f is missing: run 'npm ci' in this checkout first" >&2; exit 2; }
done

opt="$root/opt/torwatch"
rm -rf "$opt"
install -d -m 0755 "$opt" "$root/usr/bin" "$root/etc/systemd/system" "$root/usr/lib/sysusers.d" "$root/etc/logrotate.d" "$root/etc/torwatch"
cp -a package.json package-lock.json README.md bin dist data native node_modules "$opt/"
# Development dependencies (compiler, test runner) are not needed to run; nothing is downloaded.
(cd "$opt" && npm prune --omit=dev --offline --no-audit --no-fund --ignore-scripts >/dev/null)
rm -rf "$opt/native/pcap-batch/build/Release/obj.target" "$opt/native/pcap-batch/build/Release/.deps"
chmod 0755 "$opt/bin/torwatch.js"
ln -sfn /opt/torwatch/bin/torwatch.js "$root/usr/bin/torwatch"

install -m 0644 systemd/torwatch.service "$root/etc/systemd/system/torwatch.service"
install -m 0644 systemd/torwatch-sysusers.conf "$root/usr/lib/sysusers.d/torwatch.conf"
install -m 0644 systemd/torwatch.logrotate "$root/etc/logrotate.d/torwatch"
[ -e "$root/etc/torwatch/torwatch.yml" ] || install -m 0644 systemd/torwatch.yml "$root/etc/torwatch/torwatch.yml"

if [ -z "$root" ]; then
  # The system user the unit runs as; a reload so systemd sees the unit (skipped where systemd is not running).
  systemd-sysusers /usr/lib/sysusers.d/torwatch.conf
  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
  echo "installed: /usr/bin/torwatch -> /opt/torwatch; start the sensor with: systemctl enable --now torwatch"
else
  echo "installed under $root: usr/bin/torwatch -> /opt/torwatch, etc/systemd/system/torwatch.service"
fi
