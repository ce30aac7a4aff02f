"""Applicant sessions: start, find, save answers, close, resume with code and PIN.

Each function takes the database session it works in and never commits on its
own except where the docstring says so: the view decides when a request's work
is acknowledged. Answers are kept as a JSON object (field id to value),
sealed with the session's own key (`kiosk.crypto`): `answers_of` and
`store_answers` are the only way in and out.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import QueryableAttribute, Session

from kiosk import crypto
from kiosk.models import ApplicantSession, utcnow

#: Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
REFERENCE_LENGTH = 6
PIN_LENGTH = 4

# One hasher for the process: argon2id with the RFC 9106 low-memory profile.
_hasher = PasswordHasher()


class Status(StrEnum):
    """Life of an applicant session."""

    ACTIVE = "active"
    CLOSED = "closed"  # resumable with code and PIN until `resumable_until`
    ENDED = "ended"  # answers erased


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def format_code(code: str) -> str:
    """Show a resume code in two groups of four, easier to copy: ``K7M2-QX4P``."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def normalise_code(typed: str) -> str:
    """Read a typed resume code: ignore case, spaces and dashes; O→0 is not needed."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def start(db: Session, language: str) -> ApplicantSession:
    """Create a new applicant session with a fresh reference and resume code."""
    while True:
        code = _random_code(CODE_LENGTH)
        reference = "G" + _random_code(REFERENCE_LENGTH)
        clash = db.scalar(
            select(ApplicantSession.id).where(
                (ApplicantSession.resume_code == code) | (ApplicantSession.reference == reference)
            )
        )
        if clash is None:
            break
    applicant = ApplicantSession(
        reference=reference,
        resume_code=code,
        language=language,
        status=Status.ACTIVE,
        failed_pin_attempts=0,
        saved_for_later=False,
    )
    db.add(applicant)
    db.flush()
    applicant.sealed_key = crypto.wrap_data_key(
        crypto.master_key_of(applicant), crypto.new_data_key(), applicant.id
    )
    return applicant


def _open_json(
    applicant: ApplicantSession, column: QueryableAttribute[Any], sealed: bytes | None
) -> Any:
    return json.loads(crypto.unseal(applicant, column, sealed)) if sealed is not None else {}


def _seal_json(
    applicant: ApplicantSession, column: QueryableAttribute[Any], value: dict[str, Any]
) -> bytes:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return crypto.seal(applicant, column, text.encode("utf-8"))


def answers_of(applicant: ApplicantSession) -> dict[str, Any]:
    """Return the answers stored for an applicant (`crypto.BrokenSeal` if altered)."""
    value: dict[str, Any] = _open_json(
        applicant, ApplicantSession.sealed_answers, applicant.sealed_answers
    )
    return value


def store_answers(applicant: ApplicantSession, answers: dict[str, Any]) -> None:
    """Replace the stored answers, sealed."""
    applicant.sealed_answers = _seal_json(applicant, ApplicantSession.sealed_answers, answers)


def finder_answers_of(applicant: ApplicantSession) -> dict[str, str]:
    """Return the answers given to the procedure finder."""
    value: dict[str, str] = _open_json(
        applicant, ApplicantSession.sealed_finder_answers, applicant.sealed_finder_answers
    )
    return value


def store_finder_answers(applicant: ApplicantSession, answers: dict[str, str]) -> None:
    """Replace the stored finder answers, sealed."""
    applicant.sealed_finder_answers = _seal_json(
        applicant, ApplicantSession.sealed_finder_answers, answers
    )


def is_valid_pin(pin: str) -> bool:
    """Tell whether a PIN has the right form: exactly four digits."""
    return len(pin) == PIN_LENGTH and pin.isascii() and pin.isdigit()


def set_pin(applicant: ApplicantSession, pin: str) -> None:
    """Store the hash of the PIN the applicant chose."""
    if not is_valid_pin(pin):
        raise ValueError("a PIN is four digits")
    applicant.pin_hash = _hasher.hash(pin)


def touch(applicant: ApplicantSession, now: dt.datetime | None = None) -> None:
    """Record that the applicant did something just now."""
    applicant.last_activity_at = now or utcnow()


def close(applicant: ApplicantSession, resumable_for: dt.timedelta, now: dt.datetime) -> None:
    """Close a session so that it can only be reopened with its code and PIN.

    A session already saved for later keeps its longer deadline.
    """
    applicant.status = Status.CLOSED
    until = now + resumable_for
    if applicant.resumable_until is None or applicant.resumable_until < until:
        applicant.resumable_until = until


def erase(applicant: ApplicantSession) -> None:
    """End a session for good: forget its answers, PIN, resume code and data key."""
    applicant.status = Status.ENDED
    applicant.sealed_answers = None
    applicant.sealed_finder_answers = None
    crypto.shred(applicant)
    applicant.pin_hash = None
    applicant.current_page = None
    applicant.resumable_until = None
    applicant.saved_for_later = False
    # Keep the row unique but useless for resuming.
    applicant.resume_code = "X" + secrets.token_hex(7)


class AttemptOutcome(StrEnum):
    """What happened when someone typed a secret counted against a lockout.

    Used for a resume code and PIN here, and for a staff password or PIN
    (`kiosk.staff`).
    """

    OK = "ok"
    #: Wrong secret, or nothing it opens (unknown, expired, disabled): never say which.
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class ResumeResult:
    """The outcome of a resume attempt and, if it worked, the session."""

    outcome: AttemptOutcome
    applicant: ApplicantSession | None = None
    attempts_left: int | None = None


def resume(
    db: Session,
    typed_code: str,
    pin: str,
    now: dt.datetime,
    max_attempts: int,
    lock_for: dt.timedelta,
) -> ResumeResult:
    """Reopen a session from its code and PIN, counting wrong PINs per code.

    After `max_attempts` wrong PINs the code is locked for `lock_for`. The
    counter lives in the database, so restarting the kiosk does not reset it.
    """
    code = normalise_code(typed_code)
    applicant = db.scalar(
        select(ApplicantSession).where(
            ApplicantSession.resume_code == code, ApplicantSession.status != Status.ENDED
        )
    )
    if applicant is None or applicant.pin_hash is None:
        return ResumeResult(AttemptOutcome.WRONG)
    if applicant.locked_until is not None and applicant.locked_until > now:
        return ResumeResult(AttemptOutcome.LOCKED)
    if applicant.resumable_until is not None and applicant.resumable_until < now:
        return ResumeResult(AttemptOutcome.WRONG)
    try:
        _hasher.verify(applicant.pin_hash, pin)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        applicant.failed_pin_attempts += 1
        if applicant.failed_pin_attempts >= max_attempts:
            applicant.failed_pin_attempts = 0
            applicant.locked_until = now + lock_for
            return ResumeResult(AttemptOutcome.LOCKED)
        return ResumeResult(
            AttemptOutcome.WRONG, attempts_left=max_attempts - applicant.failed_pin_attempts
        )
    applicant.failed_pin_attempts = 0
    applicant.locked_until = None
    applicant.status = Status.ACTIVE
    touch(applicant, now)
    return ResumeResult(AttemptOutcome.OK, applicant)
