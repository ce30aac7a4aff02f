"""`guichet staff add|reset|disable|list`: the first administrator, from the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk import create_app, db, staff
from kiosk.applicants import AttemptOutcome
from kiosk.cli import main
from kiosk.db import session_scope
from kiosk.models import utcnow
from tests.staff_helpers import PASSWORD, audit_actions


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


def run(instance: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--instance", str(instance)], input=stdin)
    return result.exit_code, result.output


def check(instance: Path, username: str, secret: str, method: staff.Method) -> AttemptOutcome:
    app = create_app({"TESTING": True}, instance_path=instance)
    try:
        with session_scope(app) as session:
            attempt = staff.authenticate(
                session, username, secret, method, utcnow(), 5, dt.timedelta(minutes=15)
            )
            return attempt.outcome
    finally:
        app.extensions["guichet.camera"].stop()
        db.get_engine(app).dispose()


def actions(instance: Path) -> list[str]:
    app = create_app({"TESTING": True}, instance_path=instance)
    try:
        return audit_actions(app)
    finally:
        app.extensions["guichet.camera"].stop()
        db.get_engine(app).dispose()


def test_add_the_first_admin_on_a_fresh_instance(instance: Path) -> None:
    code, output = run(
        instance,
        "staff",
        "add",
        "CMartin",
        "--role",
        "admin",
        "--name",
        "Camille Martin",
        "--password-stdin",
        "--pin",
        stdin=f"{PASSWORD}\n258013\n",
    )
    assert code == 0, output
    assert "Account cmartin (admin) created with a PIN." in output
    assert PASSWORD not in output
    assert check(instance, "cmartin", PASSWORD, staff.Method.PASSWORD) is AttemptOutcome.OK
    assert check(instance, "cmartin", "258013", staff.Method.PIN) is AttemptOutcome.OK
    code, output = run(instance, "staff", "list")
    assert code == 0 and "cmartin" in output and "admin" in output and "Camille Martin" in output
    assert actions(instance) == ["staff_add"]


def test_the_password_comes_from_a_hidden_prompt_typed_twice(instance: Path) -> None:
    code, output = run(
        instance,
        "staff",
        "add",
        "amina",
        "--role",
        "mediator",
        "--name",
        "Amina",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert code == 0, output
    assert PASSWORD not in output  # hidden
    assert check(instance, "amina", PASSWORD, staff.Method.PASSWORD) is AttemptOutcome.OK


def test_refused_values_are_explained_and_nothing_is_created(instance: Path) -> None:
    code, output = run(
        instance,
        "staff",
        "add",
        "amina",
        "--role",
        "mediator",
        "--name",
        "Amina",
        "--password-stdin",
        "--pin",
        stdin=f"{PASSWORD}\n123456\n",
    )
    assert code == 1 and "run (123456) is refused" in output
    code, output = run(instance, "staff", "list")
    assert "No staff account yet" in output
    code, output = run(
        instance,
        "staff",
        "add",
        "x y",
        "--role",
        "admin",
        "--name",
        "X",
        "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )
    assert code == 1 and "a username is 2 to 32 characters" in output


def test_reset_unlocks_and_disable_refuses_the_last_admin(instance: Path) -> None:
    for username, role in (("cmartin", "admin"), ("amina", "mediator")):
        code, output = run(
            instance,
            "staff",
            "add",
            username,
            "--role",
            role,
            "--name",
            username,
            "--password-stdin",
            stdin=f"{PASSWORD}\n",
        )
        assert code == 0, output
    for n in range(5):
        check(instance, "amina", f"pas le bon {n}", staff.Method.PASSWORD)
    assert check(instance, "amina", PASSWORD, staff.Method.PASSWORD) is AttemptOutcome.LOCKED
    assert "locked" in run(instance, "staff", "list")[1]
    code, output = run(
        instance,
        "staff",
        "reset",
        "amina",
        "--keep-password",
        "--pin",
        "--password-stdin",
        stdin="741852\n",
    )
    assert code == 0, output
    assert check(instance, "amina", PASSWORD, staff.Method.PASSWORD) is AttemptOutcome.OK
    assert check(instance, "amina", "741852", staff.Method.PIN) is AttemptOutcome.OK
    code, output = run(instance, "staff", "disable", "cmartin")
    assert code == 1 and "last administrator" in output
    code, output = run(instance, "staff", "disable", "amina")
    assert code == 0
    assert check(instance, "amina", PASSWORD, staff.Method.PASSWORD) is AttemptOutcome.WRONG
    assert "disabled" in run(instance, "staff", "list")[1]
    assert run(instance, "staff", "reset", "nobody", "--keep-password")[0] == 1
    assert actions(instance) == ["staff_add", "staff_add", "staff_reset", "staff_disable"]
