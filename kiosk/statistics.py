"""Anonymous statistics: what is kept of a session once it is over.

`record_session` is called just before a session's data is erased (ended,
abandoned, expired). It keeps the procedure, the language, the day, the
outcome, the minutes spent and which required documents were missing: no
reference, no answers, nothing that points back to a person.
"""

from __future__ import annotations

import json
from enum import StrEnum

from sqlalchemy.orm import Session

from forms import flow
from kiosk import applicants, crypto, pages
from kiosk.models import ApplicantSession, BuiltDossier, SessionStatistic, utcnow
from kiosk.procedures import all_procedures


class Outcome(StrEnum):
    """How a session ended."""

    COMPLETED = "completed"  # a dossier was built
    ABANDONED = "abandoned"  # ended, or left unsaved, without a dossier
    EXPIRED = "expired"  # saved for later, never finished in time


def outcome_of(db: Session, applicant: ApplicantSession, expired: bool = False) -> Outcome:
    """Completed if a dossier was built, else expired or abandoned."""
    if db.get(BuiltDossier, applicant.id) is not None:
        return Outcome.COMPLETED
    return Outcome.EXPIRED if expired else Outcome.ABANDONED


def record_session(db: Session, applicant: ApplicantSession, outcome: Outcome) -> SessionStatistic:
    """Keep the anonymous summary of a session; call it before erasing the session."""
    missing: list[str] = []
    procedure = all_procedures().get(applicant.procedure_id or "")
    if procedure is not None:
        try:
            answers = applicants.answers_of(applicant)
        except crypto.BrokenSeal:
            # Damaged answers must not keep a session from being erased.
            answers = None
        if answers is not None:
            required = flow.required_documents(procedure, answers)
            missing = [
                item.document.id
                for item in pages.progress(db, applicant.id, required)
                if not item.pages
            ]
    end = applicant.last_activity_at or utcnow()
    minutes = max(0, round((end - applicant.created_at).total_seconds() / 60))
    row = SessionStatistic(
        day=applicant.created_at.date(),
        procedure_id=applicant.procedure_id,
        language=applicant.language,
        outcome=str(outcome),
        minutes=minutes,
        missing_documents=json.dumps(sorted(missing)),
        assisted=applicant.assisted,
    )
    db.add(row)
    return row
