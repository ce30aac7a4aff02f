#!/bin/sh
# Download the Debian packages provision.sh installs (packages.txt), with
# every dependency that a fresh Debian 12 lacks, for a kiosk with no network
# (make bundle-offline) and for the provisioning test.
#
# Usage: deploy/fetch-debs.sh CACHE
#   CACHE/bookworm/   a fresh Debian 12 made by debootstrap (made once, kept)
#   CACHE/debs/       the packages, with their Packages index (made again
#                     when packages.txt changes)
# Runs as root, with network access to a Debian mirror. The fresh system is
# never changed: apt works in an overlay on top of it, thrown away after.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$1
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE=$CACHE/bookworm
DEBS=$CACHE/debs
mkdir -p "$CACHE"

# 1. The fresh system: what the Debian installer gives with no desktop
#    (priorities required and important), made once.
if [ ! -f "$BASE/.complete" ]; then
    rm -rf "$BASE"
    debootstrap --include=ca-certificates bookworm "$BASE" "$MIRROR"
    # The sources the Debian installer writes: security updates included.
    cat > "$BASE/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
SOURCES
    touch "$BASE/.complete"
fi

# 2. The packages, unless the cached set was made from the same list with
#    the same apt options (provision.sh installs them with the same ones).
APT_OPTIONS="--no-install-recommends"
WANTED=$( (cat "$HERE/packages.txt"; echo "$APT_OPTIONS") | sha256sum | cut -c1-16)
if [ -f "$DEBS/Packages" ] && [ "$(cat "$DEBS/.packages-txt" 2>/dev/null)" = "$WANTED" ]; then
    echo "fetch-debs: $DEBS is up to date"
    exit 0
fi
WORK=$(mktemp -d "$CACHE/work.XXXXXX")
mkdir -p "$WORK/upper" "$WORK/work" "$WORK/root"
mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$WORK/upper,workdir=$WORK/work" "$WORK/root"
# Unmount and clean up however the script ends.
trap 'umount -l "$WORK/root/proc" 2>/dev/null || true; umount -l "$WORK/root" 2>/dev/null || true; rm -rf "$WORK"' EXIT
mount -t proc proc "$WORK/root/proc"
cp /etc/resolv.conf "$WORK/root/etc/resolv.conf"
PACKAGES=$(sed -e 's/#.*//' "$HERE/packages.txt" | tr -s ' \n' ' ')
chroot "$WORK/root" apt-get -q update
# Only what apt downloads now: debootstrap left the base system's packages
# in the archive folder (removed in the overlay only).
rm -f "$WORK/root/var/cache/apt/archives/"*.deb
# shellcheck disable=SC2086 # one word per package and option
chroot "$WORK/root" env DEBIAN_FRONTEND=noninteractive apt-get -q -y --download-only $APT_OPTIONS install $PACKAGES
rm -rf "$DEBS.new"
mkdir -p "$DEBS.new"
cp "$WORK/root/var/cache/apt/archives/"*.deb "$DEBS.new/"
(cd "$DEBS.new" && dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null)
echo "$WANTED" > "$DEBS.new/.packages-txt"
rm -rf "$DEBS"
mv "$DEBS.new" "$DEBS"
echo "fetch-debs: $(find "$DEBS" -name '*.deb' | wc -l) packages, $(du -sh "$DEBS" | cut -f1) in $DEBS"
