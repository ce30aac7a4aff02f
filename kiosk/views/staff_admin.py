"""The admin screens: staff accounts, settings, the audit log.

Only an administrator signed in with their password (not only the PIN)
reaches them (`admin_required`). Every change is in the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from forms.validate import N_
from kiosk import audit, instance_settings, staff, staff_session
from kiosk.db import get_db
from kiosk.i18n import KNOWN_LANGUAGES, NEXT_LANGUAGES, catalog_status
from kiosk.models import StaffAccount, utcnow
from kiosk.staff_session import admin_required

bp = Blueprint("staff_admin", __name__, url_prefix="/staff")

#: What each StaffError code means on screen (msgids).
ACCOUNT_ERRORS = {
    "username": N_(
        "Le nom d'utilisateur a de 2 à 32 caractères : une lettre, puis des lettres, "
        "des chiffres, « . », « _ » ou « - »."
    ),
    "display_name": N_("Le nom affiché a de 1 à 80 caractères."),
    "role": N_("Choisissez un rôle."),
    "password_length": N_("Le mot de passe a au moins 12 caractères."),
    "password_characters": N_(
        "Le mot de passe ne peut avoir que des lettres, des chiffres, des espaces et - ' , . "
        "(ce que tape le clavier de l'écran)."
    ),
    "pin_form": N_("Le code PIN du personnel a 6 chiffres."),
    "pin_guessable": N_("Ce code PIN se devine trop facilement (un chiffre répété, une suite)."),
    "taken": N_("Ce nom d'utilisateur est déjà pris."),
    "last_admin": N_("Il faut garder au moins un administrateur."),
}
#: What each setting is called on screen (msgids).
SETTING_LABELS = {
    "RESUME_DAYS": N_("Jours pour reprendre une demande enregistrée"),
    "UNSAVED_RESUME_HOURS": N_("Heures pour reprendre une demande fermée sans l'enregistrer"),
    "DOCUMENT_MAX_BYTES": N_("Taille maximale d'un document PDF, en octets"),
    "PRINTER_QUEUE": N_("File d'impression (CUPS)"),
    "ANEF_URL": N_("Adresse du site ANEF"),
    "LANGUAGES": N_("Langues proposées à l'accueil"),
}
#: What each InvalidSetting code means on screen (msgids).
SETTING_ERRORS = {
    "number": N_("Tapez un nombre entier."),
    "form": N_("Cette valeur n'a pas la bonne forme."),
    "range": N_("Tapez un nombre entre %(low)d et %(high)d."),
    "queue": N_("Un nom de file CUPS : des lettres, des chiffres, « _ », « . » ou « - »."),
    "address": N_("Cette adresse n'est pas permise : https et un site de ANEF_ALLOWED_HOSTS."),
    "languages": N_("Choisissez au moins une langue."),
    "default_language": N_("La langue de l'accueil doit rester proposée."),
}
#: Which on-screen keyboard each setting is typed on.
SETTING_KEYBOARDS = {"PRINTER_QUEUE": "email", "ANEF_URL": "url"}


def _account_or_404(username: str) -> StaffAccount:
    account = staff.find(get_db(), username)
    if account is None:
        abort(404)
    return account


def _actor() -> str:
    state = staff_session.current()
    assert state is not None
    return state.username


@bp.get("/accounts")
@admin_required
def accounts() -> str:
    """Every staff account, with its role, PIN, lock and whether it is disabled."""
    return render_template(
        "staff_accounts.html", accounts=staff.all_accounts(get_db()), now=utcnow()
    )


def _account_form(values: dict[str, str], error: staff.StaffError | None) -> str:
    return render_template(
        "staff_account_new.html",
        values=values,
        error_code=error.code if error else None,
        error=_(ACCOUNT_ERRORS[error.code]) if error else None,
    )


@bp.get("/accounts/new")
@admin_required
def new_account() -> str:
    """The form for a new staff account."""
    return _account_form({"role": staff.Role.MEDIATOR.value}, None)


@bp.post("/accounts/new")
@admin_required
def create_account() -> Response | tuple[str, int]:
    """Create a staff account: username, name, role, password, optional PIN."""
    form = request.form
    values = {key: form.get(key, "") for key in ("username", "display_name", "role")}
    try:
        account = staff.create(
            get_db(),
            values["username"],
            values["display_name"],
            values["role"],
            form.get("password", ""),
            form.get("pin", "").strip() or None,
        )
    except staff.StaffError as error:
        return _account_form(values, error), 400
    audit.append(
        get_db(), _actor(), audit.Action.STAFF_ADD, staff=account.username, role=account.role
    )
    get_db().commit()
    flash(_("Le compte %(username)s est créé.", username=account.username))
    return redirect(url_for("staff_admin.accounts"))


def _account_page(account: StaffAccount, error: str | None) -> str:
    return render_template("staff_account.html", account=account, error=error, now=utcnow())


@bp.get("/accounts/<username>")
@admin_required
def account(username: str) -> str:
    """One account: new password or PIN, lift the lock, disable or enable."""
    return _account_page(_account_or_404(username), None)


@bp.post("/accounts/<username>/reset")
@admin_required
def reset_account(username: str) -> Response | tuple[str, int]:
    """Give new credentials (blank keeps them), lift the locks, enable the account."""
    account = _account_or_404(username)
    password = request.form.get("password", "")
    pin = request.form.get("pin", "").strip()
    remove_pin = request.form.get("remove_pin") == "1"
    try:
        staff.reset(account, password or None, pin or None, remove_pin)
    except staff.StaffError as error:
        return _account_page(account, _(ACCOUNT_ERRORS[error.code])), 400
    audit.append(
        get_db(),
        _actor(),
        audit.Action.STAFF_RESET,
        staff=account.username,
        password=bool(password),
        pin="removed" if remove_pin and not pin else bool(pin),
    )
    get_db().commit()
    flash(_("Le compte %(username)s est à jour et débloqué.", username=account.username))
    return redirect(url_for("staff_admin.accounts"))


@bp.post("/accounts/<username>/disable")
@admin_required
def disable_account(username: str) -> Response | tuple[str, int]:
    """Refuse every sign-in of this account (the last administrator cannot be disabled)."""
    account = _account_or_404(username)
    if account.username == _actor():
        return _account_page(account, _("Vous ne pouvez pas désactiver votre propre compte.")), 400
    try:
        staff.disable(get_db(), account)
    except staff.StaffError as error:
        return _account_page(account, _(ACCOUNT_ERRORS[error.code])), 400
    audit.append(get_db(), _actor(), audit.Action.STAFF_DISABLE, staff=account.username)
    get_db().commit()
    flash(_("Le compte %(username)s est désactivé.", username=account.username))
    return redirect(url_for("staff_admin.accounts"))


def _settings_page(errors: dict[str, str], typed: dict[str, Any]) -> str:
    return render_template(
        "staff_settings.html",
        editable_settings=instance_settings.editable(current_app),
        labels=SETTING_LABELS,
        keyboards=SETTING_KEYBOARDS,
        known_languages=list(KNOWN_LANGUAGES.values()),
        # How far each translation can be trusted, as its catalog says (never more).
        language_status={
            code: catalog_status(code, Path(current_app.config["TRANSLATIONS_DIR"]))
            for code in KNOWN_LANGUAGES
        },
        next_languages=list(NEXT_LANGUAGES.values()),
        errors=errors,
        typed=typed,
    )


@bp.get("/settings")
@admin_required
def settings() -> str:
    """The settings an administrator may change, with where each value comes from."""
    return _settings_page({}, {})


def _typed_value(name: str) -> Any:
    if name == "LANGUAGES":
        chosen = request.form.getlist("LANGUAGES")
        current = current_app.config["LANGUAGES"]
        # Keep the order the welcome screen shows; new languages go last.
        return [code for code in current if code in chosen] + [
            code for code in KNOWN_LANGUAGES if code in chosen and code not in current
        ]
    return request.form.get(name, "")


@bp.post("/settings")
@admin_required
def save_settings() -> Response | tuple[str, int]:
    """Check every value typed with its setting's parser, then save the changed ones."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    typed: dict[str, Any] = {}
    for shown in instance_settings.editable(current_app):
        name = shown.setting.name
        if not shown.editable:
            continue
        typed[name] = _typed_value(name)
        try:
            value = instance_settings.parse(current_app, name, typed[name])
        except instance_settings.InvalidSetting as error:
            low, high = shown.bounds or (0, 0)
            errors[name] = _(SETTING_ERRORS[error.code], low=low, high=high)
            continue
        if value != current_app.config[name]:
            changes[name] = value
    if errors:
        return _settings_page(errors, typed), 400
    if changes:
        instance_settings.save(current_app, changes)
        audit.append(
            get_db(), _actor(), audit.Action.SETTINGS_CHANGE, settings=",".join(sorted(changes))
        )
        get_db().commit()
        flash(_("Les réglages sont enregistrés."))
    else:
        flash(_("Rien n'a changé."))
    return redirect(url_for("staff_admin.settings"))


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    """The newest staff actions, and whether the chain of hashes is intact."""
    return render_template(
        "staff_audit.html",
        events=audit.recent(get_db()),
        check=audit.verify(get_db()),
        detail_of=audit.detail_of,
    )
