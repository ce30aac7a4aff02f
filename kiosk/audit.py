"""The staff audit log: who did what, when, on which session; append-only, hash-chained.

Every staff action is one `AuditEvent`. The database refuses to change or
delete an event (triggers in migration 0004); on top of that each event
carries the SHA-256 of its content and of the previous event's hash, so an
event altered or removed by someone who dropped the triggers shows when the
chain is verified (`verify`). The chain cannot show events cut off at the
end: the newest hash is shown on the audit screen for whoever wants to note it.

Events never hold an applicant's personal data: the session is named by its
public reference, and `detail` accepts only codes (a reason from a fixed
list, a procedure id, a setting's name), enforced by `append`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.models import AuditEvent, utcnow

GENESIS = "0" * 64
#: What a detail value may look like: a code, never a sentence or a name.
CODE = re.compile(r"[A-Za-z0-9_.:,+-]{0,120}")
DETAIL_KEY = re.compile(r"[a-z_]{1,32}")
#: Who may act: a staff username, or "cli:<system user>" for the command line.
ACTOR = re.compile(r"[a-z][a-z0-9._-]{1,31}|cli(:[A-Za-z0-9._-]{1,40})?|system")


class Action(StrEnum):
    """Every kind of staff action the log records."""

    UNLOCK = "unlock"
    LOCKOUT = "lockout"  # too many wrong PINs or passwords
    LOCK = "lock"
    TAKE_OVER = "take_over"
    HAND_BACK = "hand_back"
    BILINGUAL_ON = "bilingual_on"
    BILINGUAL_OFF = "bilingual_off"
    CHOOSE_PROCEDURE = "choose_procedure"
    OVERRIDE = "override"
    END_SESSION = "end_session"
    REPRINT = "reprint"
    STATISTICS_EXPORT = "statistics_export"
    STAFF_ADD = "staff_add"
    STAFF_RESET = "staff_reset"
    STAFF_DISABLE = "staff_disable"
    SETTINGS_CHANGE = "settings_change"


Detail = str | int | bool | None


def _check_detail(detail: dict[str, Detail]) -> str:
    for key, value in detail.items():
        if not DETAIL_KEY.fullmatch(key):
            raise ValueError(f"audit detail key {key!r} is not a code")
        if isinstance(value, str) and not CODE.fullmatch(value):
            raise ValueError(f"audit detail {key}={value!r} is not a code")
        if not isinstance(value, str | int | bool | type(None)):
            raise ValueError(f"audit detail {key} must be a code or a number")
    return json.dumps(detail, sort_keys=True, separators=(",", ":"))


def _digest(event: AuditEvent) -> str:
    """The hash of an event: its content and the previous event's hash."""
    content = [
        event.previous_hash,
        event.at.isoformat(timespec="microseconds"),
        event.actor,
        event.action,
        event.session_reference,
        event.detail,
    ]
    canonical = json.dumps(content, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def append(
    db: Session,
    actor: str,
    action: Action,
    session_reference: str | None = None,
    **detail: Detail,
) -> AuditEvent:
    """Add an event at the end of the chain (the caller commits).

    Every write transaction starts with BEGIN IMMEDIATE (kiosk.db), so two
    requests cannot both read the same last hash.

    Raises:
        ValueError: The actor is not a username, or a detail is not a code:
            free text could carry personal data into a log that is never erased.
    """
    if not ACTOR.fullmatch(actor):
        raise ValueError(f"audit actor {actor!r} is not a username")
    if session_reference is not None and not CODE.fullmatch(session_reference):
        raise ValueError("a session reference is a code")
    previous = db.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        at=utcnow(),
        actor=actor,
        action=action.value,
        session_reference=session_reference,
        detail=_check_detail(detail),
        previous_hash=previous or GENESIS,
    )
    event.hash = _digest(event)
    db.add(event)
    db.flush()
    return event


@dataclass(frozen=True)
class ChainCheck:
    """The result of verifying the chain."""

    events: int
    #: The first event whose hash or link does not match, if any.
    broken_at: int | None
    last_hash: str

    @property
    def intact(self) -> bool:
        """Whether every event matches its hash and links to the one before."""
        return self.broken_at is None


def verify(db: Session) -> ChainCheck:
    """Recompute every hash in order; report the first event that does not match."""
    previous = GENESIS
    count = 0
    for event in db.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        count += 1
        if event.previous_hash != previous or _digest(event) != event.hash:
            return ChainCheck(count, event.id, previous)
        previous = event.hash
    return ChainCheck(count, None, previous)


def recent(db: Session, limit: int = 200) -> Sequence[AuditEvent]:
    """The newest events first."""
    return db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)).all()


def detail_of(event: AuditEvent) -> dict[str, Detail]:
    """An event's detail as a mapping."""
    value: dict[str, Detail] = json.loads(event.detail or "{}")
    return value
