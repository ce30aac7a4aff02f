"""Importing a picture for a document: a photo or a scan picked on a USB key.

The file goes through the browser's file picker, is checked by
`scanning.intake` (content, byte size, pixels read from the header before
decoding), then through the same pipeline as a camera still, and lands on the
same review screen. Its name and declared type are never used or kept: the
page is stored under an id the database gives it. The upload stays in memory
(`kiosk.uploads`). A refused file sends the applicant back to the capture
screen with the reason and what to do instead; nothing already scanned is
touched.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from forms.validate import N_
from kiosk import applicants, pages
from kiosk.camera import get_camera
from kiosk.db import get_db
from kiosk.models import ApplicantSession
from kiosk.uploads import intake_limits, upload_limit
from kiosk.views.context import require_applicant
from kiosk.views.scan import _document, _mode_for
from scanning import intake, pipeline
from scanning.types import Frame

bp = Blueprint("picture_import", __name__, url_prefix="/scan")

#: Field of the form that carries the file.
FIELD = "picture"

#: Why a file is refused, and what to do instead, for each intake failure.
REFUSALS: dict[type[intake.IntakeError], str] = {
    intake.EmptyImage: N_(
        "Ce fichier est vide. Choisissez une autre photo, ou scannez le document avec la caméra."
    ),
    intake.FileTooLarge: N_(
        "Ce fichier est trop lourd (plus de %(size)d Mo). Choisissez une photo plus légère, "
        "ou scannez le document avec la caméra."
    ),
    intake.UnsupportedImageType: N_(
        "Ce fichier n'est pas une photo JPEG ou PNG. Choisissez une photo JPEG ou PNG, "
        "ou scannez le document avec la caméra."
    ),
    intake.TooManyPixels: N_(
        "Cette image est trop grande pour être ouverte ici. Choisissez une photo plus petite, "
        "ou scannez le document avec la caméra."
    ),
    intake.DecompressionBomb: N_(
        "Cette image est trop grande pour être ouverte ici. Choisissez une photo plus petite, "
        "ou scannez le document avec la caméra."
    ),
    intake.ImageTooSmall: N_(
        "Cette image est trop petite pour être lisible. Choisissez une photo plus grande, "
        "ou scannez le document avec la caméra."
    ),
    intake.CorruptImage: N_(
        "Cette image est abîmée et ne s'ouvre pas. Choisissez une autre photo, "
        "ou scannez le document avec la caméra."
    ),
}
UNREADABLE = N_(
    "Cette image ne peut pas être utilisée. Choisissez une autre photo, "
    "ou scannez le document avec la caméra."
)


def megabytes(size: int) -> int:
    """A byte limit in whole megabytes, as the screen says it."""
    return max(1, size // 1_000_000)


def refusal_message(error: intake.IntakeError) -> str:
    """The applicant's explanation of an intake failure, in their language."""
    message = REFUSALS.get(type(error), UNREADABLE)
    return str(_(message, size=megabytes(current_app.config["IMPORT_MAX_BYTES"])))


@bp.post("/<document_id>/import")
@upload_limit("IMPORT_MAX_BYTES", "scan.capture_screen", REFUSALS[intake.FileTooLarge])
@require_applicant
def import_picture(applicant: ApplicantSession, document_id: str) -> Response:
    """Check the picked file, flatten it like a camera still, then show it for review."""
    document = _document(applicant, document_id)
    back = url_for("scan.capture_screen", document_id=document_id)
    upload = request.files.get(FIELD)
    if upload is None:
        flash(_("Choisissez d'abord une photo ou un scan."))
        return redirect(back)
    # One byte more than the limit is enough to know it is over.
    data = upload.stream.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
    try:
        decoded = intake.decode(data, intake_limits(current_app.config))
    except intake.IntakeError as error:
        current_app.logger.info("picture refused: %s", type(error).__name__)
        flash(refusal_message(error))
        return redirect(back)
    del data
    camera = get_camera()
    frame = Frame(decoded.image, source="import", dpi=decoded.info.dpi)
    scanned = pipeline.scan(
        frame, _mode_for(document), camera.settings, expected_format=document.format
    )
    if not scanned.image:
        flash(
            _(
                "Le document n'a pas été trouvé sur cette image. Choisissez une photo où toute "
                "la page est visible, ou scannez le document avec la caméra."
            )
        )
        return redirect(back)
    page = pages.add_page(get_db(), applicant.id, document_id, scanned)
    applicants.touch(applicant)
    get_db().commit()
    return redirect(url_for("scan.review", document_id=document_id, page_id=page.id))
