#!/bin/sh
# Build the offline bundle: one archive that installs a kiosk with no package
# index (make bundle; deploy/README.md). It holds
#   wheels/            Guichet's wheel and every dependency as a wheel
#   requirements.txt   each wheel pinned by version and SHA-256 (pip --require-hashes)
#   translations/      the compiled catalogs (.mo) and their sources (.po: status header)
#   deploy/            provision.sh and the files it installs
#   debs/              optional (--debs DIR): Debian packages, for a site with no network
#   VERSION            the release name, the commit, the build date
#   SHA256SUMS         every file above, checked by provision.sh first
#
# Usage: deploy/bundle.sh [--debs DIR] [--out DIR]     (from the repository)
# Needs the project's venv (.venv, made by make install) and network access
# to the Python package index at build time, not on the kiosk.
set -eu

cd "$(dirname "$0")/.."
DEBS=""
OUT=dist
while [ $# -gt 0 ]; do
    case $1 in
        --debs) DEBS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        *) echo "bundle.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
PYTHON=${PYTHON:-.venv/bin/python}
VERSION=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# Reproducible wheels and archive: every timestamp is the commit's.
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH

for mo in translations/*/LC_MESSAGES/messages.po; do
    [ -f "${mo%.po}.mo" ] || { echo "bundle.sh: ${mo%.po}.mo is missing: run make catalogs" >&2; exit 1; }
done

STAGE=build/bundle
rm -rf "$STAGE"
mkdir -p "$STAGE/root/wheels" "$OUT"
ROOT=$STAGE/root

# The project and all its dependencies, as wheels (sdists are built here).
# setuptools builds in build/lib and would put in the wheel whatever an
# earlier build left there, modules since deleted included: start clean.
rm -rf build/lib build/bdist.*
# Held to the versions tested (deploy/constraints.txt), as make install is.
"$PYTHON" -m pip wheel --quiet --disable-pip-version-check -c deploy/constraints.txt \
    --wheel-dir "$ROOT/wheels" .

# Pin every wheel by name, version and hash: the kiosk installs exactly these.
"$PYTHON" - "$ROOT/wheels" > "$ROOT/requirements.txt" <<'PY'
import hashlib
import pathlib
import sys

print("# Every wheel of this bundle, pinned (pip install --require-hashes).")
for wheel in sorted(pathlib.Path(sys.argv[1]).glob("*.whl")):
    name, version = wheel.name.split("-")[:2]
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    print(f"{name}=={version} --hash=sha256:{digest}")
PY

mkdir -p "$ROOT/translations"
# The .po goes with its .mo: its header comment holds the translation's status
# (reviewed or not), which the admin screen shows (kiosk/i18n.py).
for mo in translations/*/LC_MESSAGES/messages.mo; do
    mkdir -p "$ROOT/$(dirname "$mo")"
    cp "$mo" "${mo%.mo}.po" "$ROOT/$(dirname "$mo")/"
done
mkdir -p "$ROOT/deploy"
cp -R deploy/. "$ROOT/deploy/"

if [ -n "$DEBS" ]; then
    mkdir -p "$ROOT/debs"
    cp "$DEBS"/*.deb "$ROOT/debs/"
    (cd "$ROOT/debs" && dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null)
fi

# The release's name carries a digest of what it installs: two different
# bundles never share a name, the same bundle always has the same one.
DIGEST=$(sha256sum "$ROOT/requirements.txt" | cut -c1-12)
RELEASE="guichet-$VERSION-$DIGEST"
{
    echo "$RELEASE"
    echo "commit $COMMIT$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "built $(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
} > "$ROOT/VERSION"
(cd "$ROOT" && find . -type f | LC_ALL=C sort | sed 's|^\./||' | xargs sha256sum) > "$STAGE/SHA256SUMS"
mv "$STAGE/SHA256SUMS" "$ROOT/SHA256SUMS"

SUFFIX=""
[ -n "$DEBS" ] && SUFFIX="-offline"
ARCHIVE="$OUT/guichet-$VERSION$SUFFIX-bundle.tar.gz"
mv "$ROOT" "$STAGE/$RELEASE"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -C "$STAGE" -cf - "$RELEASE" | gzip -n > "$ARCHIVE.new"
mv "$ARCHIVE.new" "$ARCHIVE"
echo "$ARCHIVE: $RELEASE, $(find "$STAGE/$RELEASE/wheels" -name '*.whl' | wc -l) wheels, $(du -h "$ARCHIVE" | cut -f1)"
