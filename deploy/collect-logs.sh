#!/bin/sh
# Gather what support needs to look into a kiosk problem, and nothing about
# the applicants: versions, the state of each service, /healthz, the disk,
# the printer queue, and the logs of Guichet's services over DAYS days
# (default 7). Usage:
#
#   sudo /opt/guichet/current/deploy/collect-logs.sh [DAYS] > guichet-logs.txt
#
# What is left out, and why: the application's data (/var/lib/guichet), the
# browser's output (it may name the pages an applicant opened: only systemd's
# lines about the screen's starts and crashes are kept), print jobs (CUPS
# keeps none), USBGuard's log (serial numbers of the devices people plugged
# in). Guichet's own log lines carry references and counts, never answers
# (deploy/README.md, "Collecting logs"). Read the file before sending it.
set -eu

DAYS=${1:-7}
case $DAYS in ''|*[!0-9]*) echo "collect-logs: DAYS must be a number" >&2; exit 2 ;; esac
SINCE="-${DAYS}d"
section() { printf '\n===== %s\n' "$*"; }

section "Release and system"
sed -n '1,3p' /opt/guichet/current/VERSION 2>/dev/null || echo "no release installed"
echo "debian $(cat /etc/debian_version), kernel $(uname -r), up $(uptime -p 2>/dev/null || true)"
date -u +"collected %Y-%m-%dT%H:%M:%SZ"

section "Services"
for unit in guichet.service guichet-kiosk.service guichet-purge.timer guichet-anef-share.path \
    usbguard.service cups.service unattended-upgrades.service; do
    printf '%-28s %s, %s\n' "$unit" "$(systemctl is-enabled "$unit" 2>/dev/null || true)" \
        "$(systemctl is-active "$unit" 2>/dev/null || true)"
done
echo "restarts: guichet $(systemctl show -P NRestarts guichet.service)," \
    "screen $(systemctl show -P NRestarts guichet-kiosk.service)"
systemctl --failed --no-legend --plain --no-pager || true
systemctl list-timers --no-pager guichet-purge.timer apt-daily-upgrade.timer || true

section "Health (/healthz)"
python3 - <<'PY' || true
import urllib.error
import urllib.request

try:
    answer = urllib.request.urlopen("http://127.0.0.1:8080/healthz", timeout=10)
except urllib.error.HTTPError as error:
    answer = error
except OSError as error:
    print(f"no answer: {error}")
    raise SystemExit(0)
print(answer.status, answer.read().decode("utf-8", "replace"))
PY

section "Disk and memory"
df -h / /var/lib/guichet /run 2>/dev/null || true
free -m || true

section "Printer"
lpstat -p -d 2>&1 || true

section "Logs of guichet, guichet-purge, guichet-anef-share (since $DAYS days)"
journalctl --no-pager -o short-iso --since "$SINCE" \
    -u guichet.service -u guichet-purge.service -u guichet-anef-share.service || true

section "The screen: starts, stops and crashes only (since $DAYS days)"
journalctl --no-pager -o short-iso --since "$SINCE" _PID=1 UNIT=guichet-kiosk.service || true

section "Security updates"
tail -n 40 /var/log/unattended-upgrades/unattended-upgrades.log 2>/dev/null || echo "no log yet"
