"""Procedures and the finder, loaded once when the app starts.

A broken procedure file stops the app at start-up with a message naming the
file and the field, rather than failing in front of an applicant.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, current_app

from forms.finder import Finder, load_finder
from forms.loader import PROCEDURES_DIR, load_procedures
from forms.schema import Procedure


def init_app(app: Flask) -> None:
    """Load and check every procedure file and the finder questions."""
    directory = Path(app.config["PROCEDURES_DIR"] or PROCEDURES_DIR)
    procedures = load_procedures(directory)
    app.extensions["guichet.procedures"] = procedures
    app.extensions["guichet.finder"] = load_finder(procedures)
    app.jinja_env.globals["finder_start"] = app.extensions["guichet.finder"].start


def all_procedures() -> dict[str, Procedure]:
    """Return every procedure, by id."""
    procedures: dict[str, Procedure] = current_app.extensions["guichet.procedures"]
    return procedures


def procedure_or_404(procedure_id: str | None) -> Procedure:
    """Return a procedure by id, or answer 404."""
    procedure = all_procedures().get(procedure_id or "")
    if procedure is None:
        abort(404)
    return procedure


def finder() -> Finder:
    """Return the procedure finder."""
    value: Finder = current_app.extensions["guichet.finder"]
    return value
