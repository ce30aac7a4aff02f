"""Retention: `guichet purge` erases what expired, keeps live sessions, prints references only."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from kiosk import applicants, create_app, db, retention
from kiosk.cli import main
from kiosk.db import session_scope
from kiosk.models import ApplicantSession, BrowserSession, SessionStatistic, utcnow
from tests.conftest import Kiosk
from tests.test_screens import complete_student_renewal

T0 = dt.datetime(2026, 3, 2, 9, 0)
NAME = "Yasminecanary"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The kiosk with its ANEF outbox outside the instance folder."""
    app = create_app(
        {"TESTING": True, "ANEF_UPLOAD_DIR": str(tmp_path / "outbox")},
        instance_path=tmp_path / "instance",
    )
    db.upgrade(db.get_engine(app))
    yield app
    app.extensions["guichet.camera"].stop()
    db.get_engine(app).dispose()


def make_session(
    app: Flask,
    status: str,
    last_activity: dt.datetime,
    saved: bool = False,
    resumable_until: dt.datetime | None = None,
) -> str:
    """A session with answers, as the screens leave it; returns its reference."""
    with session_scope(app) as session:
        applicant = applicants.start(session, "fr")
        applicants.store_answers(applicant, {"nom": NAME})
        applicant.procedure_id = "etudiant_renouvellement"
        applicant.status = status
        applicant.saved_for_later = saved
        applicant.created_at = applicant.last_activity_at = last_activity
        applicant.resumable_until = resumable_until
        return applicant.reference


def state(app: Flask) -> dict[str, tuple[str, dict[str, object]]]:
    """Each session's status and answers, by reference."""
    with session_scope(app) as session:
        return {
            row.reference: (row.status, applicants.answers_of(row))
            for row in session.scalars(select(ApplicantSession))
        }


def outbox_folder(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "outbox" / name
    folder.mkdir(parents=True)
    (folder / "00-fiche-recapitulative.pdf").write_bytes(b"%PDF " + NAME.encode())
    return folder


def test_purge_erases_what_expired_and_keeps_live_sessions(app: Flask, tmp_path: Path) -> None:
    now = T0 + dt.timedelta(days=31)
    saved_expired = make_session(app, "closed", T0, True, T0 + dt.timedelta(days=30))
    unsaved_expired = make_session(app, "closed", T0, False, T0 + dt.timedelta(hours=24))
    saved_live = make_session(
        app, "closed", T0 + dt.timedelta(days=20), True, T0 + dt.timedelta(days=50)
    )
    active = make_session(app, "active", now - dt.timedelta(minutes=1))
    silent = make_session(app, "active", T0)  # the browser crashed, nobody came back
    outbox_folder(tmp_path, saved_expired)  # erased with its session
    outbox_folder(tmp_path, saved_live)  # the applicant left: no clear PDF waits for them
    outbox_folder(tmp_path, active)
    outbox_folder(tmp_path, f".{unsaved_expired}.partial-0a1b2c")
    (tmp_path / "outbox" / "stray.pdf").write_bytes(b"%PDF")
    with session_scope(app) as session:
        session.add(BrowserSession(token_hash="a" * 64, last_seen_at=now - dt.timedelta(hours=13)))
        session.add(BrowserSession(token_hash="b" * 64, last_seen_at=now - dt.timedelta(hours=1)))

    report = retention.purge(app, now)

    assert sorted(report.erased) == sorted(
        [(saved_expired, "expired"), (unsaved_expired, "abandoned"), (silent, "abandoned")]
    )
    assert report.closed == [silent] and report.failed == []
    assert report.outbox_entries_removed == 2 and report.browser_sessions_forgotten == 1
    assert report.checkpointed
    after = state(app)
    for reference in (saved_expired, unsaved_expired, silent):
        assert after[reference] == ("ended", {})
    assert after[saved_live] == ("closed", {"nom": NAME})
    assert after[active] == ("active", {"nom": NAME})
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == [active]
    with session_scope(app) as session:
        assert session.scalars(select(BrowserSession.token_hash)).all() == ["b" * 64]
        kept = session.scalars(select(SessionStatistic)).all()
    assert sorted(row.outcome for row in kept) == ["abandoned", "abandoned", "expired"]
    for row in kept:
        values = " ".join(str(value) for value in vars(row).values())
        assert NAME not in values and not any(ref in values for ref in after)
        assert row.day == T0.date()

    # Idempotent: nothing more to do, nothing changes.
    again = retention.purge(app, now)
    assert (again.erased, again.closed, again.outbox_entries_removed) == ([], [], 0)
    assert state(app) == after


def test_shorter_settings_apply_to_sessions_saved_before(app: Flask) -> None:
    saved = make_session(app, "closed", T0, True, T0 + dt.timedelta(days=30))
    app.config["RESUME_DAYS"] = 7
    assert retention.purge(app, T0 + dt.timedelta(days=6)).erased == []
    assert retention.purge(app, T0 + dt.timedelta(days=7, minutes=1)).erased == [(saved, "expired")]


def test_a_session_resumed_in_time_is_not_erased(app: Flask) -> None:
    unsaved = make_session(app, "closed", T0, False, T0 + dt.timedelta(hours=24))
    assert retention.purge(app, T0 + dt.timedelta(hours=23)).erased == []
    assert state(app)[unsaved] == ("closed", {"nom": NAME})


def test_guichet_purge_prints_references_and_counts_only(app: Flask, tmp_path: Path) -> None:
    expired = make_session(app, "closed", T0, True, T0 + dt.timedelta(days=30))
    live = make_session(app, "closed", T0 + dt.timedelta(days=40), True, T0 + dt.timedelta(days=70))
    instance = ["--instance", str(tmp_path / "instance")]
    result = CliRunner().invoke(main, ["purge", *instance, "--now", "2026-04-15T12:00"])
    assert result.exit_code == 0, result.output
    assert f"erased  {expired} (expired)" in result.output
    assert "1 session(s) erased, 0 closed" in result.output and "WAL checkpointed" in result.output
    assert live not in result.output and NAME not in result.output
    again = CliRunner().invoke(main, ["purge", *instance, "--now", "2026-04-15T12:00"])
    assert again.exit_code == 0 and "0 session(s) erased" in again.output


def test_the_server_purges_every_hour_by_itself(app: Flask) -> None:
    expired = make_session(app, "closed", utcnow() - dt.timedelta(days=40), True)
    stop = retention.start_hourly_purge(app, every_seconds=0.05)
    try:
        deadline = time.monotonic() + 10
        while state(app)[expired][0] != "ended" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
    assert state(app)[expired] == ("ended", {})


@pytest.mark.parametrize("leave", ["/save", "/session/close"])
def test_leaving_the_kiosk_withdraws_the_anef_folder(
    kiosk: Kiosk, app: Flask, tmp_path: Path, leave: str
) -> None:
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
    kiosk.follow(kiosk.post("/check"))
    kiosk.post("/dossier/build")
    kiosk.post("/dossier/anef")
    assert list((tmp_path / "outbox").iterdir())
    kiosk.get("/check")
    assert kiosk.post(leave).status_code == 302  # saved for later, or the idle countdown ended
    assert list((tmp_path / "outbox").iterdir()) == []
    ((status, answers),) = state(app).values()  # the session itself is kept, resumable
    assert status == "closed" and answers
