"""Staff accounts and the audit log, on a real SQLite file: hashes, lockouts, the chain."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from kiosk import audit, staff
from kiosk.applicants import AttemptOutcome
from kiosk.db import get_engine, session_scope
from kiosk.models import StaffAccount, utcnow
from tests.staff_helpers import MEDIATOR_PIN, PASSWORD, add_staff

LOCK = dt.timedelta(minutes=15)


def attempt(
    app: Flask, secret: str, method: staff.Method, username: str = "cmartin"
) -> staff.Attempt:
    with session_scope(app) as db:
        return staff.authenticate(db, username, secret, method, utcnow(), 5, LOCK)


def account(app: Flask, username: str = "cmartin") -> StaffAccount:
    with session_scope(app) as db:
        found = staff.find(db, username)
        assert found is not None
        return found


def test_password_and_pin_are_stored_as_argon2id_hashes(app: Flask) -> None:
    add_staff(app)
    stored = account(app)
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    assert stored.pin_hash is not None and stored.pin_hash.startswith("$argon2id$")
    assert attempt(app, PASSWORD, staff.Method.PASSWORD).outcome is AttemptOutcome.OK
    assert attempt(app, MEDIATOR_PIN, staff.Method.PIN).outcome is AttemptOutcome.OK
    assert attempt(app, PASSWORD, staff.Method.PIN).outcome is AttemptOutcome.WRONG


@pytest.mark.parametrize(
    ("username", "name", "role", "password", "pin", "code"),
    [
        ("C", "Camille", "admin", PASSWORD, None, "username"),
        ("cm artin", "Camille", "admin", PASSWORD, None, "username"),
        ("cmartin", " ", "admin", PASSWORD, None, "display_name"),
        ("cmartin", "Camille", "boss", PASSWORD, None, "role"),
        ("cmartin", "Camille", "admin", "court", None, "password_length"),
        ("cmartin", "Camille", "admin", "P@ssword!2024", None, "password_characters"),
        ("cmartin", "Camille", "admin", PASSWORD, "1234", "pin_form"),
        ("cmartin", "Camille", "admin", PASSWORD, "123456", "pin_guessable"),
        ("cmartin", "Camille", "admin", PASSWORD, "777777", "pin_guessable"),
        ("cmartin", "Camille", "admin", PASSWORD, "987654", "pin_guessable"),
    ],
)
def test_refused_account_values_are_named(
    app: Flask, username: str, name: str, role: str, password: str, pin: str | None, code: str
) -> None:
    with session_scope(app) as db, pytest.raises(staff.StaffError) as raised:
        staff.create(db, username, name, role, password, pin)
    assert raised.value.code == code


def test_a_username_is_taken_once_whatever_its_case(app: Flask) -> None:
    add_staff(app)
    with session_scope(app) as db, pytest.raises(staff.StaffError) as raised:
        staff.create(db, "CMartin", "Autre", "mediator", PASSWORD)
    assert raised.value.code == "taken"


def test_brute_force_on_a_pin_is_stopped_at_5_for_that_account_only(app: Flask) -> None:
    add_staff(app, "cmartin")
    add_staff(app, "amina", pin="369258", name="Amina")
    outcomes = [attempt(app, f"00000{n}", staff.Method.PIN).outcome for n in range(5)]
    assert outcomes == [AttemptOutcome.WRONG] * 4 + [AttemptOutcome.LOCKED]
    # Locked: even the right PIN is refused, and nothing more is counted.
    assert attempt(app, MEDIATOR_PIN, staff.Method.PIN).outcome is AttemptOutcome.LOCKED
    assert account(app).pin_locked_until is not None
    # Another account is not affected (every client is 127.0.0.1: no per-address counting).
    assert attempt(app, "369258", staff.Method.PIN, "amina").outcome is AttemptOutcome.OK
    # The password still works for the locked mediator, and clears the PIN lock.
    assert attempt(app, PASSWORD, staff.Method.PASSWORD).outcome is AttemptOutcome.OK
    assert attempt(app, MEDIATOR_PIN, staff.Method.PIN).outcome is AttemptOutcome.OK


def test_the_lock_lifts_after_its_time(app: Flask) -> None:
    add_staff(app)
    for n in range(5):
        attempt(app, f"00000{n}", staff.Method.PIN)
    with session_scope(app) as db:
        found = staff.find(db, "cmartin")
        assert found is not None
        found.pin_locked_until = utcnow() - dt.timedelta(seconds=1)
    assert attempt(app, MEDIATOR_PIN, staff.Method.PIN).outcome is AttemptOutcome.OK


def test_five_wrong_passwords_lock_the_whole_account(app: Flask) -> None:
    add_staff(app)
    for n in range(4):
        result = attempt(app, f"mauvais mot {n}", staff.Method.PASSWORD)
        assert result.attempts_left == 4 - n
    locked = attempt(app, "mauvais mot 5", staff.Method.PASSWORD)
    assert locked.outcome is AttemptOutcome.LOCKED and locked.just_locked
    assert attempt(app, PASSWORD, staff.Method.PASSWORD).outcome is AttemptOutcome.LOCKED
    assert attempt(app, MEDIATOR_PIN, staff.Method.PIN).outcome is AttemptOutcome.LOCKED


def test_a_disabled_or_unknown_account_is_refused_like_a_wrong_secret(app: Flask) -> None:
    add_staff(app)
    with session_scope(app) as db:
        found = staff.find(db, "cmartin")
        assert found is not None
        staff.disable(db, found)
    assert attempt(app, PASSWORD, staff.Method.PASSWORD).outcome is AttemptOutcome.WRONG
    assert attempt(app, PASSWORD, staff.Method.PASSWORD, "nobody").outcome is AttemptOutcome.WRONG
    assert account(app).failed_attempts == 0  # nothing to count on a disabled account


def test_reset_lifts_the_locks_enables_and_ends_older_unlocks(app: Flask) -> None:
    add_staff(app)
    for n in range(5):
        attempt(app, f"mauvais mot {n}", staff.Method.PASSWORD)
    before = account(app).credentials_version
    with session_scope(app) as db:
        found = staff.find(db, "cmartin")
        assert found is not None
        staff.disable(db, found)
        staff.reset(found, "un tout nouveau secret", "159753", remove_pin=False)
    after = account(app)
    assert not after.disabled and after.locked_until is None
    assert after.credentials_version > before
    assert (
        attempt(app, "un tout nouveau secret", staff.Method.PASSWORD).outcome is AttemptOutcome.OK
    )
    assert attempt(app, "159753", staff.Method.PIN).outcome is AttemptOutcome.OK


def test_the_audit_log_refuses_update_and_delete(app: Flask) -> None:
    with session_scope(app) as db:
        audit.append(db, "cmartin", audit.Action.TAKE_OVER, "GABCDEF")
    with get_engine(app).begin() as connection, pytest.raises((IntegrityError, OperationalError)):
        connection.execute(text("UPDATE audit_event SET actor = 'someone'"))
    with get_engine(app).begin() as connection, pytest.raises((IntegrityError, OperationalError)):
        connection.execute(text("DELETE FROM audit_event"))
    with session_scope(app) as db:
        assert audit.verify(db).intact and audit.verify(db).events == 1


def test_the_chain_shows_an_altered_or_removed_event(app: Flask) -> None:
    with session_scope(app) as db:
        for action in (audit.Action.UNLOCK, audit.Action.TAKE_OVER, audit.Action.HAND_BACK):
            audit.append(db, "cmartin", action, "GABCDEF")
    with session_scope(app) as db:
        check = audit.verify(db)
        assert check.intact and check.events == 3
    # Someone with the database file drops the triggers and edits the log.
    with get_engine(app).begin() as connection:
        connection.execute(text("DROP TRIGGER audit_event_no_update"))
        connection.execute(text("DROP TRIGGER audit_event_no_delete"))
        connection.execute(text("UPDATE audit_event SET actor = 'someone' WHERE id = 2"))
    with session_scope(app) as db:
        assert audit.verify(db).broken_at == 2
    with get_engine(app).begin() as connection:
        connection.execute(text("UPDATE audit_event SET actor = 'cmartin' WHERE id = 2"))
        connection.execute(text("DELETE FROM audit_event WHERE id = 2"))
    with session_scope(app) as db:
        assert audit.verify(db).broken_at == 3


def test_the_audit_log_accepts_codes_only(app: Flask) -> None:
    with session_scope(app) as db:
        with pytest.raises(ValueError, match="not a code"):
            audit.append(db, "cmartin", audit.Action.OVERRIDE, "GABCDEF", note="Mme Benali, née…")
        with pytest.raises(ValueError, match="not a username"):
            audit.append(db, "Camille Martin", audit.Action.LOCK)
        event = audit.append(db, "cmartin", audit.Action.OVERRIDE, "GABCDEF", reason="camera_limit")
        assert audit.detail_of(event) == {"reason": "camera_limit"}
