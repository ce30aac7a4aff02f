#!/bin/sh
# Run a `guichet` command on a provisioned kiosk the way the service runs:
# as the user guichet, on /var/lib/guichet, with the settings of
# /etc/guichet/guichet.toml and the master key that systemd-creds keeps
# sealed (only a systemd unit can open it, hence systemd-run). Examples:
#
#   sudo /opt/guichet/current/deploy/guichet-admin.sh staff add --role admin --name "Camille" camille
#   sudo /opt/guichet/current/deploy/guichet-admin.sh staff list
#   sudo /opt/guichet/current/deploy/guichet-admin.sh purge
#   sudo /opt/guichet/current/deploy/guichet-admin.sh settings
#
# --instance /var/lib/guichet is added to the commands that take it (staff,
# purge, db). The answers typed (passwords, PINs) go through, nothing else is
# kept. Installed with each release (deploy/README.md).
set -eu

if [ "$(id -u)" != 0 ]; then
    echo "guichet-admin: run it as root: sudo $0 $*" >&2
    exit 1
fi
if [ $# = 0 ]; then
    echo "usage: $0 COMMAND [ARGUMENTS]   e.g. $0 staff list" >&2
    exit 2
fi
case $1 in
    staff|purge|db)
        case " $* " in
            *" --instance "*|*" --instance="*|*" --help "*) ;;
            *) set -- "$@" --instance /var/lib/guichet ;;
        esac
        ;;
esac
# A terminal for the password prompts when there is one; a pipe otherwise
# (--password-stdin).
io=--pipe
if [ -t 0 ] && [ -t 1 ]; then io=--pty; fi
# shellcheck disable=SC2016 # $CREDENTIALS_DIRECTORY is expanded inside the unit
exec systemd-run --quiet --wait "$io" --collect --service-type=exec \
    --unit="guichet-admin-$$" \
    -p User=guichet -p Group=guichet -p UMask=0077 -p LimitCORE=0 \
    -p WorkingDirectory=/var/lib/guichet \
    -p LoadCredentialEncrypted=master.key:/etc/credstore.encrypted/guichet-master.key \
    -p Environment=GUICHET_TRANSLATIONS_DIR=/opt/guichet/current/translations \
    -p Environment=GUICHET_ANEF_UPLOAD_DIR=/run/guichet-anef \
    -p Environment=GUICHET_REMOVABLE_MEDIA_ROOTS=/media/guichet \
    -p ProtectSystem=strict -p "ReadWritePaths=/var/lib/guichet /run/guichet-anef" \
    -p ProtectHome=yes -p PrivateTmp=yes -p PrivateNetwork=yes -p NoNewPrivileges=yes \
    -p CapabilityBoundingSet= \
    -- /bin/sh -c 'GUICHET_MASTER_KEY_FILE="$CREDENTIALS_DIRECTORY/master.key" exec /opt/guichet/current/venv/bin/guichet "$@"' \
    guichet "$@"
