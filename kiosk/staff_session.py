"""The staff unlock of this browser: who unlocked, how, since when, and what they control.

The kiosk has one browser, shared by the applicant and the mediator beside
them. Unlocking (PIN or password) stores a small record in the server-side
browser session (never in the cookie); it ends:

- after `STAFF_IDLE_SECONDS` without a staff request (the applicant's idle
  pings do not count: they say someone touched the screen, not who);
- `STAFF_SESSION_MINUTES` after the unlock, whatever happens (ASVS 7.3.2);
- when the account is disabled or its credentials reset;
- on "Lock", on "Hand back", and with the browser session itself (a new
  applicant, the idle countdown, "Save for later"), which
  `notice_browser_session_end` notices after the request.

Taking over marks the applicant session shown in this browser as controlled
by the mediator: a banner says so on every screen, and the staff-only powers
on the applicant's screens (any procedure, overriding a capture warning)
need it. Every change is written to the audit log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from kiosk import audit, staff
from kiosk.db import get_db
from kiosk.models import ApplicantSession, StaffAccount, utcnow

F = TypeVar("F", bound=Callable[..., Any])
KEY = "staff"
#: Requests that do not count as the staff member's activity.
PASSIVE_ENDPOINTS = frozenset({"static", "healthz", "applicant.ping", "scan.live_frame"})


@dataclass(frozen=True)
class StaffState:
    """What the browser session remembers of the unlock."""

    account_id: int
    username: str
    display_name: str
    role: str
    method: str
    version: int
    since: dt.datetime
    seen: dt.datetime
    #: Reference of the applicant session taken over, if any.
    control: str | None = None
    bilingual: bool = False

    @property
    def is_admin(self) -> bool:
        """Whether this staff member may use the admin screens."""
        return self.role == staff.Role.ADMIN.value

    def to_dict(self) -> dict[str, Any]:
        """The JSON form kept in the browser session."""
        return {
            "id": self.account_id,
            "username": self.username,
            "name": self.display_name,
            "role": self.role,
            "method": self.method,
            "version": self.version,
            "since": self.since.isoformat(),
            "seen": self.seen.isoformat(),
            "control": self.control,
            "bilingual": self.bilingual,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StaffState:
        """Read the record back (KeyError or ValueError if it is not one)."""
        return cls(
            account_id=int(data["id"]),
            username=str(data["username"]),
            display_name=str(data["name"]),
            role=str(data["role"]),
            method=str(data["method"]),
            version=int(data["version"]),
            since=dt.datetime.fromisoformat(data["since"]),
            seen=dt.datetime.fromisoformat(data["seen"]),
            control=data.get("control"),
            bilingual=bool(data.get("bilingual")),
        )


def current() -> StaffState | None:
    """The staff unlock of this request, once `load` has checked it."""
    state: StaffState | None = g.get("staff")
    return state


def _save(state: StaffState) -> None:
    g.staff = state
    session[KEY] = state.to_dict()


def _expired(state: StaffState, account: StaffAccount | None, now: dt.datetime) -> str | None:
    """Why an unlock no longer holds, or None if it does."""
    config = current_app.config
    if account is None or account.disabled or account.credentials_version != state.version:
        return "credentials"
    if (now - state.seen).total_seconds() > config["STAFF_IDLE_SECONDS"]:
        return "idle"
    if now - state.since > dt.timedelta(minutes=config["STAFF_SESSION_MINUTES"]):
        return "time_limit"
    return None


def load() -> None:
    """Check this browser's staff unlock at the start of a request (before_app_request)."""
    g.staff = None
    data = session.get(KEY) if session else None
    if not data:
        return
    try:
        state = StaffState.from_dict(data)
    except (KeyError, TypeError, ValueError):
        session.pop(KEY, None)
        return
    now = utcnow()
    config = current_app.config
    account = get_db().get(StaffAccount, state.account_id)
    reason = _expired(state, account, now)
    if reason is not None:
        g.staff = state
        end("system", reason)
        # Now: the view may commit nothing, and the record is already gone.
        get_db().commit()
        g.staff_expired = reason
        return
    g.staff = state
    if request.endpoint in PASSIVE_ENDPOINTS:
        return
    # Refresh `seen` only now and then, to spare a session write per request.
    refresh_after = min(30.0, config["STAFF_IDLE_SECONDS"] / 4)
    if (now - state.seen).total_seconds() >= refresh_after:
        _save(dataclasses.replace(state, seen=now))


def unlock(account: StaffAccount, method: staff.Method) -> StaffState:
    """Record a successful unlock in this browser, on a fresh session token."""
    now = utcnow()
    state = StaffState(
        account_id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        method=method.value,
        version=account.credentials_version,
        since=now,
        seen=now,
    )
    _save(state)
    # A new token on every change of privilege (ASVS 7.2.4).
    if hasattr(session, "regenerate"):
        session.regenerate()
    audit.append(get_db(), account.username, audit.Action.UNLOCK, method=method.value)
    return state


def end(actor: str, reason: str) -> None:
    """End the unlock (and any take-over), writing why to the audit log; the caller commits.

    `actor` is the staff member who locked, or "system" when the unlock
    expired or the browser session ended.
    """
    state = current()
    if state is not None:
        _log_end(state, state.username if actor != "system" else "system", reason)
    _forget()


def _log_end(state: StaffState, who: str, reason: str) -> None:
    """Write the end of an unlock, and of its take-over if any, to the audit log."""
    db = get_db()
    if state.control:
        audit.append(
            db, who, audit.Action.HAND_BACK, state.control, reason=reason, staff=state.username
        )
    audit.append(db, who, audit.Action.LOCK, reason=reason, staff=state.username)


def notice_browser_session_end(response: Response) -> Response:
    """Log the end of an unlock that went with the browser session (after_request).

    A new applicant, the idle countdown or "Save for later" empty the browser
    session, and the unlock with it. Whatever the view left uncommitted is
    rolled back anyway after the request (kiosk.db.release_db), so the audit
    events are written in a transaction of their own.
    """
    state = current()
    if state is None or (session and session.get(KEY)):
        return response
    db = get_db()
    try:
        db.rollback()
        _log_end(state, "system", "session_end")
        db.commit()
    except Exception:  # the response must still go out; the log says what was lost
        logging.getLogger("guichet").exception("audit: end of a staff unlock not recorded")
        db.rollback()
    g.staff = None
    return response


def _forget() -> None:
    g.staff = None
    if session:
        session.pop(KEY, None)


def in_control(applicant: ApplicantSession | None) -> bool:
    """Whether a mediator has taken over this applicant session in this browser."""
    state = current()
    return bool(state and applicant and state.control == applicant.reference)


def take_over(applicant: ApplicantSession) -> None:
    """Take over the applicant session shown in this browser (the caller commits)."""
    state = current()
    assert state is not None
    applicant.assisted = True
    _save(dataclasses.replace(state, control=applicant.reference))
    audit.append(get_db(), state.username, audit.Action.TAKE_OVER, applicant.reference)


def hand_back() -> None:
    """Give the screen back to the applicant: end the take-over and lock (the caller commits)."""
    state = current()
    assert state is not None
    end(state.username, "hand_back")


def set_bilingual(on: bool) -> None:
    """Show French under every translated text, or stop (the caller commits)."""
    state = current()
    assert state is not None
    _save(dataclasses.replace(state, bilingual=on))
    action = audit.Action.BILINGUAL_ON if on else audit.Action.BILINGUAL_OFF
    audit.append(get_db(), state.username, action, state.control)


def record(action: audit.Action, reference: str | None = None, **detail: audit.Detail) -> None:
    """Write a staff action of the current staff member to the audit log (the caller commits)."""
    state = current()
    assert state is not None
    audit.append(get_db(), state.username, action, reference, **detail)


def staff_required(view: F) -> F:
    """Send a browser without a staff unlock to the unlock screen, then back here."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current() is None:
            return _to_unlock()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def admin_required(view: F) -> F:
    """Admin screens: an administrator, signed in with the password (not only the PIN).

    A PIN can be seen over a shoulder at the kiosk; changing accounts and
    settings asks for the stronger secret.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        state = current()
        if state is None:
            return _to_unlock()
        if not state.is_admin:
            return redirect(url_for("staff.panel"))
        if state.method != staff.Method.PASSWORD.value:
            return redirect(url_for("staff.login", next=_here(), username=state.username))
        return view(*args, **kwargs)

    return cast(F, wrapped)


def _here() -> str:
    return request.full_path.rstrip("?") if request.method == "GET" else url_for("staff.panel")


def _to_unlock() -> Response:
    # Say why the PIN is asked again when the unlock just expired.
    expired = 1 if g.get("staff_expired") else None
    return redirect(url_for("staff.unlock", next=_here(), expired=expired))
