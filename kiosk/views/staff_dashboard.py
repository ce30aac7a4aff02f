"""The staff dashboard: today's sessions (no names) and statistics over a period, with CSV."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _

from kiosk import audit, dashboard, staff_session
from kiosk.db import get_db
from kiosk.i18n import KNOWN_LANGUAGES
from kiosk.models import utcnow
from kiosk.procedures import all_procedures
from kiosk.staff_session import staff_required

bp = Blueprint("staff_dashboard", __name__, url_prefix="/staff")


def local_time(at: dt.datetime) -> str:
    """A stored time (naive UTC) as the kiosk's local time, the same in every language."""
    return at.replace(tzinfo=dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M")


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {"local_time": local_time}


def _period_label(period: dashboard.Period) -> str:
    if period.label:
        return str(_(period.label))
    return str(format_date(period.first, "LLLL y"))


def _names() -> dict[str, object]:
    """Procedure titles and languages by id, for the tables."""
    return {
        "procedures": all_procedures(),
        "languages": KNOWN_LANGUAGES,
        "document_titles": dashboard.document_titles(),
    }


@bp.get("/today")
@staff_required
def today() -> str:
    """Today's sessions: reference, procedure, language, step, duration. No names."""
    rows = dashboard.todays_sessions(get_db(), utcnow())
    return render_template("staff_today.html", rows=rows, **_names())


@bp.get("/statistics")
@staff_required
def statistics() -> str:
    """Procedures, languages, completion, missing documents and time over a chosen period."""
    offered = dashboard.periods(dt.date.today())
    chosen = dashboard.period(request.args.get("period"), dt.date.today())
    return render_template(
        "staff_statistics.html",
        summary=dashboard.summarise(get_db(), chosen),
        chosen=chosen,
        periods=[(period.code, _period_label(period)) for period in offered],
        chosen_label=_period_label(chosen),
        **_names(),
    )


@bp.get("/statistics.csv")
@staff_required
def statistics_csv() -> Response:
    """The period's sessions, one anonymous line each, for a spreadsheet."""
    chosen = dashboard.period(request.args.get("period"), dt.date.today())
    body = dashboard.csv_export(get_db(), chosen, utcnow())
    staff_session.record(audit.Action.STATISTICS_EXPORT, period=chosen.code)
    get_db().commit()
    name = f"guichet-statistiques-{chosen.first.isoformat()}-{chosen.last.isoformat()}.csv"
    return Response(
        # A byte-order mark, so that spreadsheets read the file as UTF-8.
        "\ufeff" + body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
