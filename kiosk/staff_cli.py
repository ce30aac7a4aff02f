"""``guichet staff``: create the first administrator, reset, disable and list staff accounts.

Examples::

    guichet staff add cmartin --role admin --name "Camille Martin" --pin
    guichet staff add amina --role mediator --name "Amina B." --password-stdin --pin < secrets
    guichet staff reset cmartin --pin
    guichet staff disable cmartin
    guichet staff list

Secrets are read from a hidden prompt (typed twice), or from standard input
with ``--password-stdin`` (first line the password, second line the PIN),
never from the command line, where other users and the shell history would
see them. Every change is written to the audit log as ``cli:<system user>``.
"""

from __future__ import annotations

import getpass
import re
import sys
from typing import Any

import click

from kiosk import audit, staff

INSTANCE_OPTION = click.option(
    "--instance",
    type=click.Path(file_okay=False),
    default=None,
    help="Instance folder holding the database and guichet.toml.",
)


def _app(instance: str | None) -> Any:
    from kiosk import create_app, crypto, db
    from kiosk.master_key import MasterKeyError

    try:
        app = create_app(None, instance_path=instance)
    except MasterKeyError as error:
        raise click.ClickException(str(error)) from error
    # A fresh kiosk: the first administrator comes before `guichet serve`.
    db.upgrade(db.get_engine(app), crypto.app_master_key(app))
    return app


def _actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        return "cli"
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "", user)[:40]
    return f"cli:{cleaned}" if cleaned else "cli"


def _read_secrets(from_stdin: bool, with_pin: bool, keep_password: bool) -> tuple[str | None, str]:
    """The new password (None: keep it) and PIN ("" when none)."""
    password: str | None = None
    pin = ""
    if from_stdin:
        if not keep_password:
            password = sys.stdin.readline().rstrip("\r\n")
        if with_pin:
            pin = sys.stdin.readline().rstrip("\r\n")
        return password, pin
    if not keep_password:
        password = click.prompt(
            f"Password ({staff.PASSWORD_MIN_LENGTH}+ characters the on-screen keyboard types)",
            hide_input=True,
            confirmation_prompt=True,
        )
    if with_pin:
        pin = click.prompt(
            f"PIN ({staff.PIN_LENGTH} digits)", hide_input=True, confirmation_prompt=True
        )
    return password, pin


@click.group(name="staff")
def staff_group() -> None:
    """Staff accounts (mediators and administrators)."""


@staff_group.command(name="add")
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in staff.Role]), required=True)
@click.option("--name", "display_name", required=True, help="Name shown at the kiosk.")
@click.option("--password-stdin", is_flag=True, help="Read the password (then the PIN) from stdin.")
@click.option("--pin", "with_pin", is_flag=True, help="Also set a 6-digit PIN for quick unlock.")
@INSTANCE_OPTION
def add(
    username: str,
    role: str,
    display_name: str,
    password_stdin: bool,
    with_pin: bool,
    instance: str | None,
) -> None:
    """Create a staff account (the first administrator, for instance)."""
    from kiosk.db import session_scope

    password, pin = _read_secrets(password_stdin, with_pin, keep_password=False)
    assert password is not None
    app = _app(instance)
    try:
        with session_scope(app) as db:
            account = staff.create(db, username, display_name, role, password, pin or None)
            audit.append(
                db, _actor(), audit.Action.STAFF_ADD, staff=account.username, role=account.role
            )
            created = account.username
    except staff.StaffError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Account {created} ({role}) created{' with a PIN' if pin else ''}.")


@staff_group.command(name="reset")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password (then the PIN) from stdin.")
@click.option("--pin", "with_pin", is_flag=True, help="Also set a new 6-digit PIN.")
@click.option("--remove-pin", is_flag=True, help="Remove the PIN: password sign-in only.")
@click.option("--keep-password", is_flag=True, help="Keep the password (only unlock, or a PIN).")
@INSTANCE_OPTION
def reset(
    username: str,
    password_stdin: bool,
    with_pin: bool,
    remove_pin: bool,
    keep_password: bool,
    instance: str | None,
) -> None:
    """Give an account a new password (and PIN), lift its locks and enable it again."""
    from kiosk.db import session_scope

    if with_pin and remove_pin:
        raise click.UsageError("--pin and --remove-pin exclude each other")
    password, pin = _read_secrets(password_stdin, with_pin, keep_password)
    app = _app(instance)
    try:
        with session_scope(app) as db:
            account = staff.find(db, username)
            if account is None:
                raise click.ClickException(f"no staff account {username!r}")
            staff.reset(account, password, pin or None, remove_pin)
            audit.append(
                db,
                _actor(),
                audit.Action.STAFF_RESET,
                staff=account.username,
                password=password is not None,
                pin="removed" if remove_pin else bool(pin),
            )
    except staff.StaffError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Account {username.lower()} reset: unlocked and enabled.")


@staff_group.command(name="disable")
@click.argument("username")
@INSTANCE_OPTION
def disable(username: str, instance: str | None) -> None:
    """Refuse every sign-in of an account from now on (its history stays in the audit log)."""
    from kiosk.db import session_scope

    app = _app(instance)
    try:
        with session_scope(app) as db:
            account = staff.find(db, username)
            if account is None:
                raise click.ClickException(f"no staff account {username!r}")
            staff.disable(db, account)
            audit.append(db, _actor(), audit.Action.STAFF_DISABLE, staff=account.username)
    except staff.StaffError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Account {username.lower()} disabled.")


@staff_group.command(name="list")
@INSTANCE_OPTION
def list_accounts(instance: str | None) -> None:
    """Every staff account: role, PIN, state, last sign-in."""
    from kiosk.db import session_scope
    from kiosk.models import utcnow

    app = _app(instance)
    with session_scope(app) as db:
        accounts = staff.all_accounts(db)
        now = utcnow()
        rows = []
        for account in accounts:
            if account.disabled:
                state = "disabled"
            elif staff.is_locked(account, now):
                state = "locked"
            elif staff.is_pin_locked(account, now):
                state = "pin locked"
            else:
                state = "active"
            last = (
                account.last_login_at.strftime("%Y-%m-%d %H:%M") if account.last_login_at else "-"
            )
            rows.append(
                (
                    account.username,
                    account.role,
                    "yes" if account.pin_hash else "no",
                    state,
                    last,
                    account.display_name,
                )
            )
    if not rows:
        click.echo("No staff account yet: guichet staff add USERNAME --role admin --name NAME")
        sys.exit(0)
    width = max(len(row[0]) for row in rows)
    click.echo(
        f"{'username':<{width}}  {'role':<8}  pin  {'state':<10}  {'last sign-in (UTC)':<18}  name"
    )
    for username, role, pin, state, last, name in rows:
        click.echo(f"{username:<{width}}  {role:<8}  {pin:<3}  {state:<10}  {last:<18}  {name}")
