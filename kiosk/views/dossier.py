"""The dossier screens: prepare it, then print it, copy it to a USB key, open ANEF, send it.

Every output sends the files of the last dossier built, unchanged, and checks
them against its manifest where the destination allows it.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from forms import flow
from forms.dossier import DossierFile
from forms.dossier.fonts import FontsMissing
from forms.validate import N_
from kiosk import applicants, dossiers, pages
from kiosk.db import get_db
from kiosk.delivery import anef, printing, upload, usb
from kiosk.delivery.errors import DeliveryError
from kiosk.models import ApplicantSession, BuiltDossier
from kiosk.procedures import procedure_or_404
from kiosk.views.context import require_applicant

bp = Blueprint("dossier", __name__, url_prefix="/dossier")


def _media() -> list[usb.Medium]:
    """The USB keys plugged in, then the folders configured to stand for one."""
    config = current_app.config
    roots = config["REMOVABLE_MEDIA_ROOTS"]
    media = usb.removable_media([Path(root) for root in roots] if roots else None)
    extra = [Path(folder) for folder in config["EXTRA_MEDIA_FOLDERS"]]
    if extra:
        media += usb.removable_media(extra, include_roots=True)
    return media


def _explain(error: DeliveryError) -> None:
    # str(error) is its detail, or its message when it has none.
    current_app.logger.warning("delivery: %s: %s", type(error).__name__, error)
    flash(_(error.message))


@bp.get("")
@require_applicant
def overview(applicant: ApplicantSession) -> str:
    """Where the dossier stands: documents provided and missing, files built."""
    procedure = procedure_or_404(applicant.procedure_id)
    required = flow.required_documents(procedure, applicants.answers_of(applicant))
    built = dossiers.stored(get_db(), applicant)
    files = []
    too_large: list[str] = []
    current = built is not None and dossiers.is_current(get_db(), applicant, procedure, built)
    if built is not None:
        files = dossiers.listed(applicant, built)
        too_large = json.loads(built.too_large)
    return render_template(
        "dossier.html",
        progress=pages.progress(get_db(), applicant.id, required),
        built=built,
        current=current,
        files=files,
        too_large=too_large,
        can_upload=bool(current_app.config["UPLOAD_URL"]),
        applicant=applicant,
    )


@bp.post("/build")
@require_applicant
def build(applicant: ApplicantSession) -> Response:
    """Assemble the dossier from the answers and the scanned pages."""
    procedure = procedure_or_404(applicant.procedure_id)
    try:
        dossier = dossiers.build(get_db(), applicant, procedure)
    except FontsMissing as missing:
        # An installation fault, not the applicant's: say so, keep everything.
        get_db().rollback()
        current_app.logger.error("dossier not built: %s", missing)
        flash(
            _(
                "Le dossier ne peut pas être préparé sur cet ordinateur : il manque une "
                "police d'écriture. Vos réponses et vos pages sont gardées. "
                "Demandez au médiateur."
            )
        )
        return redirect(url_for("dossier.overview"))
    applicants.touch(applicant)
    get_db().commit()
    for error in dossier.too_large:
        flash(
            _(
                "« %(title)s » est trop lourd, même en baissant la qualité. "
                "Reprenez les pages en les approchant moins, ou demandez au médiateur.",
                title=_(error.title),
            )
        )
    return redirect(url_for("dossier.overview"))


class OutOfDate(Exception):
    """The answers or pages changed since the dossier was built."""

    message = N_("Des réponses ou des pages ont changé : touchez « Refaire le dossier ».")


def _current(applicant: ApplicantSession) -> BuiltDossier:
    """The dossier as built, provided it is still up to date."""
    built = dossiers.stored(get_db(), applicant)
    if built is None:
        abort(409)
    procedure = procedure_or_404(applicant.procedure_id)
    if not dossiers.is_current(get_db(), applicant, procedure, built):
        raise OutOfDate()
    return built


def _files(applicant: ApplicantSession) -> list[DossierFile]:
    """The files of the dossier as built, provided it is still up to date."""
    return dossiers.files_of(applicant, _current(applicant))


@bp.errorhandler(OutOfDate)
def out_of_date(error: OutOfDate) -> Response:
    """Never send an old dossier: back to the overview, to build it again."""
    flash(_(error.message))
    return redirect(url_for("dossier.overview"))


@bp.post("/print")
@require_applicant
def print_dossier(applicant: ApplicantSession) -> Response:
    """Print every PDF of the dossier."""
    config = current_app.config
    files = [f for f in _files(applicant) if f.media_type == "application/pdf"]
    try:
        jobs = printing.print_files(files, config["PRINTER_QUEUE"], config["CUPS_SERVER"] or None)
    except DeliveryError as error:
        _explain(error)
    else:
        flash(_("Le dossier est envoyé à l'imprimante (%(count)d documents).", count=len(jobs)))
    return redirect(url_for("dossier.overview"))


@bp.get("/usb")
@require_applicant
def choose_medium(applicant: ApplicantSession) -> str:
    """List the USB keys plugged in."""
    _current(applicant)
    return render_template("dossier_usb.html", media=_media(), applicant=applicant)


@bp.post("/usb")
@require_applicant
def copy_to_medium(applicant: ApplicantSession) -> Response | str:
    """Copy the dossier to the chosen USB key, checked against its manifest."""
    # The key is named by its mount point, and only one still listed is used:
    # the list may have changed since the screen was shown.
    chosen = request.form.get("medium", "")
    medium = next((one for one in _media() if str(one.path) == chosen), None)
    if medium is None:
        flash(_("Cette clé USB n'est plus là. Branchez-la de nouveau."))
        return redirect(url_for("dossier.choose_medium"))
    try:
        result = usb.export(_files(applicant), medium.path, f"Guichet-{applicant.reference}")
    except DeliveryError as error:
        _explain(error)
        return redirect(url_for("dossier.choose_medium"))
    return render_template(
        "dossier_usb_done.html", result=result, medium=medium, applicant=applicant
    )


@bp.post("/anef")
@require_applicant
def open_anef(applicant: ApplicantSession) -> Response:
    """Put the PDFs where the browser's file picker finds them, then open ANEF."""
    config = current_app.config
    try:
        address = anef.anef_address(config["ANEF_URL"], config["ANEF_ALLOWED_HOSTS"])
        anef.prepare_folder(_files(applicant), dossiers.outbox(), applicant.reference)
    except DeliveryError as error:
        _explain(error)
        return redirect(url_for("dossier.overview"))
    return redirect(address)


def _upload_token(token_file: str) -> str | None:
    """The bearer token for the upload, if a file holds one."""
    if not token_file:
        return None
    try:
        return Path(token_file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        # The kiosk's setup, not the applicant: the generic message, the detail logged.
        raise DeliveryError(f"upload token file {token_file}: {exc}") from exc


@bp.post("/send")
@require_applicant
def send(applicant: ApplicantSession) -> Response:
    """Send the dossier to the organisation's server (only when one is configured)."""
    config = current_app.config
    if not config["UPLOAD_URL"]:
        abort(404)
    try:
        token = _upload_token(config["UPLOAD_TOKEN_FILE"])
        upload.upload(
            config["UPLOAD_URL"], _files(applicant), token, config["UPLOAD_CA_FILE"] or None
        )
    except DeliveryError as error:
        _explain(error)
    else:
        flash(_("Le dossier est envoyé."))
    return redirect(url_for("dossier.overview"))
