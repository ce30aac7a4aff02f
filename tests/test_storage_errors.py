"""A full disk, a read-only disk and a disk I/O error: a clear message, nothing saved is lost.

Each failure is real: a tmpfs filled to its last byte under the running
`guichet serve`, the same tmpfs remounted read-only, and an ext4 file system
(on a loop device) that hits an error and turns itself read-only under the
running server, as ext4 does when a disk fails (``errors=remount-ro``). The
applicant sees the 503 page in their language, with a way back to the screen
they were on; what was saved before is all still there afterwards, and they
carry on where they were.

A mount cannot be made read-only while a process holds a file open for
writing, so the read-only case runs the app in the test's process and closes
its database connections first (the kernel's own read-only switch, in the I/O
error case, needs no such help). Mounting needs root (as CI runs); as
another user those tests skip.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import gettext
import html
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy.exc
from flask import Flask

from kiosk import create_app, db
from kiosk.config import PROJECT_DIR
from kiosk.security import is_storage_failure
from tests.conftest import Kiosk
from tests.live_kiosk import (
    DOCUMENT,
    PAGE_IDS,
    SETTINGS,
    Applicant,
    Browser,
    Page,
    Server,
    Signals,
    capture_one,
    wait_until_ready,
)
from tests.test_deploy_health import remount, tmpfs
from tests.test_screens import STUDENT, STUDENT_ANSWERS

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="mounts file systems: run as root")
TITLE = "Enregistrement impossible pour le moment"
MESSAGE = (
    "L'ordinateur n'arrive pas à enregistrer. Ce qui était déjà enregistré est gardé. "
    "Appelez le médiateur."
)
RETRY = re.compile(r'href="([^"]+)" id="error-retry"')
#: The first answers given before the disk fails, and the page refused when it does.
BEFORE, REFUSED = STUDENT_ANSWERS[:5], STUDENT_ANSWERS[5]


def expected_text(language: str) -> tuple[str, str]:
    """The 503 page's title and message as the applicant must read them."""
    if language == "fr":
        return TITLE, MESSAGE
    catalog = gettext.translation("messages", PROJECT_DIR / "translations", [language])
    title, message = catalog.gettext(TITLE), catalog.gettext(MESSAGE)
    assert (title, message) != (TITLE, MESSAGE), f"the 503 page is not translated to {language}"
    return title, message


def assert_storage_page(status: int, page: str, language: str, retry: str) -> None:
    """The 503 page: in the applicant's language and direction, with "try again" to `retry`."""
    assert status == 503, page[:500]
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in page
    title, message = expected_text(language)
    assert title in page and message in page
    assert RETRY.findall(page) == [retry]
    assert "Traceback" not in page and "sqlite" not in page.lower()


def expiry_form() -> dict[str, int]:
    expiry = dt.date.today() + dt.timedelta(days=90)
    return {
        "date_expiration_titre.day": expiry.day,
        "date_expiration_titre.month": expiry.month,
        "date_expiration_titre.year": expiry.year,
    }


@contextlib.contextmanager
def filled(folder: Path) -> Iterator[None]:
    """Fill the file system holding `folder` to its last byte; free it afterwards."""
    filler = folder / "filler"
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (2**20, 4096, 1):
            chunk = b"\0" * size
            try:
                while True:
                    os.write(handle, chunk)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
        yield
    finally:
        os.close(handle)
        filler.unlink()


def empty_the_wal(database: Path) -> None:
    """Copy the WAL into the database and cut it to nothing.

    SQLite reuses the WAL's space once it is checkpointed, so a save made right
    after the disk fills might still fit; with the WAL cut to zero bytes, the
    next save needs new space, as it eventually would.
    """
    connection = sqlite3.connect(database, timeout=30)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        connection.close()


def age_browser_sessions(database: Path) -> None:
    """Make every browser session due for its "last seen" refresh (a write)."""
    connection = sqlite3.connect(database, timeout=30)
    try:
        connection.execute(
            "UPDATE browser_session SET last_seen_at = datetime(last_seen_at, '-5 minutes')"
        )
        connection.commit()
    finally:
        connection.close()


# --- the real server on a full tmpfs ------------------------------------------------------


def start_in(browser: Browser, language: str) -> None:
    """Choose the language, start, choose the student renewal and a PIN."""
    browser.get("/")
    if language != "fr":
        browser.post("/language", {"lang": language, "next": "/"})
        browser.get("/")
    browser.follow(browser.post("/start"))
    browser.get("/mediator")
    browser.follow(browser.post("/choose", {"procedure_id": STUDENT}))
    assert browser.post("/code", {"pin": "2468"}).location == "/q/titre_expiration"


def answer(browser: Browser, page_id: str, data: dict[str, object]) -> Page:
    browser.get(f"/q/{page_id}")
    return browser.post(f"/q/{page_id}", data)


@ROOT_ONLY
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_full_disk_refuses_clearly_and_keeps_every_answer_and_page(
    tmp_path: Path, language: str
) -> None:
    with tmpfs(tmp_path / "disk") as disk:
        database = disk / "instance" / "guichet.sqlite3"
        server = Server(disk / "instance", tmp_path / "server.log", env=SETTINGS)
        server.start()
        try:
            browser = Browser(server.port)
            start_in(browser, language)
            assert answer(browser, "titre_expiration", expiry_form()).status == 302
            for page_id, data in BEFORE:
                assert answer(browser, page_id, data).status == 302

            # The disk fills up while the applicant is on the next page.
            page_id, data = REFUSED
            browser.get(f"/q/{page_id}")
            age_browser_sessions(database)
            empty_the_wal(database)
            with filled(disk):
                refused = browser.post(f"/q/{page_id}", data)
                assert_storage_page(refused.status, refused.text, language, f"/q/{page_id}")
                # Reading still works: the answers given so far are on screen.
                shown = browser.get("/q/etat_civil_nom")
                assert shown.status == 200 and 'value="Benali"' in shown.text
                # …though the browser session's "last seen" was due and could not be written.
                assert "browser session not refreshed" in server.log_tail(20_000)
                assert server.alive
            # Space is back: the same page again, then on to the end.
            assert browser.get(f"/q/{page_id}").status == 200
            response = browser.post(f"/q/{page_id}", data)
            for next_id, next_data in STUDENT_ANSWERS[6:]:
                assert response.location == f"/q/{next_id}", (response.status, response.text[:300])
                response = answer(browser, next_id, next_data)
            assert response.location == "/documents"
            check = browser.get("/check").text
            for answered in ("Benali", "Yasmine", "Fès", "12 rue des Lilas", "Université Lyon 2"):
                assert answered in check

            # A page is scanned; the disk fills up as the next one is captured.
            scanner = Applicant(code="", pin="", browser=browser)
            assert capture_one(scanner, Signals()) is None
            kept = listed_pages(browser)
            assert kept == scanner.page_ids and len(kept) == 1
            empty_the_wal(database)
            with filled(disk):
                browser.get(f"/scan/{DOCUMENT}")
                assert wait_until_ready(browser) is None  # the live picture needs no disk
                refused = browser.post(f"/scan/{DOCUMENT}/capture")
                assert_storage_page(refused.status, refused.text, language, f"/scan/{DOCUMENT}")
                assert listed_pages(browser) == kept
            assert capture_one(scanner, Signals()) is None
            assert listed_pages(browser) == scanner.page_ids and len(scanner.page_ids) == 2
        finally:
            server.stop()


def listed_pages(browser: Browser) -> list[int]:
    listing = browser.get(f"/scan/{DOCUMENT}/pages")
    assert listing.status == 200
    return [int(page_id) for page_id in PAGE_IDS.findall(listing.text)]


# --- the app in this process on a tmpfs remounted read-only ------------------------------


def in_process_app(instance: Path) -> Flask:
    # Not TESTING: the test client would re-raise the error instead of showing its page.
    app = create_app({"TESTING": False}, instance_path=instance)
    db.upgrade(db.get_engine(app))
    return app


def release(app: Flask) -> None:
    """Close every file the app holds open for writing (its pooled connections)."""
    app.extensions["guichet.camera"].stop()
    db.get_engine(app).dispose()


@contextlib.contextmanager
def refused_on_a_read_only_disk(tmp_path: Path, language: str) -> Iterator[tuple[Kiosk, str]]:
    """Answer the first pages in `language`, then post the next with the disk read-only.

    Yields the kiosk, once the disk is writable again, and the refused page.
    """
    with tmpfs(tmp_path / "disk") as disk:
        app = in_process_app(disk / "instance")
        try:
            kiosk = Kiosk(app.test_client())
            kiosk.start(language)
            kiosk.choose(STUDENT)
            assert kiosk.post("/q/titre_expiration", expiry_form()).status_code == 302
            for page_id, data in BEFORE:
                kiosk.get(f"/q/{page_id}")
                assert kiosk.post(f"/q/{page_id}", data).status_code == 302
            page_id, data = REFUSED
            kiosk.get(f"/q/{page_id}")
            release(app)
            remount(disk, "ro")
            try:
                refused = kiosk.post(f"/q/{page_id}", data)
            finally:
                remount(disk, "rw")
            page = html.unescape(refused.get_data(as_text=True))
            assert_storage_page(refused.status_code, page, language, f"/q/{page_id}")
            yield kiosk, page
        finally:
            release(app)


@ROOT_ONLY
def test_a_read_only_disk_refuses_clearly_then_carries_on_once_writable(tmp_path: Path) -> None:
    # The browser session is in the database too, unreadable: the language
    # comes from the browser's language cookie (French here).
    with refused_on_a_read_only_disk(tmp_path, "fr") as (kiosk, _page):
        # The same app, once the disk is writable again: nothing lost, carry on.
        page_id, data = REFUSED
        assert 'value="Benali"' in html.unescape(kiosk.get("/q/etat_civil_nom").text)
        kiosk.get(f"/q/{page_id}")
        response = kiosk.post(f"/q/{page_id}", data)
        assert response.location == f"/q/{STUDENT_ANSWERS[6][0]}"


@ROOT_ONLY
def test_a_read_only_disk_speaks_the_applicants_language(tmp_path: Path) -> None:
    # With the browser session unreadable, only the language cookie knows the language.
    with refused_on_a_read_only_disk(tmp_path, "ar") as (_kiosk, page):
        assert '<html lang="ar" dir="rtl">' in page


# --- the real server on ext4 that fails and turns read-only -------------------------------


@contextlib.contextmanager
def ext4_on_loop(image: Path, mount_point: Path) -> Iterator[str]:
    """A fresh ext4 file system on a loop device, mounted with errors=remount-ro."""
    if not shutil.which("losetup") or not shutil.which("mkfs.ext4"):
        pytest.skip("needs losetup and mkfs.ext4")
    subprocess.run(["truncate", "-s", "64M", str(image)], check=True)
    attached = subprocess.run(
        ["losetup", "--find", "--show", str(image)], capture_output=True, text=True
    )
    if attached.returncode != 0:
        pytest.skip(f"no loop device: {attached.stderr.strip()}")
    device = attached.stdout.strip()
    mount_point.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(["mkfs.ext4", "-q", device], check=True)
        subprocess.run(["mount", "-o", "errors=remount-ro", device, str(mount_point)], check=True)
        yield device
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)
        subprocess.run(["losetup", "--detach", device], check=False)


@ROOT_ONLY
def test_a_disk_io_error_refuses_clearly_and_loses_nothing_saved(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    with ext4_on_loop(tmp_path / "disk.img", disk) as device:
        trigger = Path("/sys/fs/ext4") / Path(device).name / "trigger_fs_error"
        if not trigger.exists():
            pytest.skip(f"no {trigger}: cannot make ext4 fail on purpose")
        server = Server(disk / "instance", tmp_path / "server.log")
        server.start()
        try:
            browser = Browser(server.port)
            start_in(browser, "ar")
            assert answer(browser, "titre_expiration", expiry_form()).status == 302
            for page_id, data in BEFORE:
                assert answer(browser, page_id, data).status == 302
            page_id, data = REFUSED
            browser.get(f"/q/{page_id}")
            # ext4 finds an error: it aborts its journal and turns read-only at once.
            trigger.write_text("guichet storage test\n")
            refused = browser.post(f"/q/{page_id}", data)
            assert_storage_page(refused.status, refused.text, "ar", f"/q/{page_id}")
            assert browser.get("/q/etat_civil_nom").status == 200
            assert server.alive
        finally:
            server.stop()
        # The disk is repaired (checked, mounted again) and the kiosk restarted.
        subprocess.run(["umount", str(disk)], check=True)
        subprocess.run(["e2fsck", "-fy", device], capture_output=True, check=False)
        subprocess.run(["mount", device, str(disk)], check=True)
        server.start()
        browser.port = server.port  # the same browser, its cookie still good
        try:
            assert 'value="Benali"' in browser.get("/q/etat_civil_nom").text
            assert browser.get(f"/q/{page_id}").status == 200
            response = browser.post(f"/q/{page_id}", data)
            assert response.location == f"/q/{STUDENT_ANSWERS[6][0]}"
        finally:
            server.stop()


# --- which errors count as "cannot store" ---------------------------------------------------


def test_storage_failures_are_told_from_other_database_errors(tmp_path: Path) -> None:
    database = tmp_path / "read-only.sqlite3"
    sqlite3.connect(database).execute("CREATE TABLE answer (value TEXT)").connection.close()
    engine = sqlalchemy.create_engine(f"sqlite:///file:{database}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            with pytest.raises(sqlalchemy.exc.OperationalError) as read_only:
                connection.exec_driver_sql("INSERT INTO answer VALUES ('x')")
            with pytest.raises(sqlalchemy.exc.OperationalError) as typo:
                connection.exec_driver_sql("SELECT nothing FROM nowhere")
    finally:
        engine.dispose()
    assert is_storage_failure(read_only.value)  # attempt to write a readonly database
    assert not is_storage_failure(typo.value)  # a bug, not the disk: the generic 500 page
    assert is_storage_failure(OSError(errno.ENOSPC, "No space left on device"))
    assert is_storage_failure(OSError(errno.EIO, "Input/output error"))
    assert not is_storage_failure(OSError(errno.ENOENT, "No such file or directory"))
    assert not is_storage_failure(ValueError("not a storage error"))
