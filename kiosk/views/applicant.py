"""Screens around the application: welcome, language, finder, code and PIN, resume, save.

Every state change is a POST with a CSRF token; GET only shows.
"""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from forms import flow
from forms.schema import SUMMARY
from kiosk import applicants, audit, dossiers, staff_session
from kiosk.db import get_db
from kiosk.i18n import current_language
from kiosk.models import ApplicantSession, utcnow
from kiosk.procedures import all_procedures, finder, procedure_or_404
from kiosk.security import clear_site_data
from kiosk.views.context import (
    close_if_idle,
    close_unsaved,
    current_applicant,
    end_browser_session,
    require_applicant,
    safe_next,
    template_context,
)

bp = Blueprint("applicant", __name__)


bp.app_context_processor(template_context)


@bp.before_app_request
def _close_idle_sessions() -> Response | None:
    if request.endpoint in ("static", "healthz"):
        return None
    return close_if_idle()


@bp.get("/")
def welcome() -> str:
    """Show the welcome screen with the language picker."""
    return render_template("welcome.html", applicant=current_applicant())


@bp.get("/language")
def language() -> str:
    """Show every offered language, to change it from any page."""
    return render_template("language.html", next=safe_next(request.args.get("next"), "/"))


@bp.post("/language")
def set_language() -> Response:
    """Change the language of the screens; answers are untouched."""
    code = request.form.get("lang", "")
    if code not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = code
    applicant = current_applicant()
    if applicant is not None:
        applicant.language = code
        get_db().commit()
    return redirect(safe_next(request.form.get("next"), url_for("applicant.welcome")))


@bp.post("/start")
def start() -> Response:
    """Open a new applicant session and go to the procedure finder."""
    previous = current_applicant()
    if previous is not None:
        # A new applicant at a kiosk where the last one walked away: keep the
        # last one resumable with their code, and start clean.
        close_unsaved(previous)
    end_browser_session()
    applicant = applicants.start(get_db(), current_language().code)
    get_db().commit()
    session["applicant_id"] = applicant.id
    return redirect(url_for("applicant.find", question_id=finder().start))


@bp.get("/find/<question_id>")
@require_applicant
def find(applicant: ApplicantSession, question_id: str) -> str:
    """Ask one question of the procedure finder."""
    question = finder().question(question_id)
    if question is None:
        abort(404)
    chosen = applicants.finder_answers_of(applicant).get(question_id)
    previous = _previous_finder_question(applicant, question_id)
    return render_template("finder.html", question=question, chosen=chosen, previous=previous)


def _previous_finder_question(applicant: ApplicantSession, question_id: str) -> str | None:
    answers = applicants.finder_answers_of(applicant)
    for asked_id, value in answers.items():
        asked = finder().question(asked_id)
        choice = asked.choice(value) if asked else None
        if choice is not None and choice.next_question == question_id:
            return asked_id
    return None


@bp.post("/find/<question_id>")
@require_applicant
def answer_finder(applicant: ApplicantSession, question_id: str) -> Response:
    """Record a finder answer and go where it leads."""
    question = finder().question(question_id)
    if question is None:
        abort(404)
    choice = question.choice(request.form.get("choice", ""))
    if choice is None:
        flash(_("Choisissez une réponse."))
        return redirect(url_for("applicant.find", question_id=question_id))
    answers = applicants.finder_answers_of(applicant)
    answers[question_id] = choice.value
    applicants.store_finder_answers(applicant, answers)
    applicants.touch(applicant)
    get_db().commit()
    if choice.next_question:
        return redirect(url_for("applicant.find", question_id=choice.next_question))
    if choice.procedure:
        return redirect(url_for("applicant.proposal", procedure_id=choice.procedure))
    return redirect(url_for("applicant.mediator"))


@bp.get("/proposal/<procedure_id>")
@require_applicant
def proposal(applicant: ApplicantSession, procedure_id: str) -> str:
    """Propose the procedure the finder pointed to."""
    procedure = procedure_or_404(procedure_id)
    back = finder().start
    for asked_id, value in applicants.finder_answers_of(applicant).items():
        asked = finder().question(asked_id)
        choice = asked.choice(value) if asked else None
        if choice is not None and choice.procedure == procedure.id:
            back = asked_id
    return render_template("proposal.html", procedure=procedure, back_question=back)


@bp.get("/mediator")
@require_applicant
def mediator(applicant: ApplicantSession) -> str:
    """Ask the applicant to call the mediator, who can pick the procedure."""
    return render_template("mediator.html", procedures=list(all_procedures().values()))


@bp.post("/choose")
@require_applicant
def choose(applicant: ApplicantSession) -> Response:
    """Start the chosen procedure (answers that also belong to it are kept)."""
    procedure = procedure_or_404(request.form.get("procedure_id"))
    applicant.procedure_id = procedure.id
    answers = applicants.answers_of(applicant)
    applicant.current_page = flow.first_unanswered(procedure, answers)
    applicants.touch(applicant)
    if staff_session.in_control(applicant):
        staff_session.record(
            audit.Action.CHOOSE_PROCEDURE, applicant.reference, procedure=procedure.id
        )
    get_db().commit()
    if applicant.pin_hash is None:
        return redirect(url_for("applicant.code"))
    return redirect(_resume_target(applicant))


def _resume_target(applicant: ApplicantSession) -> str:
    """Where to send an applicant who comes back: the page they were on."""
    if applicant.procedure_id is None or applicant.procedure_id not in all_procedures():
        return url_for("applicant.find", question_id=finder().start)
    if applicant.pin_hash is None:
        return url_for("applicant.code")
    procedure = all_procedures()[applicant.procedure_id]
    answers = applicants.answers_of(applicant)
    page = applicant.current_page or flow.first_unanswered(procedure, answers)
    if page == SUMMARY or page in ("documents", "done"):
        return url_for("application.check_answers")
    if not flow.is_visible(procedure, answers, page):
        page = flow.first_unanswered(procedure, answers)
        if page == SUMMARY:
            return url_for("application.check_answers")
    return url_for("application.question", page_id=page)


@bp.get("/code")
@require_applicant
def code(applicant: ApplicantSession) -> str:
    """Show the resume code and ask the applicant to choose a PIN."""
    return render_template("code.html", applicant=applicant, error=None)


@bp.post("/code")
@require_applicant
def set_code_pin(applicant: ApplicantSession) -> Response | tuple[str, int]:
    """Store the PIN the applicant chose, then start the questions."""
    pin = request.form.get("pin", "").strip()
    if not applicants.is_valid_pin(pin):
        error = _("Le code secret a 4 chiffres.")
        return render_template("code.html", applicant=applicant, error=error), 400
    applicants.set_pin(applicant, pin)
    applicants.touch(applicant)
    get_db().commit()
    return redirect(_resume_target(applicant))


@bp.get("/resume")
def resume_form() -> str:
    """Ask for a resume code and PIN."""
    return render_template("resume.html", error=None, code="")


@bp.post("/resume")
def resume() -> Response | tuple[str, int]:
    """Reopen a closed or saved session from its code and PIN."""
    config = current_app.config
    typed = request.form.get("code", "")[:32]
    result = applicants.resume(
        get_db(),
        typed,
        request.form.get("pin", "")[:8],
        utcnow(),
        config["RESUME_MAX_ATTEMPTS"],
        dt.timedelta(minutes=config["RESUME_LOCK_MINUTES"]),
    )
    get_db().commit()
    if result.outcome is applicants.AttemptOutcome.LOCKED:
        error = ngettext(
            "Trop d'essais avec ce code. Attendez %(num)d minute ou demandez au médiateur.",
            "Trop d'essais avec ce code. Attendez %(num)d minutes ou demandez au médiateur.",
            config["RESUME_LOCK_MINUTES"],
        )
        return render_template("resume.html", error=error, code=typed), 429
    if result.applicant is None:
        error = _("Le code ou le code secret n'est pas bon. Vérifiez et réessayez.")
        return render_template("resume.html", error=error, code=typed), 400
    end_browser_session()
    session["applicant_id"] = result.applicant.id
    session["lang"] = result.applicant.language
    return redirect(_resume_target(result.applicant))


@bp.get("/continue")
@require_applicant
def continue_application(applicant: ApplicantSession) -> Response:
    """Go back to where this browser's applicant left off."""
    return redirect(_resume_target(applicant))


@bp.get("/save")
@require_applicant
def save_form(applicant: ApplicantSession) -> str:
    """Explain how saving for later works, with the code to write down."""
    until = utcnow() + dt.timedelta(days=current_app.config["RESUME_DAYS"])
    return render_template("save.html", applicant=applicant, until=until.date())


@bp.post("/save")
@require_applicant
def save(applicant: ApplicantSession) -> Response:
    """Close the session, resumable with code and PIN for RESUME_DAYS days."""
    if applicant.pin_hash is None:
        return redirect(url_for("applicant.code"))
    now = utcnow()
    applicant.saved_for_later = True
    applicants.close(applicant, dt.timedelta(days=current_app.config["RESUME_DAYS"]), now)
    dossiers.withdraw(applicant)  # no clear PDF waits for the browser once they have left
    get_db().commit()
    code_shown = applicants.format_code(applicant.resume_code)
    until = applicant.resumable_until.date().isoformat() if applicant.resumable_until else ""
    end_browser_session()
    session["saved"] = {"code": code_shown, "until": until}
    return redirect(url_for("applicant.saved"))


@bp.get("/saved")
def saved() -> str | Response:
    """Confirm the session is saved, showing the code one last time."""
    info = session.get("saved")
    if not info:
        return redirect(url_for("applicant.welcome"))
    until = dt.date.fromisoformat(info["until"]) if info.get("until") else None
    return render_template("saved.html", code=info["code"], until=until)


@bp.post("/saved/done")
def saved_done() -> Response:
    """Leave the confirmation: forget the code shown on screen, and everything else."""
    return clear_site_data(redirect(url_for("applicant.welcome")))


@bp.post("/session/close")
def close_session() -> Response:
    """Close the session at the end of the idle countdown; it stays resumable."""
    applicant = current_applicant()
    if applicant is not None:
        close_unsaved(applicant)
        get_db().commit()
    return clear_site_data(redirect(url_for("applicant.welcome")))


@bp.post("/session/ping")
def ping() -> tuple[str, int]:
    """Record that someone is still touching the screen."""
    applicant = current_applicant()
    if applicant is not None:
        applicants.touch(applicant)
        get_db().commit()
    return "", 204
