"""The glossary screens: every term explained, or one term, with a way back to the screen.

Each screen that uses a glossary term links here with ``back`` set to its own
address, so "Retour" returns to exactly that screen (with its answers, which
are kept in the session). Nothing here needs an applicant session.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from kiosk.glossary import glossary
from kiosk.views.context import safe_next

bp = Blueprint("glossary", __name__, url_prefix="/glossary")


def _back() -> str:
    return safe_next(request.args.get("back"), url_for("applicant.welcome"))


@bp.get("")
def index() -> str:
    """Every term of the glossary, explained."""
    return render_template("glossary.html", terms=glossary().terms, back=_back(), one=None)


@bp.get("/<term_id>")
def term(term_id: str) -> str:
    """One term, explained, with the way back to the screen that showed it."""
    found = glossary().term(term_id)
    if found is None:
        abort(404)
    return render_template("glossary.html", terms=(found,), back=_back(), one=found)
