"""The ``guichet`` command: serve the kiosk, migrate the database, check procedures.

Examples::

    guichet serve --port 8080 --instance /var/lib/guichet
    guichet db upgrade
    guichet purge
    guichet procedures check
    guichet procedures show etudiant_renouvellement --json
    guichet staff add cmartin --role admin --name "Camille Martin" --pin
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from forms.errors import FormsError
from forms.loader import PROCEDURES_DIR, load_procedures
from forms.schema import Procedure
from kiosk.staff_cli import staff_group


def _make_app(instance: str | None, **overrides: Any) -> Any:
    from kiosk import create_app
    from kiosk.master_key import MasterKeyError

    try:
        return create_app(overrides or None, instance_path=instance)
    except MasterKeyError as error:
        raise click.ClickException(str(error)) from error


@click.group()
@click.version_option(package_name="guichet")
def main() -> None:
    """Guichet: assisted residence-permit kiosk."""


@main.command()
@click.option(
    "--port",
    type=int,
    default=None,
    help="Port (default: the PORT setting, 8080; 0 takes any free port).",
)
@click.option("--host", default=None, help="Address (default: the HOST setting, 127.0.0.1).")
@click.option(
    "--instance",
    type=click.Path(file_okay=False),
    default=None,
    help="Instance folder holding the database and guichet.toml.",
)
def serve(port: int | None, host: str | None, instance: str | None) -> None:
    """Migrate the database if needed and serve the kiosk with waitress."""
    from kiosk import crypto, db, health, retention

    app = _make_app(instance)
    db.upgrade(db.get_engine(app), crypto.app_master_key(app))
    # Retention holds even without deploy's daily timer: now, then every hour.
    for line in retention.purge(app).lines():
        click.echo(f"purge: {line}")
    retention.start_hourly_purge(app)
    # 0 asks for any free port (tests, a second kiosk on one machine): only
    # no --port at all means the PORT setting.
    port = app.config["PORT"] if port is None else port
    host = host or app.config["HOST"]
    if app.debug:  # create_app never allows it: a public screen must never show a traceback
        raise click.ClickException("refusing to serve in debug mode")
    click.echo(f"Guichet: http://{host}:{port}/  (instance: {app.instance_path})")
    from kiosk.uploads import waitress_options

    # Request bodies and responses stay in memory (personal data); no traceback is shown.
    # waitress, plus READY=1 and the watchdog when systemd runs it (kiosk/health.py).
    health.serve(app, host=host, port=port, **waitress_options(app.config))


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
    from kiosk import crypto, db

    app = _make_app(instance)
    db.upgrade(db.get_engine(app), crypto.app_master_key(app))
    click.echo(f"Database up to date: {app.config['DATABASE']}")


@main.command()
@click.option("--instance", type=click.Path(file_okay=False), default=None)
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"]),
    default=None,
    help="Purge as if it were this UTC time (for tests); default: now.",
)
def purge(instance: str | None, now: dt.datetime | None) -> None:
    """Erase expired sessions, leftover ANEF folders and forgotten browser sessions.

    Prints references and counts, never anything personal. Running it again
    changes nothing.
    """
    from kiosk import crypto, db, retention

    app = _make_app(instance)
    db.upgrade(db.get_engine(app), crypto.app_master_key(app))
    report = retention.purge(app, now)
    for line in report.lines():
        click.echo(line)
    if report.failed:
        sys.exit(1)


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


@main.group()
def dossier() -> None:
    """Dossiers."""


@dossier.command(name="build")
@click.option("--procedure", "procedure_id", required=True, help="Procedure id.")
@click.option(
    "--answers",
    "answers_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="JSON file: field id to value, as `guichet procedures show ID --json` lists them.",
)
@click.option(
    "--scan",
    "scans",
    multiple=True,
    metavar="DOC_ID=IMAGE",
    help="A photo of a document's page (repeat for more pages and documents).",
)
@click.option(
    "--lang", "language", default="fr", show_default=True, help="The applicant's language."
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write the dossier into.",
)
@click.option("--reference", default="CLI", show_default=True, help="The dossier's reference.")
@click.option("--max-bytes", default=2_000_000, show_default=True, help="Size limit of each PDF.")
def build_dossier_command(
    procedure_id: str,
    answers_path: str,
    scans: tuple[str, ...],
    language: str,
    out_dir: str,
    reference: str,
    max_bytes: int,
) -> None:
    """Build a dossier from answers and photos, the way the kiosk does."""
    from forms.display import load_translator
    from forms.dossier import PageImage, build_dossier
    from kiosk.config import PROJECT_DIR
    from scanning import pipeline
    from scanning.errors import UnreadableImage
    from scanning.sources import read_image
    from scanning.types import Frame, Mode

    procedures_found = load_procedures(_procedures_dir())
    procedure = procedures_found.get(procedure_id)
    if procedure is None:
        raise click.ClickException(f"no procedure {procedure_id!r}")
    answers = json.loads(Path(answers_path).read_text(encoding="utf-8"))
    documents = {d.id: d for d in procedure.documents}
    pages: dict[str, list[PageImage]] = {}
    failed = False
    for spec in scans:
        document_id, _, image_path = spec.partition("=")
        document = documents.get(document_id)
        if document is None or not image_path:
            raise click.ClickException(
                f"--scan {spec!r}: expected DOC_ID=IMAGE with a document of {procedure_id}"
            )
        mode = Mode.COLOUR if document.format in ("ID-1", "ID-3") else Mode.GREY
        try:
            page = pipeline.scan(
                Frame(read_image(Path(image_path))), mode, expected_format=document.format
            )
        except (UnreadableImage, OSError) as error:
            click.echo(f"ERROR  {image_path}: {error}", err=True)
            failed = True
            continue
        if not page.image:
            click.echo(f"ERROR  {image_path}: no document found", err=True)
            failed = True
            continue
        notes = [page.format or "?", f"{page.dpi:.0f} dpi", *(p.value for p in page.problems)]
        click.echo(f"page   {document_id}: {image_path} ({', '.join(notes)})")
        pages.setdefault(document_id, []).append(
            PageImage(page.master, 0, page.dpi, page.format or document.format, mode)
        )
    translations = Path(os.environ.get("GUICHET_TRANSLATIONS_DIR") or PROJECT_DIR / "translations")
    built = build_dossier(
        procedure, answers, pages, load_translator(translations, language), reference, max_bytes
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for one in built.files:
        (out / one.name).write_bytes(one.data)
        click.echo(f"file   {one.name}  {len(one.data):>9} bytes")
    (out / built.archive_name).write_bytes(built.archive)
    click.echo(f"zip    {built.archive_name}  {len(built.archive):>9} bytes")
    for too_large in built.too_large:
        click.echo(f"ERROR  {too_large}", err=True)
        failed = True
    if failed:
        sys.exit(1)


main.add_command(staff_group)


if __name__ == "__main__":
    main()
