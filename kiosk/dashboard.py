"""What the staff dashboard shows: today's sessions, statistics over a period, CSV.

Nothing here names a person. Today's sessions are listed by their public
reference, procedure, language, step and duration. Statistics come from the
anonymous `SessionStatistic` rows kept when a session ends (no reference,
day only), plus the sessions still open, counted by procedure and language:
the evidence a public service needs to ask for more means.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from dataclasses import dataclass
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.schema import SUMMARY
from forms.validate import N_
from kiosk.applicants import Status
from kiosk.models import ApplicantSession, BuiltDossier, SessionStatistic
from kiosk.procedures import all_procedures

#: Steps named without the procedure (msgids).
STEP_FINDER = N_("Recherche de la démarche")
STEP_SUMMARY = N_("Vérification et documents")
STEP_DOSSIER = N_("Dossier préparé")
#: Periods offered on the statistics screen: code, msgid, days back (0: a month).
RECENT_PERIODS = (
    ("7", N_("7 derniers jours"), 7),
    ("30", N_("30 derniers jours"), 30),
    ("90", N_("3 derniers mois"), 91),
    ("365", N_("12 derniers mois"), 365),
)
CSV_COLUMNS = (
    "day",
    "procedure",
    "language",
    "outcome",
    "minutes",
    "assisted",
    "missing_documents",
)


def local_day_start(now: dt.datetime) -> dt.datetime:
    """Midnight of the kiosk's local day containing `now` (naive UTC), as naive UTC."""
    local = now.replace(tzinfo=dt.UTC).astimezone()
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class TodaySession:
    """One session of today, as the dashboard lists it."""

    reference: str
    procedure_id: str | None
    language: str
    #: A msgid (a page title or one of the STEP_* names).
    step: str
    status: str
    minutes: int
    assisted: bool
    has_dossier: bool


def _step(row: ApplicantSession, has_dossier: bool) -> str:
    procedure = all_procedures().get(row.procedure_id or "")
    if procedure is None:
        return STEP_FINDER
    if has_dossier:
        return STEP_DOSSIER
    page = procedure.page(row.current_page or "")
    if page is not None:
        return page.title
    return STEP_SUMMARY if row.current_page == SUMMARY else procedure.title


def _minutes(row: ApplicantSession, now: dt.datetime) -> int:
    """Minutes spent so far: until now while active, else until the last action."""
    end = now if row.status == Status.ACTIVE else row.last_activity_at
    return max(0, round((end - row.created_at).total_seconds() / 60))


def todays_sessions(db: Session, now: dt.datetime) -> list[TodaySession]:
    """Every session started since local midnight, newest first."""
    rows = db.scalars(
        select(ApplicantSession)
        .where(ApplicantSession.created_at >= local_day_start(now))
        .order_by(ApplicantSession.created_at.desc())
    ).all()
    built = set(
        db.scalars(
            select(BuiltDossier.applicant_id).where(
                BuiltDossier.applicant_id.in_([row.id for row in rows])
            )
        )
    )
    listed = []
    for row in rows:
        listed.append(
            TodaySession(
                reference=row.reference,
                procedure_id=row.procedure_id,
                language=row.language,
                step=_step(row, row.id in built),
                status=row.status,
                minutes=_minutes(row, now),
                assisted=row.assisted,
                has_dossier=row.id in built,
            )
        )
    return listed


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included."""

    code: str
    label: str
    first: dt.date
    last: dt.date


def periods(today: dt.date) -> list[Period]:
    """The periods offered: the recent ones, then each of the last twelve months."""
    offered = [
        Period(code, label, today - dt.timedelta(days=days - 1), today)
        for code, label, days in RECENT_PERIODS
    ]
    month = today.replace(day=1)
    for _ in range(12):
        following = (month + dt.timedelta(days=32)).replace(day=1)
        offered.append(Period(f"{month:%Y-%m}", "", month, following - dt.timedelta(days=1)))
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return offered


def period(code: str | None, today: dt.date) -> Period:
    """The period named by `code`, or the last 30 days."""
    offered = periods(today)
    return next((one for one in offered if one.code == code), offered[1])


@dataclass(frozen=True)
class Summary:
    """Statistics over a period."""

    ended: int
    in_progress: int
    outcomes: dict[str, int]
    procedures: list[tuple[str | None, int]]
    languages: list[tuple[str, int]]
    #: Completed sessions out of the ended ones, in percent (None: none ended).
    completion_rate: int | None
    median_minutes: int | None
    assisted: int
    missing_documents: list[tuple[str, int]]


def _ended(db: Session, chosen: Period) -> list[SessionStatistic]:
    return list(
        db.scalars(
            select(SessionStatistic)
            .where(SessionStatistic.day >= chosen.first, SessionStatistic.day <= chosen.last)
            .order_by(SessionStatistic.day, SessionStatistic.id)
        )
    )


def _open(db: Session, chosen: Period) -> list[ApplicantSession]:
    start = dt.datetime.combine(chosen.first, dt.time())
    end = dt.datetime.combine(chosen.last + dt.timedelta(days=1), dt.time())
    return list(
        db.scalars(
            select(ApplicantSession)
            .where(ApplicantSession.status.in_([Status.ACTIVE, Status.CLOSED]))
            .where(ApplicantSession.created_at >= start, ApplicantSession.created_at < end)
        )
    )


def summarise(db: Session, chosen: Period) -> Summary:
    """Count what the anonymous rows and the open sessions of the period say."""
    ended = _ended(db, chosen)
    still_open = _open(db, chosen)
    outcomes = Counter(row.outcome for row in ended)
    procedures = Counter[str | None](row.procedure_id for row in ended)
    procedures.update(row.procedure_id for row in still_open)
    languages = Counter(row.language for row in ended)
    languages.update(row.language for row in still_open)
    missing: Counter[str] = Counter()
    for row in ended:
        missing.update(json.loads(row.missing_documents or "[]"))
    completed = outcomes.get("completed", 0)
    return Summary(
        ended=len(ended),
        in_progress=len(still_open),
        outcomes=dict(outcomes),
        procedures=procedures.most_common(),
        languages=languages.most_common(),
        completion_rate=round(100 * completed / len(ended)) if ended else None,
        median_minutes=round(median(row.minutes for row in ended)) if ended else None,
        assisted=sum(row.assisted for row in ended) + sum(row.assisted for row in still_open),
        missing_documents=missing.most_common(10),
    )


def document_titles() -> dict[str, str]:
    """Every document's title (msgid), by id, across the procedures."""
    titles: dict[str, str] = {}
    for procedure in all_procedures().values():
        for document in procedure.documents:
            titles.setdefault(document.id, document.title)
    return titles


def csv_export(db: Session, chosen: Period, now: dt.datetime) -> str:
    """One line per session of the period: the anonymous rows, then the open sessions.

    Only codes, numbers and days (no reference, no time of day): the same
    facts as the statistics screen, for a spreadsheet.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in _ended(db, chosen):
        missing = " ".join(json.loads(row.missing_documents or "[]"))
        writer.writerow(
            [
                row.day.isoformat(),
                row.procedure_id or "",
                row.language,
                row.outcome,
                row.minutes,
                int(row.assisted),
                missing,
            ]
        )
    for live in sorted(_open(db, chosen), key=lambda one: one.created_at):
        writer.writerow(
            [
                live.created_at.date().isoformat(),
                live.procedure_id or "",
                live.language,
                "in_progress",
                _minutes(live, now),
                int(live.assisted),
                "",
            ]
        )
    return buffer.getvalue()
