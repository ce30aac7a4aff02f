"""The ``guichet`` command: serve the kiosk, migrate the database, check procedures.

Examples::

    guichet serve --port 8080 --instance /var/lib/guichet
    guichet db upgrade
    guichet procedures check
    guichet procedures show etudiant_renouvellement --json
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from forms.errors import FormsError
from forms.loader import PROCEDURES_DIR, load_procedures
from forms.schema import Procedure


def _make_app(instance: str | None, **overrides: Any) -> Any:
    from kiosk import create_app

    return create_app(overrides or None, instance_path=instance)


@click.group()
@click.version_option(package_name="guichet")
def main() -> None:
    """Guichet: assisted residence-permit kiosk."""


@main.command()
@click.option("--port", type=int, default=None, help="Port (default: the PORT setting, 8080).")
@click.option("--host", default=None, help="Address (default: the HOST setting, 127.0.0.1).")
@click.option(
    "--instance",
    type=click.Path(file_okay=False),
    default=None,
    help="Instance folder holding the database and guichet.toml.",
)
def serve(port: int | None, host: str | None, instance: str | None) -> None:
    """Migrate the database if needed and serve the kiosk with waitress."""
    from waitress import serve as waitress_serve

    from kiosk import db

    app = _make_app(instance)
    db.upgrade(db.get_engine(app))
    port = port or app.config["PORT"]
    host = host or app.config["HOST"]
    click.echo(f"Guichet: http://{host}:{port}/  (instance: {app.instance_path})")
    waitress_serve(app, host=host, port=port, threads=app.config["THREADS"], ident="Guichet")


@main.command(name="settings")
def show_settings() -> None:
    """Print every setting with its default and meaning (the table in README.md)."""
    from kiosk.config import settings_table

    click.echo(settings_table())


@main.group(name="db")
def db_group() -> None:
    """Database commands."""


@db_group.command()
@click.option("--instance", type=click.Path(file_okay=False), default=None)
def upgrade(instance: str | None) -> None:
    """Create the database or migrate it to the newest schema."""
    from kiosk import db

    app = _make_app(instance)
    db.upgrade(db.get_engine(app))
    click.echo(f"Database up to date: {app.config['DATABASE']}")


@main.group()
def procedures() -> None:
    """Procedure files."""


def _procedures_dir() -> Path:
    configured = os.environ.get("GUICHET_PROCEDURES_DIR")
    return Path(configured) if configured else PROCEDURES_DIR


@procedures.command()
def check() -> None:
    """Load and validate every procedure file; exit non-zero on any error."""
    directory = _procedures_dir()
    ok = True
    rows = []
    for path in sorted(directory.glob("*.toml")):
        try:
            loaded = load_procedures_one(path)
        except FormsError as error:
            ok = False
            click.echo(f"ERROR  {error}", err=True)
            continue
        rows.append(loaded)
    if rows:
        width = max(len(p.id) for p in rows)
        click.echo(f"{'id':<{width}}  {'checked':<10}  {'pages':>5}  {'docs':>4}  legal source")
        for p in rows:
            click.echo(
                f"{p.id:<{width}}  {p.verified_on.isoformat():<10}  {len(p.pages):>5}  "
                f"{len(p.documents):>4}  {p.legal_source}"
            )
    if ok and rows:
        from forms.finder import load_finder

        try:
            load_finder([p.id for p in rows])
        except FormsError as error:
            ok = False
            click.echo(f"ERROR  {error}", err=True)
    click.echo(f"{len(rows)} procedure(s) valid" + ("" if ok else ", with errors"))
    if not ok or not rows:
        sys.exit(1)


def load_procedures_one(path: Path) -> Procedure:
    """Load a single procedure file (the check reports each file on its own)."""
    from forms.loader import load_procedure_file

    return load_procedure_file(path)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@procedures.command()
@click.argument("procedure_id")
@click.option("--json", "as_json", is_flag=True, help="Print the whole procedure as JSON.")
def show(procedure_id: str, as_json: bool) -> None:
    """Show a procedure: its pages, fields (ids, types) and documents (ids)."""
    try:
        found = load_procedures(_procedures_dir()).get(procedure_id)
    except FormsError as error:
        raise click.ClickException(str(error)) from error
    if found is None:
        raise click.ClickException(f"no procedure {procedure_id!r}")
    if as_json:
        click.echo(json.dumps(_jsonable(found), ensure_ascii=False, indent=2))
        return
    click.echo(f"{found.id}: {found.title}  (checked {found.verified_on})")
    for page in found.pages:
        click.echo(f"  page {page.id}: {page.title}")
        for field in page.fields:
            click.echo(f"    {field.id} ({field.type}{', optional' if not field.required else ''})")
    for document in found.documents:
        click.echo(f"  document {document.id}: {document.title}")


if __name__ == "__main__":
    main()
