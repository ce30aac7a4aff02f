#!/bin/bash
# Make a Debian 12 PC a Guichet kiosk, from an unpacked Guichet bundle.
#
#   sudo ./deploy/provision.sh [--debs DIR] [--config FILE]
#
# Run it from the bundle (make bundle; deploy/README.md). It can be run again
# at any time: it changes only what differs from the wanted state, says each
# change, and a second run changes nothing. Running it with a newer bundle
# updates the kiosk (and rolls back if the new release is not healthy).
#
# Options:
#   --debs DIR     a folder of Debian packages with its Packages index
#                  (make bundle-offline puts one in the bundle: used by default)
#   --config FILE  site choices (default /etc/guichet/provision.conf, created
#                  from deploy/provision.conf.example on the first run)
#
# Every file it installs says in its first lines what it is for; the files
# come from deploy/ in the bundle, where they can be read before running.
# shellcheck source-path=SCRIPTDIR
set -eu
umask 022
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
BUNDLE=$(dirname "$HERE")
CONFIG=/etc/guichet/provision.conf
DEBS=""
[ -f "$BUNDLE/debs/Packages" ] && DEBS="$BUNDLE/debs"

while [ $# -gt 0 ]; do
    case $1 in
        --debs) DEBS=$(cd "$2" && pwd); shift 2 ;;
        --config) CONFIG=$2; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "provision.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

fail() { echo "provision.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run it as root (sudo $0)"
if [ ! -f "$BUNDLE/VERSION" ] || [ ! -d "$BUNDLE/wheels" ]; then fail "$BUNDLE is not an unpacked Guichet bundle"; fi
grep -q '^12' /etc/debian_version 2>/dev/null || echo "warning: made for Debian 12; this is $(cat /etc/debian_version 2>/dev/null || echo 'not Debian')"
# USBGuard, started below, blocks USB keys: a bundle run from one would be
# cut off half-way. It must be copied to the PC's disk first.
bundle_device=$(findmnt -n -o SOURCE --target "$BUNDLE" 2>/dev/null || true)
if [ -b "$bundle_device" ] && lsblk -s -n -o TRAN "$bundle_device" 2>/dev/null | grep -qx usb; then
    fail "the bundle is on a USB device ($bundle_device): unpack it on this PC's disk first (deploy/README.md)"
fi

# --- what changed, for the report at the end -----------------------------------
CHANGES=0
REBOOT_FOR=""
changed() { CHANGES=$((CHANGES + 1)); echo "  changed: $*"; }
step() { echo "== $*"; }

# On a booted system services are (re)started; in a chroot or an image being
# built they are only enabled, and start at the first boot.
BOOTED=no
[ -d /run/systemd/system ] && BOOTED=yes
CONTAINER=no
if [ "$BOOTED" = yes ] && systemd-detect-virt --container --quiet; then CONTAINER=yes; fi

# put SRC DEST [MODE]: install a root-owned file only if its content or mode
# differs. Sets PUT_CHANGED=1 when it changed something.
put() {
    PUT_CHANGED=0
    mode=${3:-0644}
    if [ ! -f "$2" ] || ! cmp -s "$1" "$2"; then
        mkdir -p "$(dirname "$2")"
        install -m "$mode" -o root -g root "$1" "$2.guichet-new"
        mv -f "$2.guichet-new" "$2"
        changed "$2"
        PUT_CHANGED=1
    elif [ "$(stat -c '%a %U %G' "$2")" != "${mode#0} root root" ]; then
        chmod "$mode" "$2"
        chown root:root "$2"
        changed "$2 (owner or mode)"
        PUT_CHANGED=1
    fi
}

# drop FILE: remove a file this script installed earlier and no longer wants.
drop() {
    if [ -e "$1" ]; then rm -f "$1"; changed "removed $1"; PUT_CHANGED=1; fi
}

enable_unit() {
    state=$(systemctl is-enabled "$1" 2>/dev/null || true)
    if [ "$state" != enabled ]; then
        systemctl enable --quiet "$1"
        changed "enabled $1"
    fi
}

# --- 1. the bundle is whole --------------------------------------------------------
step "Checking the bundle $(sed -n 1p "$BUNDLE/VERSION")"
(cd "$BUNDLE" && sha256sum --quiet --strict -c SHA256SUMS) || fail "the bundle is damaged (SHA256SUMS): copy it again"

# --- 2. site choices ------------------------------------------------------------------
step "Site choices ($CONFIG)"
if [ ! -f "$CONFIG" ]; then
    put "$HERE/provision.conf.example" "$CONFIG" 0644
fi
USB_KEYS=no
PRINTER_URI=""
# shellcheck source=provision.conf.example
. "$CONFIG"
case $USB_KEYS in yes|no) ;; *) fail "$CONFIG: USB_KEYS must be yes or no" ;; esac

# --- 3. Debian packages ---------------------------------------------------------------
step "Debian packages"
PACKAGES=$(sed -e 's/#.*//' "$HERE/packages.txt" | tr -s ' \n' ' ')
missing=""
for package in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    # Recommended packages are not installed: packages.txt names all a kiosk
    # runs (fetch-debs.sh downloads the same set for an offline bundle).
    set -- -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
    if [ -n "$DEBS" ]; then
        # Offline: the bundle's packages are the only source, used in place;
        # nothing is added to the system's apt sources. They are trusted
        # because SHA256SUMS (checked above) covers them.
        apt_dir=$(mktemp -d)
        mkdir -p "$apt_dir/lists/partial" "$apt_dir/parts"
        echo "deb [trusted=yes] file:$DEBS ./" > "$apt_dir/sources.list"
        set -- "$@" -o "Dir::Etc::SourceList=$apt_dir/sources.list" \
            -o "Dir::Etc::SourceParts=$apt_dir/parts" -o "Dir::State::Lists=$apt_dir/lists" \
            -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root
    fi
    apt-get "$@" update
    # shellcheck disable=SC2086 # one word per package
    apt-get "$@" install $missing
    [ -n "$DEBS" ] && rm -rf "$apt_dir"
    changed "installed$missing"
fi

# --- 4. users ---------------------------------------------------------------------------
step "Users guichet (application) and kiosk (screen)"
put "$HERE/etc/sysusers.d/guichet.conf" /etc/sysusers.d/guichet.conf
if ! getent passwd guichet >/dev/null || ! getent passwd kiosk >/dev/null; then
    systemd-sysusers /etc/sysusers.d/guichet.conf
    changed "created the users guichet and kiosk"
fi
# The application reads the camera (/dev/video*, group video).
if ! id -nG guichet | tr ' ' '\n' | grep -qx video; then
    usermod -a -G video guichet
    changed "added guichet to the video group"
fi

# --- 5. the application: one folder per release, "current" points to one -------------
RELEASE=$(sed -n 1p "$BUNDLE/VERSION")
RELEASES=/opt/guichet/releases
TARGET=$RELEASES/$RELEASE
step "Guichet release $RELEASE"
if [ ! -f "$TARGET/.complete" ]; then
    # A venv cannot be moved (its scripts hold absolute paths): build it in
    # place, and mark it complete last; a half-built one is started again.
    rm -rf "$TARGET"
    mkdir -p "$TARGET"
    python3 -m venv "$TARGET/venv"
    "$TARGET/venv/bin/pip" install --quiet --no-index --no-cache-dir --disable-pip-version-check \
        --require-hashes --find-links "$BUNDLE/wheels" -r "$BUNDLE/requirements.txt"
    cp -R "$BUNDLE/translations" "$BUNDLE/deploy" "$BUNDLE/VERSION" "$TARGET/"
    touch "$TARGET/.complete"
    changed "installed $TARGET"
fi
# point LINK TARGET: switch a symbolic link in one step (rename).
point() {
    ln -sfn "$2" "$1.new"
    mv -T "$1.new" "$1"
}
PREVIOUS=$(readlink /opt/guichet/current 2>/dev/null || true)
RELEASE_CHANGED=no
if [ "$PREVIOUS" != "$TARGET" ]; then
    # "previous" remembers the release to go back to, across runs.
    if [ -n "$PREVIOUS" ]; then point /opt/guichet/previous "$PREVIOUS"; fi
    point /opt/guichet/current "$TARGET"
    changed "/opt/guichet/current -> $TARGET"
    RELEASE_CHANGED=yes
fi
# Keep the current release and the one before it (to roll back to); no more.
KEEP=$(readlink /opt/guichet/previous 2>/dev/null || true)
for old in "$RELEASES"/*; do
    [ -d "$old" ] || continue
    if [ "$old" != "$TARGET" ] && [ "$old" != "$KEEP" ]; then
        rm -rf "$old"
        changed "removed the old release $old"
    fi
done

# --- 6. settings, data, master key ------------------------------------------------------
step "Settings, data folder and master key"
if [ ! -f /etc/guichet/guichet.toml ]; then
    put "$HERE/etc/guichet/guichet.toml" /etc/guichet/guichet.toml 0644
fi
put "$HERE/etc/tmpfiles.d/guichet.conf" /etc/tmpfiles.d/guichet.conf
# Creates /var/lib/guichet (0700 guichet), /run/guichet-anef, /media/guichet
# now and at every boot. It reports nothing, so it is not counted as a change.
systemd-tmpfiles --create /etc/tmpfiles.d/guichet.conf
# The master key that seals every session's key: 32 random bytes, encrypted
# by systemd-creds with the host key (/var/lib/systemd) and, when the PC has
# one, the TPM2 chip: then a copy of the disk alone cannot open the data.
# Never replaced: a new key could not open the sessions already sealed.
KEY=/etc/credstore.encrypted/guichet-master.key
if [ ! -f "$KEY" ]; then
    mkdir -p /etc/credstore.encrypted
    chmod 0700 /etc/credstore.encrypted
    head -c 32 /dev/urandom | systemd-creds encrypt --name=master.key --with-key=auto \
        --tpm2-pcrs= - "$KEY.new"
    chmod 0600 "$KEY.new"
    mv "$KEY.new" "$KEY"
    changed "created the master key $KEY"
fi

# --- 7. systemd units -------------------------------------------------------------------
step "Services: guichet, guichet-kiosk, purge timer, ANEF folder, USB keys"
UNITS_CHANGED=no
KIOSK_CHANGED=no
for unit in "$HERE"/systemd/*; do
    put "$unit" "/etc/systemd/system/$(basename "$unit")"
    if [ "$PUT_CHANGED" = 1 ]; then
        UNITS_CHANGED=yes
        case $unit in */guichet-kiosk.service) KIOSK_CHANGED=yes ;; esac
    fi
done
put "$HERE/etc/pam.d/guichet-kiosk" /etc/pam.d/guichet-kiosk
put "$HERE/etc/systemd/system/apt-daily-upgrade.timer.d/90-guichet.conf" \
    /etc/systemd/system/apt-daily-upgrade.timer.d/90-guichet.conf
[ "$PUT_CHANGED" = 1 ] && UNITS_CHANGED=yes
if [ "$BOOTED" = yes ] && [ "$UNITS_CHANGED" = yes ]; then systemctl daemon-reload; fi
for unit in guichet.service guichet-kiosk.service guichet-purge.timer guichet-anef-share.path usbguard.service; do
    enable_unit "$unit"
done
if [ "$(systemctl get-default)" != graphical.target ]; then
    systemctl set-default --quiet graphical.target
    changed "default target graphical.target (the kiosk screen starts at boot)"
fi

# --- 8. the browser's managed policy ---------------------------------------------------------
step "Chromium policy (/etc/chromium/policies/managed/guichet.json)"
policy=$(mktemp)
# The allow-list: the kiosk, and the hosts the application may open for
# filing (anef_allowed_hosts in guichet.toml): one list, read by both.
ANEF_HOSTS=$(python3 - "$HERE/chromium/guichet-policy.json" "$policy" /etc/guichet/guichet.toml <<'PY'
import json
import re
import sys
import tomllib

source, target, settings = sys.argv[1:]
with open(settings, "rb") as handle:
    chosen = {key.upper(): value for key, value in tomllib.load(handle).items()}
hosts = chosen.get("ANEF_ALLOWED_HOSTS", ["administration-etrangers-en-france.interieur.gouv.fr"])
for host in hosts:
    if not isinstance(host, str) or not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", host):
        sys.exit(f"provision.sh: {settings}: anef_allowed_hosts: {host!r} is not a host name")
with open(source, encoding="utf-8") as handle:
    policy = json.load(handle)
policy["URLAllowlist"] = ["http://127.0.0.1:8080"] + [f"https://{host}" for host in hosts]
with open(target, "w", encoding="utf-8") as handle:
    json.dump(policy, handle, indent=2)
    handle.write("\n")
print(" ".join(hosts))
PY
) || fail "the Chromium policy was not written (see above)"
put "$policy" /etc/chromium/policies/managed/guichet.json 0644
[ "$PUT_CHANGED" = 1 ] && KIOSK_CHANGED=yes
rm -f "$policy"

# --- 9. lockdown: keys, terminals, boot menu ----------------------------------------------------
step "Lockdown: SysRq, virtual terminals, Ctrl+Alt+Del, boot menu, logs"
put "$HERE/etc/sysctl.d/90-guichet.conf" /etc/sysctl.d/90-guichet.conf
if [ "$PUT_CHANGED" = 1 ]; then
    if [ "$BOOTED" = yes ] && [ "$CONTAINER" = no ]; then
        sysctl -q -p /etc/sysctl.d/90-guichet.conf
    else
        REBOOT_FOR="$REBOOT_FOR sysctl"
    fi
fi
put "$HERE/etc/systemd/logind.conf.d/90-guichet.conf" /etc/systemd/logind.conf.d/90-guichet.conf
# Restarting logind would end the sessions open now: it applies at the reboot.
[ "$PUT_CHANGED" = 1 ] && REBOOT_FOR="$REBOOT_FOR logind"
put "$HERE/etc/systemd/system.conf.d/90-guichet.conf" /etc/systemd/system.conf.d/90-guichet.conf
[ "$PUT_CHANGED" = 1 ] && REBOOT_FOR="$REBOOT_FOR system.conf"
if [ "$(systemctl is-enabled ctrl-alt-del.target 2>/dev/null || true)" != masked ]; then
    systemctl mask --quiet ctrl-alt-del.target
    changed "masked ctrl-alt-del.target"
fi
put "$HERE/etc/default/grub.d/90-guichet.cfg" /etc/default/grub.d/90-guichet.cfg
if [ "$PUT_CHANGED" = 1 ]; then
    if command -v update-grub >/dev/null && [ "$CONTAINER" = no ] && [ "$BOOTED" = yes ]; then
        update-grub
    else
        REBOOT_FOR="$REBOOT_FOR (run update-grub)"
    fi
fi
put "$HERE/etc/systemd/journald.conf.d/90-guichet.conf" /etc/systemd/journald.conf.d/90-guichet.conf
if [ "$PUT_CHANGED" = 1 ] && [ "$BOOTED" = yes ]; then systemctl restart systemd-journald; fi

# --- 10. USB: USBGuard and the USB keys -----------------------------------------------------------
step "USBGuard (USB keys: $USB_KEYS)"
USBGUARD_CHANGED=no
put "$HERE/etc/usbguard/rules.conf" /etc/usbguard/rules.conf 0600
[ "$PUT_CHANGED" = 1 ] && USBGUARD_CHANGED=yes
if [ "$USB_KEYS" = yes ]; then
    put "$HERE/etc/usbguard/50-guichet-usb-keys.conf" /etc/usbguard/rules.d/50-guichet-usb-keys.conf 0600
else
    drop /etc/usbguard/rules.d/50-guichet-usb-keys.conf
fi
[ "$PUT_CHANGED" = 1 ] && USBGUARD_CHANGED=yes
if [ "$BOOTED" = yes ] && [ "$USBGUARD_CHANGED" = yes ]; then
    systemctl restart usbguard.service || echo "warning: usbguard did not restart (systemctl status usbguard)"
fi
put "$HERE/etc/udev/rules.d/90-guichet-usb-keys.rules" /etc/udev/rules.d/90-guichet-usb-keys.rules
if [ "$PUT_CHANGED" = 1 ] && [ "$BOOTED" = yes ]; then udevadm control --reload || true; fi

# --- 11. printing: keep no job files, no job history ----------------------------------------------
step "CUPS: no job files or history kept"
CUPS_CHANGED=no
cups_set() {
    if ! grep -qx "$1 $2" /etc/cups/cupsd.conf; then
        if grep -q "^$1 " /etc/cups/cupsd.conf; then
            sed -i "s/^$1 .*/$1 $2/" /etc/cups/cupsd.conf
        else
            printf '# Guichet: print jobs are applicants'"'"' documents; keep none (deploy/README.md).\n%s %s\n' "$1" "$2" >> /etc/cups/cupsd.conf
        fi
        changed "/etc/cups/cupsd.conf: $1 $2"
        CUPS_CHANGED=yes
    fi
}
cups_set PreserveJobFiles No
cups_set PreserveJobHistory No
if [ "$BOOTED" = yes ] && [ "$CUPS_CHANGED" = yes ]; then systemctl restart cups.service; fi
if [ -n "$PRINTER_URI" ]; then
    if ! lpstat -r >/dev/null 2>&1; then
        echo "  note: CUPS is not running: the queue 'guichet' will be created by the next run"
    elif ! lpstat -p guichet >/dev/null 2>&1; then
        if lpadmin -p guichet -E -v "$PRINTER_URI" -m everywhere -o printer-error-policy=retry-job; then
            changed "created the print queue guichet ($PRINTER_URI)"
        else
            echo "warning: could not create the queue guichet for $PRINTER_URI (is the printer on?)"
        fi
    fi
fi

# --- 12. security updates ------------------------------------------------------------------------
step "Unattended security updates"
put "$HERE/etc/apt/apt.conf.d/20auto-upgrades" /etc/apt/apt.conf.d/20auto-upgrades
put "$HERE/etc/apt/apt.conf.d/52guichet-unattended-upgrades" /etc/apt/apt.conf.d/52guichet-unattended-upgrades

# --- 13. (re)start the application, roll back if the new release is unhealthy -------------------
# healthy: /healthz answers 200 within 90 s, and the service did not crash
# meanwhile (Restart= would hide a release that cannot start).
healthy() {
    python3 - "$(systemctl show -P NRestarts guichet.service)" <<'PY'
import subprocess
import sys
import time
import urllib.request

restarts = sys.argv[1]
for _ in range(90):
    show = ["systemctl", "show", "-P", "NRestarts", "guichet.service"]
    if subprocess.run(show, capture_output=True, text=True).stdout.strip() != restarts:
        sys.exit(1)
    try:
        with urllib.request.urlopen("http://127.0.0.1:8080/healthz", timeout=5) as answer:
            sys.exit(0 if answer.status == 200 else 1)
    except OSError:  # not listening yet, or 503
        time.sleep(1)
sys.exit(1)
PY
}
DATA=/var/lib/guichet
BACKUP=$DATA/before-update
if [ "$BOOTED" = yes ]; then
    step "Starting the application"
    if [ "$RELEASE_CHANGED" = yes ] || [ "$UNITS_CHANGED" = yes ] || ! systemctl is-active --quiet guichet.service; then
        # An update may migrate the database, which the previous release could
        # then not read: keep a copy of it, taken with the server stopped, for
        # as long as the update takes. It holds what the live database holds
        # (sealed the same way), and is deleted once the new release is healthy.
        rm -rf "$BACKUP"
        if [ "$RELEASE_CHANGED" = yes ] && [ -n "$PREVIOUS" ] && [ -f "$DATA/guichet.sqlite3" ]; then
            systemctl stop guichet.service
            mkdir -m 0700 "$BACKUP"
            cp -p "$DATA"/guichet.sqlite3* "$BACKUP/"
            chown -R guichet:guichet "$BACKUP"
        fi
        systemctl restart guichet.service guichet-anef-share.path guichet-purge.timer || true
        if ! systemctl is-active --quiet guichet.service || ! healthy; then
            if [ -d "$BACKUP" ] && [ -d "$PREVIOUS" ]; then
                echo "The new release is not healthy: back to $PREVIOUS and its database"
                systemctl stop guichet.service
                rm -f "$DATA"/guichet.sqlite3*
                cp -p "$BACKUP"/* "$DATA/"
                rm -rf "$BACKUP"
                point /opt/guichet/current "$PREVIOUS"
                systemctl restart guichet.service || true
            fi
            fail "guichet.service is not healthy: journalctl -u guichet -b"
        fi
        rm -rf "$BACKUP"
    fi
    # The screen is restarted only if it runs already (an update): started
    # from tty1 it would end the session provisioning runs in. Reboot instead.
    if [ "$KIOSK_CHANGED" = yes ] && systemctl is-active --quiet guichet-kiosk.service; then
        systemctl restart guichet-kiosk.service
    fi
fi

# --- report --------------------------------------------------------------------------------------
echo
echo "Guichet kiosk: release $RELEASE, $CHANGES change(s)."
if [ -n "$REBOOT_FOR" ]; then
    echo "Reboot to apply:$REBOOT_FOR, and to start the kiosk screen: sudo reboot"
fi
cat <<EOF

What is in place:
  application   guichet.service (user guichet, /var/lib/guichet), $(readlink /opt/guichet/current)
  screen        guichet-kiosk.service: cage + Chromium on tty1 as user kiosk, profile on tmpfs
  browser       /etc/chromium/policies/managed/guichet.json (allowed: 127.0.0.1:8080 $ANEF_HOSTS)
  settings      /etc/guichet/guichet.toml (application), $CONFIG (this script)
  master key    $KEY (systemd-creds)
  ANEF folder   /run/guichet-anef (tmpfs), readable by the browser
  lockdown      SysRq off, no virtual terminals to switch to, Ctrl+Alt+Del ignored, no boot menu
  USB           USBGuard: HID, video, audio, printers, hubs; USB keys: $USB_KEYS
  printing      CUPS keeps no job files and no history; queue: guichet
  retention     guichet-purge.timer (daily) and the server (hourly)
  updates       unattended-upgrades (Debian security), installed at 02:30, reboot at 03:30 if needed
  staff tools   /opt/guichet/current/deploy/guichet-admin.sh (e.g. staff add), collect-logs.sh

How to check:
  systemctl status guichet guichet-kiosk          both active (running)
  python3 -c 'import urllib.request as u; print(u.urlopen("http://127.0.0.1:8080/healthz").read().decode())'
  systemd-analyze security guichet.service        exposure 2.0 or less
  systemctl list-timers guichet-purge.timer       next purge
  usbguard list-devices                            what is allowed or blocked
  lpstat -p guichet                               the printer queue
  journalctl -u guichet -b                        the application's log since boot
  /opt/guichet/current/deploy/guichet-admin.sh staff list    the staff accounts
First start: create the first administrator (deploy/README.md, section 5).
Run this script again: it should report 0 change(s).
EOF
