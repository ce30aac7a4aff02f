#!/bin/sh
# Wait until the Guichet application answers HTTP, so that the kiosk browser
# does not open on a "connection refused" page it would never leave (there is
# no address bar or reload button in kiosk mode). Any HTTP answer will do,
# even 503: the application then shows its own message. After TIMEOUT
# seconds the browser starts anyway. Used by guichet-kiosk.service
# (ExecStartPre=); needs only Debian's python3 (installed with python3-venv).
#
# Usage: wait-for-kiosk.sh URL TIMEOUT
set -eu

url=$1
timeout=$2
end=$(( $(date +%s) + timeout ))
while [ "$(date +%s)" -lt "$end" ]; do
    if python3 - "$url" <<'PY'
import sys
import urllib.error
import urllib.request

try:
    urllib.request.urlopen(sys.argv[1], timeout=2).close()
except urllib.error.HTTPError:
    pass  # the server answers: that is all we wait for
except OSError:
    sys.exit(1)
PY
    then
        exit 0
    fi
    sleep 1
done
echo "wait-for-kiosk: $url did not answer in ${timeout}s; starting the browser anyway" >&2
exit 0
