"""Health of a running kiosk: the ``/healthz`` checks, and the systemd watchdog that uses them.

Three checks, each cheap enough to run every few seconds:

- ``database``: the SQLite database takes a real, committed write (the
  header's ``user_version`` rewritten with its own value, which no one
  reads), so a read-only mount, a full disk or a stuck lock shows up.
- ``disk``: the instance folder's file system has at least
  `MIN_FREE_BYTES` free.
- ``printer``: the CUPS queue ``PRINTER_QUEUE`` is idle or printing.

``/healthz`` answers 503 when a *critical* check fails (database, disk) and
200 otherwise; a printer that is stopped or missing makes the status
"degraded", still 200. Restarting the kiosk cannot fix a paper jam or an
unplugged printer, and a kiosk that restarts every minute would stop every
applicant from filling in their form: the printer is for the staff to see
(the body lists each check), not a reason to restart.

Under systemd (``Type=notify`` and ``WatchdogSec=``, deploy/systemd/guichet.service)
`serve` tells systemd when waitress listens (``READY=1``) and then, from a
thread, asks its own ``/healthz`` over HTTP and sends ``WATCHDOG=1`` only
when the answer is 200. A server whose threads are all stuck, or whose
database cannot be written, stops feeding the watchdog and systemd restarts
it. waitress does not speak the notify protocol itself; it is a datagram on
a Unix socket, written here without a dependency.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

log = logging.getLogger("guichet.health")

#: Below this much free space on the instance's file system the kiosk is unhealthy:
#: a dossier (PDFs, scans) takes a few megabytes, SQLite's WAL some more.
MIN_FREE_BYTES = 200 * 1024 * 1024
#: Checks whose failure makes /healthz answer 503 and stops the watchdog.
CRITICAL = frozenset({"database", "disk"})
#: Seconds lpstat may take before the printer check gives up.
PRINTER_TIMEOUT = 5.0


@dataclass(frozen=True)
class Check:
    """The outcome of one health check.

    Attributes:
        name: "database", "disk" or "printer".
        ok: Whether it passed.
        detail: What was found, for the staff and the logs (never personal data).
    """

    name: str
    ok: bool
    detail: str

    @property
    def critical(self) -> bool:
        """Whether a failure of this check makes the kiosk unhealthy."""
        return self.name in CRITICAL


def check_database(app: Flask) -> Check:
    """Commit a write to the database: rewrite ``user_version`` with its own value."""
    from kiosk import db

    try:
        with db.get_engine(app).begin() as connection:
            version = int(connection.execute(text("PRAGMA user_version")).scalar_one())
            # PRAGMA takes no bound parameters; `version` is an int read just above.
            connection.execute(text(f"PRAGMA user_version = {version}"))
    except Exception as exc:  # any failure means "cannot write"
        return Check("database", False, f"{type(exc).__name__}: {exc}".splitlines()[0])
    return Check("database", True, "writable")


def check_disk(path: Path, min_free: int = MIN_FREE_BYTES) -> Check:
    """Whether the file system holding `path` has at least `min_free` bytes free."""
    try:
        free = shutil.disk_usage(path).free
    except OSError as exc:
        return Check("disk", False, f"{path}: {exc}")
    detail = f"{free // (1024 * 1024)} MiB free, {min_free // (1024 * 1024)} MiB needed"
    return Check("disk", free >= min_free, detail)


def check_printer(queue: str, server: str | None) -> Check:
    """Whether the CUPS queue can print now (idle or printing)."""
    from kiosk.delivery import printing

    state = printing.queue_status(queue, server, timeout=PRINTER_TIMEOUT)
    return Check("printer", state in ("idle", "printing"), f"queue {queue}: {state}")


def run_checks(app: Flask) -> list[Check]:
    """Every check, in a fixed order."""
    config = app.config
    return [
        check_database(app),
        check_disk(Path(config["DATABASE"]).parent),
        check_printer(config["PRINTER_QUEUE"], config["CUPS_SERVER"] or None),
    ]


def summary(checks: list[Check]) -> tuple[dict[str, Any], int]:
    """The ``/healthz`` body and status: 503 when a critical check failed."""
    failing = [one.name for one in checks if not one.ok]
    critical = [name for name in failing if name in CRITICAL]
    status = "failing" if critical else "degraded" if failing else "ok"
    body = {
        "status": status,
        "failing": failing,
        "checks": {one.name: {"ok": one.ok, "detail": one.detail} for one in checks},
    }
    return body, 503 if critical else 200


def init_app(app: Flask) -> None:
    """Add the ``/healthz`` route."""

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, Any], int]:
        """Tell a supervisor whether the kiosk can serve (see the module's docstring)."""
        body, status = summary(run_checks(app))
        if status != 200:
            log.warning("health: %s", json.dumps(body["checks"]))
        return body, status


# --- systemd notification protocol (sd_notify(3)) --------------------------------


def sd_notify(message: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send `message` (e.g. "READY=1") to systemd; False when not run by systemd.

    The socket named by ``$NOTIFY_SOCKET`` is a path, or an abstract name
    when it starts with "@".
    """
    address = (os.environ if environ is None else environ).get("NOTIFY_SOCKET", "")
    if not address or address[0] not in "/@":
        return False
    target = "\0" + address[1:] if address.startswith("@") else address
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode(), target)
    except OSError as exc:
        log.warning("sd_notify %s: %s", message, exc)
        return False
    return True


def watchdog_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """Seconds between two watchdog pings: a third of ``$WATCHDOG_USEC``; None if unset.

    ``$WATCHDOG_PID``, when set, must be this process (systemd sets it for the
    main process only).
    """
    env = os.environ if environ is None else environ
    usec, pid = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1_000_000 / 3


def probe(url: str, timeout: float) -> tuple[bool, str]:
    """GET `url`; healthy when it answers 200 within `timeout` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200, f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}: {exc.read(2000).decode('utf-8', 'replace')}"
    except (OSError, ValueError) as exc:
        return False, f"{type(exc).__name__}: {exc}"


class Watchdog(threading.Thread):
    """Feeds systemd's watchdog while the server's own ``/healthz`` answers 200."""

    def __init__(self, url: str, interval: float, environ: Mapping[str, str] | None = None):
        super().__init__(name="guichet-watchdog", daemon=True)
        self.url = url
        self.interval = interval
        self.environ = environ
        self.stopping = threading.Event()
        self.healthy: bool | None = None

    def run(self) -> None:
        """Probe, ping if healthy, wait; log each change between healthy and not."""
        while not self.stopping.is_set():
            healthy, detail = probe(self.url, timeout=self.interval)
            if healthy != self.healthy:
                level = logging.INFO if healthy else logging.ERROR
                log.log(level, "watchdog: %s (%s)", "fed" if healthy else "starved", detail)
                self.healthy = healthy
            if healthy:
                sd_notify("WATCHDOG=1", self.environ)
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        """Ask the thread to end after its current probe."""
        self.stopping.set()


def serve(app: Flask, host: str, port: int, **options: Any) -> None:
    """Serve `app` with waitress, telling systemd when it is ready and while it is healthy.

    Args:
        app: The kiosk.
        host: Address to listen on.
        port: Port to listen on (0: any free one).
        **options: waitress options (`kiosk.uploads.waitress_options`).
    """
    from waitress.server import create_server

    # The journal keeps what a service writes on stderr: the watchdog's
    # changes of state and waitress's notices (no personal data in either).
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    server = create_server(app, host=host, port=port, **options)
    watchdog = None
    interval = watchdog_interval()
    if interval is not None:
        address = "127.0.0.1" if host in ("0.0.0.0", "") else host
        address = f"[{address}]" if ":" in address else address
        bound = server.effective_port
        watchdog = Watchdog(f"http://{address}:{bound}/healthz", interval)
        watchdog.start()
    # The socket is bound and listening: connections wait in its backlog until run().
    sd_notify("READY=1")
    try:
        server.run()
    finally:
        sd_notify("STOPPING=1")
        if watchdog is not None:
            watchdog.stop()
