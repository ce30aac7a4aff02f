"""Ending a session for good: keep the anonymous statistics, erase everything else.

One function for every way a session ends (the applicant finishes, a
mediator wipes it, `guichet purge` finds it expired), so that none of them
forgets a piece: answers, PIN and resume code, captured pages, the built
dossier and its copy offered to the browser's file picker.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kiosk import applicants, dossiers, pages, statistics
from kiosk.models import ApplicantSession


def erase_session(
    db: Session, applicant: ApplicantSession, outcome: statistics.Outcome | None = None
) -> None:
    """Record the session's anonymous statistics, then erase its data.

    `outcome` defaults to completed when a dossier was built, else abandoned.
    The caller commits.
    """
    statistics.record_session(db, applicant, outcome or statistics.outcome_of(db, applicant))
    pages.erase_all(db, applicant.id)
    dossiers.erase(db, applicant)
    applicants.erase(applicant)
