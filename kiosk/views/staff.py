"""The staff panel at the kiosk: unlock, take over and hand back, bilingual view, session actions.

The panel is opened by a 3-second press on the logo (kiosk.js), or from the
"Ask the mediator" screen and a discreet link on the welcome screen; a
mediator then taps their name and types their PIN on the on-screen digit
keyboard, or signs in with their password. Every action is in the audit log.
"""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from kiosk import audit, dossiers, erasure, overrides, staff, staff_session
from kiosk.applicants import AttemptOutcome, Status
from kiosk.db import get_db
from kiosk.delivery import printing
from kiosk.delivery.errors import DeliveryError
from kiosk.i18n import KNOWN_LANGUAGES
from kiosk.models import ApplicantSession, StaffAccount, utcnow
from kiosk.procedures import all_procedures
from kiosk.security import clear_site_data
from kiosk.staff_session import staff_required
from kiosk.views.context import current_applicant, safe_next

bp = Blueprint("staff", __name__, url_prefix="/staff")

bp.before_app_request(staff_session.load)
bp.after_app_request(staff_session.notice_browser_session_end)


@bp.app_context_processor
def _staff_context() -> dict[str, object]:
    state = staff_session.current()
    applicant = current_applicant() if state else None
    return {
        "staff": state,
        "staff_in_control": staff_session.in_control(applicant),
        "override_reasons": overrides.REASONS,
        "language_of": KNOWN_LANGUAGES.get,
    }


def _next(default: str | None = None) -> str:
    typed = request.values.get("next")
    return safe_next(typed, default or url_for("staff.panel"))


def _lock_message(minutes: int) -> str:
    return str(
        ngettext(
            "Trop d'essais : ce compte est bloqué pendant %(num)d minute.",
            "Trop d'essais : ce compte est bloqué pendant %(num)d minutes.",
            minutes,
        )
    )


def _wrong_message(attempts_left: int | None) -> str:
    if attempts_left is None:
        return str(_("Ce n'est pas le bon code. Vérifiez et réessayez."))
    return str(
        ngettext(
            "Ce n'est pas le bon code. Encore %(num)d essai avant le blocage.",
            "Ce n'est pas le bon code. Encore %(num)d essais avant le blocage.",
            attempts_left,
        )
    )


def _attempt(username: str, secret: str, method: staff.Method) -> staff.Attempt:
    config = current_app.config
    attempt = staff.authenticate(
        get_db(),
        username,
        secret,
        method,
        utcnow(),
        config["STAFF_MAX_ATTEMPTS"],
        dt.timedelta(minutes=config["STAFF_LOCK_MINUTES"]),
    )
    if attempt.just_locked and attempt.account is not None:
        audit.append(
            get_db(),
            "system",
            audit.Action.LOCKOUT,
            method=method.value,
            staff=attempt.account.username,
        )
    return attempt


def _signed_in(account: StaffAccount, method: staff.Method) -> Response:
    staff_session.unlock(account, method)
    applicant = current_applicant()
    if request.form.get("then") == "take_over" and applicant is not None:
        staff_session.take_over(applicant)
    get_db().commit()
    return redirect(_next())


@bp.get("/unlock")
def unlock() -> str | Response:
    """Ask a mediator to tap their name and type their PIN."""
    if staff_session.current() is not None:
        return redirect(_next())
    accounts = staff.unlockable(get_db())
    if not accounts:
        return redirect(url_for("staff.login", next=_next(), then=request.args.get("then")))
    return _unlock_page(accounts, None, None)


def _unlock_page(accounts: list[StaffAccount], chosen: str | None, error: str | None) -> str:
    return render_template(
        "staff_unlock.html",
        accounts=accounts,
        chosen=chosen,
        error=error,
        next=_next(),
        then=request.values.get("then", ""),
        back=safe_next(request.values.get("next"), url_for("applicant.welcome")),
        expired=bool(g.get("staff_expired") or request.args.get("expired")),
    )


@bp.post("/unlock")
def unlock_submit() -> Response | tuple[str, int]:
    """Check the PIN of the chosen account; 5 wrong PINs lock that account's PIN."""
    username = request.form.get("username", "")
    pin = request.form.get("pin", "").strip()
    accounts = staff.unlockable(get_db())
    if not any(account.username == username for account in accounts):
        return _unlock_page(accounts, None, _("Touchez votre nom.")), 400
    attempt = _attempt(username, pin, staff.Method.PIN)
    if attempt.outcome is AttemptOutcome.OK and attempt.account is not None:
        return _signed_in(attempt.account, staff.Method.PIN)
    get_db().commit()
    if attempt.outcome is AttemptOutcome.LOCKED:
        message = _lock_message(current_app.config["STAFF_LOCK_MINUTES"])
        message += " " + _("Vous pouvez vous connecter avec votre mot de passe.")
        return _unlock_page(accounts, username, message), 429
    return _unlock_page(accounts, username, _wrong_message(attempt.attempts_left)), 400


@bp.get("/login")
def login() -> str:
    """Sign in with username and password (needed for the admin screens)."""
    return _login_page(request.args.get("username", ""), None)


def _login_page(username: str, error: str | None) -> str:
    return render_template(
        "staff_login.html",
        username=username,
        error=error,
        next=_next(),
        then=request.values.get("then", ""),
        back=safe_next(request.values.get("next"), url_for("applicant.welcome")),
    )


@bp.post("/login")
def login_submit() -> Response | tuple[str, int]:
    """Check the password; 5 wrong passwords lock the account."""
    username = request.form.get("username", "").strip().lower()[:64]
    password = request.form.get("password", "")
    attempt = _attempt(username, password, staff.Method.PASSWORD)
    if attempt.outcome is AttemptOutcome.OK and attempt.account is not None:
        return _signed_in(attempt.account, staff.Method.PASSWORD)
    get_db().commit()
    if attempt.outcome is AttemptOutcome.LOCKED:
        return _login_page(username, _lock_message(current_app.config["STAFF_LOCK_MINUTES"])), 429
    error = _("Le nom d'utilisateur ou le mot de passe n'est pas bon.")
    return _login_page(username, error), 400


def _back_to_this_screen() -> Response:
    """Once the panel is locked: the application shown on this screen, or the welcome screen."""
    if current_applicant() is not None:
        return redirect(url_for("applicant.continue_application"))
    return redirect(url_for("applicant.welcome"))


@bp.post("/lock")
@staff_required
def lock() -> Response:
    """Close the staff panel: the next staff action asks for the PIN again."""
    state = staff_session.current()
    assert state is not None
    staff_session.end(state.username, "lock")
    get_db().commit()
    return _back_to_this_screen()


@bp.get("")
@staff_required
def panel() -> str:
    """The staff panel: this screen's session and its actions, then the other screens."""
    applicant = current_applicant()
    built = dossiers.stored(get_db(), applicant) if applicant else None
    procedure = all_procedures().get(applicant.procedure_id or "") if applicant else None
    return render_template(
        "staff_panel.html", current=applicant, procedure=procedure, built=built is not None
    )


@bp.post("/take-over")
@staff_required
def take_over() -> Response:
    """Take over the session shown on this screen: a banner says so on every screen."""
    applicant = current_applicant()
    if applicant is None:
        flash(_("Aucune demande n'est ouverte sur cet écran."))
        return redirect(url_for("staff.panel"))
    staff_session.take_over(applicant)
    get_db().commit()
    return redirect(_next(url_for("applicant.continue_application")))


@bp.post("/hand-back")
@staff_required
def hand_back() -> Response:
    """Give the screen back to the applicant; the panel locks."""
    staff_session.hand_back()
    get_db().commit()
    return _back_to_this_screen()


@bp.post("/bilingual")
@staff_required
def bilingual() -> Response:
    """Show French under every translated text, or stop."""
    staff_session.set_bilingual(request.form.get("on") == "1")
    get_db().commit()
    return redirect(_next())


@bp.post("/override/<document_id>/<int:page_id>")
@staff_required
def override(document_id: str, page_id: int) -> Response:
    """Keep a captured page despite its warning, for a reason from the fixed list."""
    applicant = current_applicant()
    if applicant is None or not staff_session.in_control(applicant):
        abort(403)
    state = staff_session.current()
    assert state is not None
    reason = request.form.get("reason", "")
    try:
        page = overrides.override(get_db(), applicant.id, page_id, reason, state.username)
    except LookupError:
        abort(404)
    except overrides.NothingToOverride:
        flash(_("Choisissez une raison dans la liste."))
        return redirect(url_for("scan.review", document_id=document_id, page_id=page_id))
    if page.document_id != document_id:
        abort(404)
    staff_session.record(
        audit.Action.OVERRIDE,
        applicant.reference,
        document=page.document_id,
        reason=reason,
        problems=",".join(overrides.problems_of(page)),
    )
    get_db().commit()
    return redirect(url_for("scan.review", document_id=document_id, page_id=page_id))


def _session_or_404(reference: str) -> ApplicantSession:
    """A session not yet erased, by its public reference."""
    applicant = get_db().scalar(
        select(ApplicantSession).where(ApplicantSession.reference == reference[:16])
    )
    if applicant is None or applicant.status == Status.ENDED:
        abort(404)
    return applicant


@bp.get("/sessions/<reference>/end")
@staff_required
def end_form(reference: str) -> str:
    """Ask to confirm before a session is ended and erased."""
    applicant = _session_or_404(reference)
    return render_template(
        "staff_end.html",
        target=applicant,
        on_this_screen=applicant is current_applicant(),
        back=_next(),
    )


@bp.post("/sessions/<reference>/end")
@staff_required
def end_session(reference: str) -> Response | str:
    """End a session and erase it (erasure.erase_session); the anonymous statistics stay."""
    applicant = _session_or_404(reference)
    on_this_screen = applicant is current_applicant()
    erasure.erase_session(get_db(), applicant)
    staff_session.record(audit.Action.END_SESSION, reference)
    if not on_this_screen:
        get_db().commit()
        flash(_("La demande %(reference)s est terminée et effacée.", reference=reference))
        return redirect(_next())
    # The screen goes to the next person: the staff panel locks, and the
    # browser forgets everything it held for the kiosk.
    state = staff_session.current()
    assert state is not None
    staff_session.end(state.username, "end_session")
    get_db().commit()
    page = render_template("staff_erased.html", reference=reference)
    return clear_site_data(Response(page, mimetype="text/html"))


@bp.post("/sessions/<reference>/reprint")
@staff_required
def reprint(reference: str) -> Response:
    """Print the last dossier built for a session again, if it is still up to date."""
    applicant = _session_or_404(reference)
    built = dossiers.stored(get_db(), applicant)
    procedure = all_procedures().get(applicant.procedure_id or "")
    if built is None or procedure is None:
        flash(_("Cette demande n'a pas encore de dossier."))
        return redirect(_next())
    if not dossiers.is_current(get_db(), applicant, procedure, built):
        flash(_("Des réponses ou des pages ont changé : il faut refaire le dossier."))
        return redirect(_next())
    config = current_app.config
    files = [one for one in dossiers.files_of(applicant, built) if one.media_type == printing.PDF]
    try:
        jobs = printing.print_files(files, config["PRINTER_QUEUE"], config["CUPS_SERVER"] or None)
    except DeliveryError as error:
        current_app.logger.warning("reprint: %s", getattr(error, "detail", error))
        flash(_(error.message))
        failure = type(error).__name__
        staff_session.record(audit.Action.REPRINT, reference, printed=0, error=failure)
    else:
        flash(_("Le dossier est envoyé à l'imprimante (%(count)d documents).", count=len(jobs)))
        staff_session.record(audit.Action.REPRINT, reference, printed=len(jobs))
    get_db().commit()
    return redirect(_next())
