"""Staff accounts: mediators and administrators, their password and PIN, lockouts.

A password (at least `PASSWORD_MIN_LENGTH` characters, only those the
on-screen keyboard can type) signs in fully; an optional 6-digit PIN unlocks
the staff panel quickly at the kiosk. Both are stored as argon2id hashes.

Wrong attempts are counted per account, never per address: every client of
the kiosk is 127.0.0.1. The PIN and the password have their own counters:
`max_attempts` wrong PINs lock the PIN (the password still works, so whoever
pokes at the unlock screen cannot keep a mediator out), and `max_attempts`
wrong passwords lock the whole account. Counters live in the database, so a
restart does not reset them.

Functions take the database session they work in and never commit.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
import threading
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.applicants import AttemptOutcome
from kiosk.models import StaffAccount

USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,31}")
DISPLAY_NAME_MAX = 80
PIN_LENGTH = 6
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128
#: What the Latin on-screen keyboard types (kiosk/static/js/keyboard-layouts.js):
#: a password with any other character could not be typed at the kiosk.
KEYBOARD_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-',. éèêëàâçùûôîïœÉÈÊËÀÂÇÙÛÔÎÏŒ"
)


class Role(StrEnum):
    """What a staff member may do."""

    MEDIATOR = "mediator"  # sessions, take-over, overrides, dashboard
    ADMIN = "admin"  # all of it, plus accounts, settings and the audit log


class Method(StrEnum):
    """How a staff member proved who they are."""

    PIN = "pin"
    PASSWORD = "password"


class StaffError(ValueError):
    """A staff account cannot be created or changed as asked.

    `code` names the problem for the screens (which explain it in the
    kiosk's language); the message is for the command line.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# One hasher for the process (argon2id, RFC 9106 low-memory profile: 64 MiB
# per hash). At most two hashes at once, so a burst of attempts cannot
# exhaust a small kiosk PC's memory.
_hasher = PasswordHasher()
_hashing = threading.BoundedSemaphore(2)


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the username is unknown.

    Checking something takes as long as checking a real account, so the
    time taken does not tell which usernames exist.
    """
    return _hash(secrets.token_urlsafe(16))


def _hash(secret: str) -> str:
    with _hashing:
        return _hasher.hash(secret)


def _verify(stored: str, secret: str) -> bool:
    with _hashing:
        try:
            return _hasher.verify(stored, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def check_username(username: str) -> str:
    """Return the username in its stored form (lower case), or raise StaffError."""
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise StaffError(
            "username",
            "a username is 2 to 32 characters: a letter, then letters, digits, '.', '_' or '-'",
        )
    return name


def check_display_name(display_name: str) -> str:
    """Return the display name, trimmed, or raise StaffError."""
    name = " ".join(display_name.split())
    if not name or len(name) > DISPLAY_NAME_MAX or not name.isprintable():
        raise StaffError("display_name", f"a name is 1 to {DISPLAY_NAME_MAX} printable characters")
    return name


def check_role(role: str) -> Role:
    """Return the role, or raise StaffError."""
    try:
        return Role(role)
    except ValueError:
        raise StaffError("role", "the role is admin or mediator") from None


def check_password(password: str) -> None:
    """Refuse a password that is short, or that the on-screen keyboard cannot type."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise StaffError(
            "password_length",
            f"a password has {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters",
        )
    if any(char not in KEYBOARD_CHARACTERS for char in password):
        raise StaffError(
            "password_characters",
            "a password may only hold letters (accented ones too), digits, spaces and - ' , . "
            "(what the kiosk's on-screen keyboard types)",
        )


def check_pin(pin: str) -> None:
    """Refuse a PIN that is not 6 digits, or that anyone would guess first."""
    if len(pin) != PIN_LENGTH or not (pin.isascii() and pin.isdigit()):
        raise StaffError("pin_form", f"a staff PIN is {PIN_LENGTH} digits")
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({0}, {1}, {-1}):
        raise StaffError("pin_guessable", "one repeated digit or a run (123456) is refused")


def find(db: Session, username: str) -> StaffAccount | None:
    """Return the account with this username, if any."""
    return db.scalar(select(StaffAccount).where(StaffAccount.username == username.strip().lower()))


def all_accounts(db: Session) -> list[StaffAccount]:
    """Every account, by username."""
    return list(db.scalars(select(StaffAccount).order_by(StaffAccount.username)))


def unlockable(db: Session) -> list[StaffAccount]:
    """The accounts that can unlock the kiosk with a PIN, by name."""
    return list(
        db.scalars(
            select(StaffAccount)
            .where(StaffAccount.disabled.is_(False), StaffAccount.pin_hash.is_not(None))
            .order_by(StaffAccount.display_name, StaffAccount.username)
        )
    )


def create(
    db: Session,
    username: str,
    display_name: str,
    role: str,
    password: str,
    pin: str | None = None,
) -> StaffAccount:
    """Create an account; raise StaffError if a value is refused or the username is taken."""
    name = check_username(username)
    shown = check_display_name(display_name)
    checked_role = check_role(role)
    check_password(password)
    if pin:
        check_pin(pin)
    if find(db, name) is not None:
        raise StaffError("taken", f"the username {name!r} is already taken")
    account = StaffAccount(
        username=name,
        display_name=shown,
        role=checked_role.value,
        password_hash=_hash(password),
        pin_hash=_hash(pin) if pin else None,
        failed_attempts=0,
        pin_failed_attempts=0,
        credentials_version=0,
        disabled=False,
    )
    db.add(account)
    db.flush()
    return account


def reset(account: StaffAccount, password: str | None, pin: str | None, remove_pin: bool) -> None:
    """Give new credentials, lift the lockouts and enable the account again.

    `password` None keeps the password; `pin` None keeps the PIN unless
    `remove_pin`. Any staff unlock made with the old credentials ends.
    """
    if password is not None:
        check_password(password)
    if pin:
        check_pin(pin)
    if password is not None:
        account.password_hash = _hash(password)
    if pin:
        account.pin_hash = _hash(pin)
    elif remove_pin:
        account.pin_hash = None
    account.failed_attempts = 0
    account.locked_until = None
    account.pin_failed_attempts = 0
    account.pin_locked_until = None
    account.disabled = False
    account.credentials_version += 1


def disable(db: Session, account: StaffAccount) -> None:
    """Refuse every sign-in of this account from now on, and end its unlock.

    Raises StaffError("last_admin") for the last administrator who can sign
    in: nobody could manage the accounts and settings any more.
    """
    if account.role == Role.ADMIN.value and not account.disabled and enabled_admins(db) <= 1:
        raise StaffError(
            "last_admin", "this is the last administrator who can sign in: add another one first"
        )
    account.disabled = True
    account.credentials_version += 1


@dataclass(frozen=True)
class Attempt:
    """The outcome of a sign-in attempt."""

    outcome: AttemptOutcome
    account: StaffAccount | None = None
    attempts_left: int | None = None
    #: This very attempt locked the PIN or the account (for the audit log).
    just_locked: bool = False


def _locked(until: dt.datetime | None, now: dt.datetime) -> bool:
    return until is not None and until > now


def authenticate(
    db: Session,
    username: str,
    secret: str,
    method: Method,
    now: dt.datetime,
    max_attempts: int,
    lock_for: dt.timedelta,
) -> Attempt:
    """Check a password or a PIN, counting wrong ones for the account.

    While locked, even the right secret is refused, and nothing is counted.
    A locked account (too many wrong passwords) refuses the PIN too.
    """
    account = find(db, username) if USERNAME.fullmatch(username.strip().lower()) else None
    stored = None
    if account is not None and not account.disabled:
        stored = account.password_hash if method is Method.PASSWORD else account.pin_hash
    if account is None or stored is None:
        _verify(_dummy_hash(), secret[:PASSWORD_MAX_LENGTH])
        return Attempt(AttemptOutcome.WRONG)
    if _locked(account.locked_until, now) or (
        method is Method.PIN and _locked(account.pin_locked_until, now)
    ):
        return Attempt(AttemptOutcome.LOCKED, account)
    if not _verify(stored, secret[:PASSWORD_MAX_LENGTH]):
        return _count_failure(account, method, now, max_attempts, lock_for)
    if method is Method.PASSWORD:
        account.failed_attempts = 0
        account.locked_until = None
    # Either secret proves who this is: the PIN counter starts again.
    account.pin_failed_attempts = 0
    account.pin_locked_until = None
    account.last_login_at = now
    if _hasher.check_needs_rehash(stored):
        if method is Method.PASSWORD:
            account.password_hash = _hash(secret)
        else:
            account.pin_hash = _hash(secret)
    return Attempt(AttemptOutcome.OK, account)


def _count_failure(
    account: StaffAccount,
    method: Method,
    now: dt.datetime,
    max_attempts: int,
    lock_for: dt.timedelta,
) -> Attempt:
    if method is Method.PASSWORD:
        account.failed_attempts += 1
        failures = account.failed_attempts
    else:
        account.pin_failed_attempts += 1
        failures = account.pin_failed_attempts
    if failures < max_attempts:
        return Attempt(AttemptOutcome.WRONG, account, attempts_left=max_attempts - failures)
    if method is Method.PASSWORD:
        account.failed_attempts = 0
        account.locked_until = now + lock_for
    else:
        account.pin_failed_attempts = 0
        account.pin_locked_until = now + lock_for
    return Attempt(AttemptOutcome.LOCKED, account, just_locked=True)


def is_locked(account: StaffAccount, now: dt.datetime) -> bool:
    """Whether the whole account is locked (too many wrong passwords)."""
    return _locked(account.locked_until, now)


def is_pin_locked(account: StaffAccount, now: dt.datetime) -> bool:
    """Whether the PIN is refused for now (too many wrong PINs, or the account locked)."""
    return _locked(account.pin_locked_until, now) or is_locked(account, now)


def enabled_admins(db: Session) -> int:
    """How many administrators can still sign in (the last one may not be disabled)."""
    count = db.scalar(
        select(func.count())
        .select_from(StaffAccount)
        .where(StaffAccount.role == Role.ADMIN.value, StaffAccount.disabled.is_(False))
    )
    return count or 0
