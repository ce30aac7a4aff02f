"""Ending a session for good: keep the anonymous statistics, erase everything else.

One function for every way a session ends (the applicant finishes, a
mediator wipes it, `guichet purge` finds it expired), so that none of them
forgets a piece: answers, PIN and resume code, captured pages, the built
dossier and its copy offered to the browser's file picker, and the session's
data key. Erased means gone:

- the data key is deleted (crypto-shredding), so a ciphertext that survived
  somewhere (a disk block, a stray file) can never be opened again, unless
  its wrapped key survived with it (a copy of the whole database: see
  `kiosk.crypto`);
- the rows are deleted or blanked with ``secure_delete`` on, which zeroes
  the freed bytes in the database file;
- once the transaction is committed, the WAL is checkpointed and truncated
  (`kiosk.db.checkpoint`), since it still holds the pages as they were.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kiosk import applicants, dossiers, pages, statistics
from kiosk.db import checkpoint_after_commit
from kiosk.models import ApplicantSession


def erase_session(
    db: Session, applicant: ApplicantSession, outcome: statistics.Outcome | None = None
) -> None:
    """Record the session's anonymous statistics, then erase its data.

    `outcome` defaults to completed when a dossier was built, else abandoned.
    The caller commits; the WAL is checkpointed right after.
    """
    statistics.record_session(db, applicant, outcome or statistics.outcome_of(db, applicant))
    pages.erase_all(db, applicant.id)
    dossiers.erase(db, applicant)
    applicants.erase(applicant)
    checkpoint_after_commit(db)
