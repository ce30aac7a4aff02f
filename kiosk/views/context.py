"""What every applicant screen needs: the current applicant session, safe redirects.

The browser session only holds the id of the applicant session it shows; the
applicant session itself (answers, code, PIN hash) is in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kiosk import applicants, dossiers
from kiosk.db import get_db
from kiosk.models import ApplicantSession, utcnow
from kiosk.retention import silent_after

F = TypeVar("F", bound=Callable[..., Any])


def current_applicant() -> ApplicantSession | None:
    """Return the active applicant session shown in this browser, if any."""
    applicant_id = session.get("applicant_id") if session else None
    if applicant_id is None:
        return None
    applicant = get_db().get(ApplicantSession, applicant_id)
    if applicant is None or applicant.status != applicants.Status.ACTIVE:
        session.pop("applicant_id", None)
        return None
    return applicant


def template_context() -> dict[str, Any]:
    """Give every template the applicant session shown in this browser."""
    return {"applicant": current_applicant()}


def require_applicant(view: F) -> F:
    """Send the browser to the welcome screen when it has no active session."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        applicant = current_applicant()
        if applicant is None:
            flash(
                _(
                    "Votre session est terminée. Reprenez avec votre code, "
                    "ou commencez une nouvelle demande."
                )
            )
            return redirect(url_for("applicant.welcome"))
        return view(applicant, *args, **kwargs)

    return cast(F, wrapped)


def close_unsaved(applicant: ApplicantSession) -> None:
    """Close a session that was not saved for later: resumable for UNSAVED_RESUME_HOURS.

    Its dossier's copy offered to the browser's file picker is withdrawn: the
    applicant has left the kiosk.
    """
    hours = current_app.config["UNSAVED_RESUME_HOURS"]
    applicants.close(applicant, dt.timedelta(hours=hours), utcnow())
    dossiers.withdraw(applicant)


def close_if_idle() -> Response | None:
    """Close the session of a browser that has been silent for too long.

    The page's own countdown normally does this; this is the server's
    safety net when the page could not (crashed browser, lost power).
    """
    applicant = current_applicant()
    if applicant is None:
        return None
    if utcnow() - applicant.last_activity_at <= silent_after(current_app.config):
        return None
    close_unsaved(applicant)
    get_db().commit()
    end_browser_session()
    flash(_("Votre session a été fermée après une longue pause. Reprenez avec votre code."))
    return redirect(url_for("applicant.welcome"))


def end_browser_session() -> None:
    """Forget everything this browser knew, keeping only its language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    if hasattr(session, "regenerate"):
        session.regenerate()


def safe_next(target: str | None, default: str) -> str:
    """Return `target` if it is a path on this site, else `default` (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
