"""The procedure's screens: one question page at a time, documents, check, confirmation.

Answers are saved at every page submit; the flow engine in `forms.flow`
decides which page comes next. A page hidden by earlier answers cannot be
reached, and its answers are dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from forms import flow
from forms.deadlines import filing_window
from forms.schema import SUMMARY, Procedure
from forms.validate import FieldError, form_from_answer, validate_fields
from kiosk import applicants, erasure
from kiosk.db import get_db
from kiosk.models import ApplicantSession, utcnow
from kiosk.procedures import procedure_or_404
from kiosk.security import clear_site_data
from kiosk.views.context import require_applicant

bp = Blueprint("application", __name__)


def _procedure_of(applicant: ApplicantSession) -> Procedure:
    if applicant.procedure_id is None:
        abort(404)
    return procedure_or_404(applicant.procedure_id)


def _answered(applicant: ApplicantSession) -> tuple[Procedure, dict[str, Any], Response | None]:
    """Return the procedure and answers, or where to go if a question is unanswered."""
    procedure = _procedure_of(applicant)
    answers = applicants.answers_of(applicant)
    missing = flow.first_unanswered(procedure, answers)
    gap = redirect(_page_url(missing)) if missing != SUMMARY else None
    return procedure, answers, gap


def _page_url(page_id: str, change: bool = False) -> str:
    if page_id == SUMMARY:
        return url_for("application.documents")
    return url_for("application.question", page_id=page_id, change=1 if change else None)


def _render_question(
    applicant: ApplicantSession,
    procedure: Procedure,
    page_id: str,
    values: dict[str, str],
    errors: list[FieldError],
    change: bool,
) -> str:
    answers = applicants.answers_of(applicant)
    page = procedure.page(page_id)
    assert page is not None
    previous = flow.previous_page(procedure, answers, page_id)
    if change:
        back = url_for("application.check_answers")
    elif previous is None:
        back = url_for("applicant.proposal", procedure_id=procedure.id)
    else:
        back = url_for("application.question", page_id=previous)
    return render_template(
        "question.html",
        procedure=procedure,
        page=page,
        fields=flow.page_fields(page, answers),
        values=values,
        errors=errors,
        error_for={error.field_id: error for error in errors},
        progress=flow.progress(procedure, answers, page_id),
        back=back,
        change=change,
        applicant=applicant,
    )


@bp.get("/q/<page_id>")
@require_applicant
def question(applicant: ApplicantSession, page_id: str) -> str | Response:
    """Show one page of questions, filled with the answers already given."""
    procedure = _procedure_of(applicant)
    answers = applicants.answers_of(applicant)
    if procedure.page(page_id) is None:
        abort(404)
    if not flow.is_visible(procedure, answers, page_id):
        return redirect(_page_url(flow.first_unanswered(procedure, answers)))
    page = procedure.page(page_id)
    assert page is not None
    values: dict[str, str] = {}
    for field in page.fields:
        values.update(form_from_answer(field, answers.get(field.id)))
    return _render_question(
        applicant, procedure, page_id, values, [], change=bool(request.args.get("change"))
    )


@bp.post("/q/<page_id>")
@require_applicant
def answer(applicant: ApplicantSession, page_id: str) -> str | Response | tuple[str, int]:
    """Check and save the answers of one page, then go to the next page."""
    procedure = _procedure_of(applicant)
    answers = applicants.answers_of(applicant)
    page = procedure.page(page_id)
    if page is None:
        abort(404)
    if not flow.is_visible(procedure, answers, page_id):
        return redirect(_page_url(flow.first_unanswered(procedure, answers)))
    change = bool(request.form.get("change"))
    fields = flow.page_fields(page, answers)
    submitted = {key: value for key, value in request.form.items() if key != "csrf_token"}
    values, errors = validate_fields(fields, submitted, dt.date.today())
    if errors:
        html = _render_question(applicant, procedure, page_id, submitted, errors, change)
        return html, 400
    updated: dict[str, Any] = dict(answers)
    for field_id, value in values.items():
        if value is None:
            updated.pop(field_id, None)
        else:
            updated[field_id] = value
    updated = flow.prune(procedure, updated)
    applicants.store_answers(applicant, updated)
    if change:
        # Back to "check your answers", unless the change opened new questions.
        following = flow.first_unanswered(procedure, updated)
        target = (
            url_for("application.check_answers")
            if following == SUMMARY
            else _page_url(following, change=True)
        )
    else:
        following = flow.next_page(procedure, updated, page_id)
        target = _page_url(following)
    applicant.current_page = following
    applicants.touch(applicant)
    get_db().commit()
    return redirect(target)


@bp.get("/documents")
@require_applicant
def documents(applicant: ApplicantSession) -> str | Response:
    """List the documents needed for these answers, each with its pictogram."""
    procedure, answers, gap = _answered(applicant)
    if gap is not None:
        return gap
    return render_template(
        "documents.html",
        procedure=procedure,
        documents=flow.required_documents(procedure, answers),
        back=_page_url(flow.previous_page(procedure, answers, SUMMARY) or SUMMARY),
        applicant=applicant,
    )


def _deadline(procedure: Procedure, answers: dict[str, Any]) -> Any:
    rule = procedure.deadline
    if rule is None or rule.field not in flow.prune(procedure, answers):
        return None
    return filing_window(rule, dt.date.fromisoformat(answers[rule.field]), dt.date.today())


@bp.get("/check")
@require_applicant
def check_answers(applicant: ApplicantSession) -> str | Response:
    """Show every answer on one page, each with a Change link."""
    procedure, answers, gap = _answered(applicant)
    if gap is not None:
        return gap
    return render_template(
        "check.html",
        procedure=procedure,
        pages=flow.answered_pages(procedure, answers),
        answers=answers,
        documents=flow.required_documents(procedure, answers),
        fees=flow.fees_due(procedure, answers),
        deadline=_deadline(procedure, answers),
        applicant=applicant,
    )


@bp.post("/check")
@require_applicant
def confirm(applicant: ApplicantSession) -> Response:
    """Confirm the answers are right and go to what happens next."""
    procedure, answers, gap = _answered(applicant)
    if gap is not None:
        return gap
    applicant.completed_at = applicant.completed_at or utcnow()
    applicant.current_page = "done"
    applicants.touch(applicant)
    get_db().commit()
    return redirect(url_for("application.done"))


@bp.get("/done")
@require_applicant
def done(applicant: ApplicantSession) -> str | Response:
    """Say what happens next."""
    procedure = _procedure_of(applicant)
    answers = applicants.answers_of(applicant)
    if applicant.completed_at is None:
        return redirect(url_for("application.check_answers"))
    return render_template(
        "done.html",
        procedure=procedure,
        applicant=applicant,
        documents=flow.required_documents(procedure, answers),
        fees=flow.fees_due(procedure, answers),
        deadline=_deadline(procedure, answers),
        resume_days=current_app.config["RESUME_DAYS"],
    )


@bp.get("/finish")
@require_applicant
def finish_form(applicant: ApplicantSession) -> str:
    """Ask for confirmation before erasing everything."""
    return render_template("finish.html", applicant=applicant)


@bp.post("/finish")
@require_applicant
def finish(applicant: ApplicantSession) -> Response:
    """End the session and erase its answers; the next person starts clean.

    The goodbye is shown in the applicant's language by this response itself:
    it tells the browser to clear its cookies, so a message kept for the next
    page would be lost with them.
    """
    erasure.erase_session(get_db(), applicant)
    get_db().commit()
    return clear_site_data(make_response(render_template("goodbye.html")))
