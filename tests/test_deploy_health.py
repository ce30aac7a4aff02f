"""/healthz and the systemd watchdog feeder (kiosk/health.py), against real resources.

The database is made unwritable by remounting its tmpfs read-only, the printer
is a real private cupsd (tests/cups.py), and the watchdog is the real
`guichet serve` process talking to a notify socket this test binds, as systemd
would, starved by a disk filled past the threshold. Mounting needs root (as
CI runs); as another user those tests skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from kiosk import create_app, db, health
from tests.cups import QUEUE, UNAVAILABLE, private_cupsd

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="mounts a tmpfs: run as root")
GUICHET = Path(sys.executable).with_name("guichet")


@contextlib.contextmanager
def tmpfs(path: Path) -> Iterator[Path]:
    """A small tmpfs mounted at `path`, unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount(path: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True)


def make_app(instance: Path, **settings: object) -> Flask:
    app = create_app({"TESTING": True, **settings}, instance_path=instance)
    db.upgrade(db.get_engine(app))
    return app


def close(app: Flask) -> None:
    app.extensions["guichet.camera"].stop()
    db.get_engine(app).dispose()


# --- the checks ------------------------------------------------------------------


def test_summary_is_503_only_when_a_critical_check_fails() -> None:
    ok = [health.Check("database", True, ""), health.Check("disk", True, "")]
    printer_down = health.Check("printer", False, "queue guichet: missing")
    assert health.summary([*ok, health.Check("printer", True, "")])[1] == 200
    body, status = health.summary([*ok, printer_down])
    assert (status, body["status"], body["failing"]) == (200, "degraded", ["printer"])
    body, status = health.summary([health.Check("database", False, "x"), ok[1], printer_down])
    assert (status, body["status"], body["failing"]) == (503, "failing", ["database", "printer"])


def test_disk_check_compares_real_free_space_with_the_threshold(tmp_path: Path) -> None:
    free = shutil.disk_usage(tmp_path).free
    assert health.check_disk(tmp_path, min_free=free // 2).ok
    failing = health.check_disk(tmp_path, min_free=free + 2**30)
    assert not failing.ok and "MiB free" in failing.detail
    assert not health.check_disk(tmp_path / "missing", min_free=1).ok


def test_database_check_commits_a_write_and_leaves_the_schema_alone(tmp_path: Path) -> None:
    app = make_app(tmp_path / "instance")
    try:
        database = Path(app.config["DATABASE"])
        before = database.stat().st_mtime_ns
        time.sleep(0.01)
        assert health.check_database(app) == health.Check("database", True, "writable")
        wal = database.with_name(database.name + "-wal")
        # The write reached the file or its WAL (synchronous=FULL, so on disk).
        assert database.stat().st_mtime_ns > before or wal.exists()
        with db.get_engine(app).connect() as connection:
            version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
        assert version == 0
    finally:
        close(app)


@ROOT_ONLY
def test_database_on_a_read_only_mount_fails_the_check_and_healthz(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "data") as data:
        app = make_app(data / "instance")
        try:
            client = app.test_client()
            assert client.get("/healthz").get_json()["checks"]["database"]["ok"] is True
            # Close the pooled connections (a file open for writing keeps a
            # remount read-only from happening); the check opens a new one.
            app.extensions["guichet.camera"].stop()
            db.get_engine(app).dispose()
            remount(data, "ro")
            try:
                check = health.check_database(app)
                response = client.get("/healthz")
            finally:
                remount(data, "rw")
            # WAL mode cannot even open it read-only without its -shm file.
            assert not check.ok and check.detail.startswith("OperationalError")
            assert response.status_code == 503
            assert response.get_json()["failing"][0] == "database"
        finally:
            close(app)


@pytest.mark.skipif(UNAVAILABLE is not None, reason=UNAVAILABLE or "")
def test_printer_check_reads_the_real_queue_state(tmp_path: Path) -> None:
    with private_cupsd() as cups:
        assert not health.check_printer(QUEUE, cups.server).ok
        cups.add_queue(QUEUE)
        assert health.check_printer(QUEUE, cups.server) == health.Check(
            "printer", True, f"queue {QUEUE}: idle"
        )
        cups.run("cupsdisable", QUEUE)
        assert not health.check_printer(QUEUE, cups.server).ok
        app = make_app(tmp_path / "instance", PRINTER_QUEUE=QUEUE, CUPS_SERVER=cups.server)
        try:
            body = app.test_client().get("/healthz")
            assert body.status_code == 200  # a stopped printer degrades, never restarts
            assert body.get_json()["status"] == "degraded"
            cups.run("cupsenable", QUEUE)
            again = app.test_client().get("/healthz").get_json()
            # (The free space in the disk check's detail moves with the machine.)
            assert again["checks"].pop("disk")["ok"] is True
            assert again == {
                "status": "ok",
                "failing": [],
                "checks": {
                    "database": {"ok": True, "detail": "writable"},
                    "printer": {"ok": True, "detail": f"queue {QUEUE}: idle"},
                },
            }
        finally:
            close(app)


# --- the notify protocol and the watchdog ------------------------------------------------


def test_sd_notify_writes_to_path_and_abstract_sockets(tmp_path: Path) -> None:
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(path)
        assert health.sd_notify("READY=1", {"NOTIFY_SOCKET": path})
        assert listener.recv(100) == b"READY=1"
    name = f"guichet-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind("\0" + name)
        assert health.sd_notify("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name})
        assert listener.recv(100) == b"WATCHDOG=1"
    assert not health.sd_notify("READY=1", {})
    assert not health.sd_notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "nobody")})


def test_watchdog_interval_is_a_third_of_watchdog_usec() -> None:
    assert health.watchdog_interval({"WATCHDOG_USEC": "60000000"}) == 20.0
    assert health.watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert health.watchdog_interval({}) is None
    other = {"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": str(os.getpid() + 1)}
    assert health.watchdog_interval(other) is None


class Notifications:
    """The notify socket systemd would give the service, and what arrives on it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))

    def wait_for(self, message: bytes, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                if self.sock.recv(100) == message:
                    return True
            except TimeoutError:
                return False
        return False

    def count(self, message: bytes, seconds: float) -> int:
        """How many `message` arrive in the next `seconds`."""
        found, end = 0, time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                found += self.sock.recv(100) == message
            except TimeoutError:
                break
        return found


def serve_on_any_port(
    instance: Path, notify: Notifications, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """`guichet serve --port 0`, told of `notify` as systemd would; its stderr kept."""
    return subprocess.Popen(
        [str(GUICHET), "serve", "--instance", str(instance), "--port", "0"],
        env={**os.environ, "NOTIFY_SOCKET": str(notify.path), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_guichet_serve_on_port_0_takes_a_free_port_even_when_the_setting_is_taken(
    tmp_path: Path,
) -> None:
    # `--port 0` used to fall back on the PORT setting (0 is false): with the
    # kiosk of `make run` on 8080, the watchdog test below could not start.
    notify = Notifications(tmp_path / "notify")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        setting = {"GUICHET_PORT": str(taken.getsockname()[1])}
        server = serve_on_any_port(tmp_path / "instance", notify, setting)
        try:
            assert notify.wait_for(b"READY=1", timeout=60), "no READY=1"
        finally:
            server.terminate()
            server.communicate(timeout=30)
            notify.sock.close()


@ROOT_ONLY
def test_guichet_serve_feeds_the_watchdog_only_while_healthy(tmp_path: Path) -> None:
    notify = Notifications(tmp_path / "notify")
    with tmpfs(tmp_path / "data") as data:
        env = {
            "WATCHDOG_USEC": "900000",  # a ping every 0.3 s
            "GUICHET_PRINTER_QUEUE": "no-such-queue",  # degraded: must not starve it
        }
        server = serve_on_any_port(data / "instance", notify, env)
        try:
            assert notify.wait_for(b"READY=1", timeout=60), "no READY=1"
            assert notify.count(b"WATCHDOG=1", 2.0) >= 3
            # Fill the disk below the threshold: /healthz turns 503.
            filler = data / "filler"
            free = shutil.disk_usage(data).free
            with open(filler, "wb") as handle:
                handle.truncate(0)
                handle.write(b"\0" * (free - health.MIN_FREE_BYTES + 2**20))
            try:
                time.sleep(0.5)  # a ping already on its way may still arrive
                notify.count(b"WATCHDOG=1", 0.5)
                assert notify.count(b"WATCHDOG=1", 2.0) == 0, "fed while the disk is full"
            finally:
                filler.unlink()
            assert notify.count(b"WATCHDOG=1", 2.0) >= 3, "not fed again once healthy"
        finally:
            server.terminate()
            _, errors = server.communicate(timeout=30)
            notify.sock.close()
        log = errors.decode("utf-8", "replace")
        assert "watchdog: starved" in log and "watchdog: fed" in log
