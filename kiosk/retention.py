"""Retention: how long a session's data is kept, and `purge`, which erases what has expired.

- An active session whose browser went silent (no touch for the idle
  countdown plus a grace period: a crash, a power cut) is closed as the
  countdown would have closed it.
- A session closed without "save for later" can be resumed for
  ``UNSAVED_RESUME_HOURS`` after its last activity, one saved for later for
  ``RESUME_DAYS``; past that it is erased (outcome abandoned or expired,
  completed if a dossier was built), whatever deadline it was given when
  the settings were longer.
- The ANEF outbox holds clear PDFs only for active sessions: anything else
  in it is removed.
- Browser sessions unused for 12 hours are forgotten.
- Then the WAL is checkpointed and truncated.

`purge` is idempotent and takes its clock as an argument. It runs from
``guichet purge`` (deploy's daily timer), when ``guichet serve`` starts, and
every hour in the server (`start_hourly_purge`), so retention holds even if
the timer is missing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk import applicants, browser_session, db, dossiers, erasure, statistics
from kiosk.models import ApplicantSession, utcnow

PURGE_EVERY_SECONDS = 3600
#: Extra seconds, beyond the idle countdown, before the server itself closes a
#: session whose browser stopped talking (crash, power cut, closed window).
SERVER_GRACE_SECONDS = 120

_log = logging.getLogger("guichet")


@dataclass
class PurgeReport:
    """What a purge did: references and counts, never anything personal."""

    closed: list[str] = field(default_factory=list)
    erased: list[tuple[str, str]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    outbox_entries_removed: int = 0
    browser_sessions_forgotten: int = 0
    checkpointed: bool = False

    def lines(self) -> list[str]:
        """The report as the command prints it."""
        shown = [f"closed  {reference} (browser silent)" for reference in self.closed]
        shown += [f"erased  {reference} ({outcome})" for reference, outcome in self.erased]
        shown += [f"FAILED  {reference}" for reference in self.failed]
        shown.append(
            f"{len(self.erased)} session(s) erased, {len(self.closed)} closed, "
            f"{self.outbox_entries_removed} outbox folder(s) removed, "
            f"{self.browser_sessions_forgotten} browser session(s) forgotten"
        )
        shown.append("WAL checkpointed" if self.checkpointed else "WAL checkpoint incomplete")
        return shown


def silent_after(config: Mapping[str, Any]) -> dt.timedelta:
    """How long an active session may go without a touch before the server closes it."""
    seconds = int(config["IDLE_SECONDS"]) + int(config["IDLE_COUNTDOWN_SECONDS"])
    return dt.timedelta(seconds=seconds + SERVER_GRACE_SECONDS)


def erase_after(applicant: ApplicantSession, config: Mapping[str, Any]) -> dt.datetime:
    """When a closed session's data must be gone: its deadline, shortened to today's settings."""
    if applicant.saved_for_later:
        window = dt.timedelta(days=int(config["RESUME_DAYS"]))
    else:
        window = dt.timedelta(hours=int(config["UNSAVED_RESUME_HOURS"]))
    by_settings = applicant.last_activity_at + window
    if applicant.resumable_until is None:
        return by_settings
    return min(by_settings, applicant.resumable_until)


def _close_silent(session: Session, config: Mapping[str, Any], now: dt.datetime) -> list[str]:
    """Close active sessions whose browser stopped talking, as of when it did."""
    limit = silent_after(config)
    silent = session.scalars(
        select(ApplicantSession)
        .where(ApplicantSession.status == applicants.Status.ACTIVE)
        .where(ApplicantSession.last_activity_at < now - limit)
    ).all()
    hours = dt.timedelta(hours=int(config["UNSAVED_RESUME_HOURS"]))
    for applicant in silent:
        applicants.close(applicant, hours, applicant.last_activity_at + limit)
    return [applicant.reference for applicant in silent]


def _expired(
    session: Session, config: Mapping[str, Any], now: dt.datetime
) -> list[tuple[int, str]]:
    closed = session.scalars(
        select(ApplicantSession).where(ApplicantSession.status == applicants.Status.CLOSED)
    ).all()
    return [(one.id, one.reference) for one in closed if erase_after(one, config) <= now]


def _erase_one(app: Flask, applicant_id: int, now: dt.datetime) -> tuple[str, str] | None:
    """Erase one expired session in its own transaction (checked again inside it)."""
    with db.session_scope(app) as session:
        applicant = session.get(ApplicantSession, applicant_id)
        if (
            applicant is None
            or applicant.status != applicants.Status.CLOSED
            or erase_after(applicant, app.config) > now
        ):
            return None  # resumed or erased meanwhile
        outcome = statistics.outcome_of(session, applicant, expired=applicant.saved_for_later)
        erasure.erase_session(session, applicant, outcome)
        return applicant.reference, str(outcome)


def _outbox_reference(entry: Path) -> str:
    """The dossier reference an outbox entry belongs to (leftovers are ``.REF.partial-…``)."""
    name = entry.name
    return name[1:].partition(".")[0] if name.startswith(".") else name


def sweep_outbox(folder: Path, active_references: set[str]) -> int:
    """Remove whatever the outbox holds for sessions that are not active; return the count."""
    if not folder.is_dir():
        return 0
    removed = 0
    for entry in list(folder.iterdir()):
        if _outbox_reference(entry) in active_references:
            continue
        with contextlib.suppress(FileNotFoundError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
    return removed


def purge(app: Flask, now: dt.datetime | None = None) -> PurgeReport:
    """Erase every expired session and what is left of ended ones; see the module's docstring."""
    now = now or utcnow()
    report = PurgeReport()
    with app.app_context():
        with db.session_scope(app) as session:
            report.closed = _close_silent(session, app.config, now)
        with db.session_scope(app) as session:
            expired = _expired(session, app.config, now)
        for applicant_id, reference in expired:
            try:
                erased = _erase_one(app, applicant_id, now)
            except Exception:
                _log.exception("purge: could not erase session %s", reference)
                report.failed.append(reference)
                continue
            if erased is not None:
                report.erased.append(erased)
        with db.session_scope(app) as session:
            active = set(
                session.scalars(
                    select(ApplicantSession.reference).where(
                        ApplicantSession.status == applicants.Status.ACTIVE
                    )
                )
            )
        report.outbox_entries_removed = sweep_outbox(dossiers.outbox(), active)
    report.browser_sessions_forgotten = browser_session.forget_old_browser_sessions(app, now)
    report.checkpointed = db.checkpoint(db.get_engine(app))
    return report


def start_hourly_purge(app: Flask, every_seconds: float = PURGE_EVERY_SECONDS) -> threading.Event:
    """Purge every hour in a daemon thread of the server; set the returned event to stop it."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every_seconds):
            try:
                report = purge(app)
            except Exception:
                _log.exception("hourly purge failed")
                continue
            if report.erased or report.closed or report.outbox_entries_removed:
                _log.info("hourly purge: %s", "; ".join(report.lines()))

    threading.Thread(target=run, name="guichet-purge", daemon=True).start()
    return stop
