"""Scanning the supporting documents: the list, the live camera, each page.

The live picture is polled as JPEG frames whose headers carry the outline and
the guidance; when the outline has been still with no problem, the page asks
for the capture by itself (the applicant can also tap). Pages belong to the
document they were captured for; a document can be marked "I don't have it".
"""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from forms import flow
from forms.schema import Document
from kiosk import applicants, pages
from kiosk.camera import get_camera
from kiosk.db import close_db, get_db
from kiosk.models import ApplicantSession, DocumentPage
from kiosk.procedures import procedure_or_404
from kiosk.views.context import require_applicant
from scanning.errors import ScanningError
from scanning.types import Mode, Problem

bp = Blueprint("scan", __name__, url_prefix="/scan")

#: What the screen says for each guidance code, and the pictogram that goes with it.
GUIDANCE_PICTOGRAMS = {
    Problem.NO_DOCUMENT.value: "no_document",
    Problem.NOT_FULLY_VISIBLE.value: "whole_page",
    Problem.TOO_SMALL.value: "move_closer",
    Problem.TOO_DARK.value: "too_dark",
    Problem.GLARE.value: "avoid_glare",
    Problem.BLURRY.value: "blurry",
    "hold_still": "hold_still",
    "ready": "readable_check",
    # Not a picture problem: the camera stopped answering (scan.js shows it).
    "camera_error": "camera_error",
}


def guidance_messages() -> dict[str, str]:
    """The one plain sentence shown for each guidance code."""
    return {
        Problem.NO_DOCUMENT.value: _("Posez le document sous la caméra."),
        Problem.NOT_FULLY_VISIBLE.value: _("Toute la page doit être visible."),
        Problem.TOO_SMALL.value: _("Approchez le document de la caméra."),
        Problem.TOO_DARK.value: _("Il faut plus de lumière."),
        Problem.GLARE.value: _("Évitez le reflet : penchez un peu le document."),
        Problem.BLURRY.value: _("Ne bougez plus : l'image est floue."),
        "hold_still": _("Ne bougez plus…"),
        "ready": _("Parfait, la photo est prise."),
    }


def problem_explanations() -> dict[str, str]:
    """What each problem of a captured page means, for the review screen."""
    return {
        Problem.NO_DOCUMENT.value: _("Le document n'a pas été trouvé sur la photo."),
        Problem.NOT_FULLY_VISIBLE.value: _("Une partie de la page est coupée."),
        Problem.TOO_SMALL.value: _("Le document est trop loin : le texte sera trop petit."),
        Problem.TOO_DARK.value: _("La photo est trop sombre."),
        Problem.GLARE.value: _("Un reflet cache une partie de la page."),
        Problem.BLURRY.value: _("La photo est floue."),
    }


def _document(applicant: ApplicantSession, document_id: str) -> Document:
    procedure = procedure_or_404(applicant.procedure_id)
    for document in flow.required_documents(procedure, applicants.answers_of(applicant)):
        if document.id == document_id:
            return document
    abort(404)


def _mode_for(document: Document) -> Mode:
    # Cards and passports carry photos and colours that prove they are genuine.
    return Mode.COLOUR if document.format in ("ID-1", "ID-3") else Mode.GREY


def _page(applicant: ApplicantSession, page_id: int) -> DocumentPage:
    page = pages.page_of(get_db(), applicant.id, page_id)
    if page is None:
        abort(404)
    return page


@bp.get("")
@require_applicant
def documents(applicant: ApplicantSession) -> str:
    """List the documents to scan, with where each one stands."""
    procedure = procedure_or_404(applicant.procedure_id)
    required = flow.required_documents(procedure, applicants.answers_of(applicant))
    return render_template(
        "scan_documents.html",
        progress=pages.progress(get_db(), applicant.id, required),
        applicant=applicant,
    )


@bp.get("/<document_id>")
@require_applicant
def capture_screen(applicant: ApplicantSession, document_id: str) -> str:
    """Show the live camera for one document."""
    document = _document(applicant, document_id)
    get_camera().new_document()
    return render_template(
        "scan_capture.html",
        document=document,
        captured=pages.pages_of(get_db(), applicant.id, document_id),
        messages=guidance_messages(),
        pictograms=GUIDANCE_PICTOGRAMS,
        live=get_camera().live,
        applicant=applicant,
    )


@bp.get("/live.jpg")
@require_applicant
def live_frame(applicant: ApplicantSession) -> Response:
    """The newest camera picture, its outline and guidance in the headers."""
    # Every transaction holds SQLite's write lock (BEGIN IMMEDIATE, kiosk/db.py):
    # end this one before waiting for the camera, or each poll would hold up
    # every save on the kiosk for as long as a frame takes.
    close_db()
    after = request.args.get("after", "0")
    frame = get_camera().latest(after=int(after) if after.isdigit() else 0, timeout=1.0)
    if frame is None or frame.error:
        body = json.dumps({"error": "camera", "detail": frame.error if frame else "no picture"})
        return Response(body, status=503, mimetype="application/json")
    guidance = frame.guidance
    response = Response(frame.jpeg, mimetype="image/jpeg")
    response.headers["X-Frame"] = str(frame.sequence)
    response.headers["X-Quad"] = json.dumps(frame.quad_fractions())
    response.headers["X-Guidance"] = guidance.message if guidance else "no_document"
    response.headers["X-Ready"] = "1" if guidance and guidance.ready else "0"
    response.headers["X-Fps"] = f"{frame.fps:.1f}"
    return response


@bp.post("/<document_id>/capture")
@require_applicant
def capture(applicant: ApplicantSession, document_id: str) -> BaseResponse:
    """Take the picture at full resolution and store the flattened page."""
    document = _document(applicant, document_id)
    try:
        scanned = get_camera().capture(_mode_for(document), document.format)
    except ScanningError:
        flash(_("La caméra ne répond pas. Vérifiez son câble, puis réessayez."))
        return redirect(url_for("scan.capture_screen", document_id=document_id))
    if not scanned.image:
        flash(
            _("Le document n'a pas été trouvé sur la photo. Posez-le bien à plat, puis réessayez.")
        )
        return redirect(url_for("scan.capture_screen", document_id=document_id))
    page = pages.add_page(get_db(), applicant.id, document_id, scanned)
    applicants.touch(applicant)
    get_db().commit()
    return redirect(url_for("scan.review", document_id=document_id, page_id=page.id))


@bp.get("/<document_id>/pages/<int:page_id>")
@require_applicant
def review(applicant: ApplicantSession, document_id: str, page_id: int) -> str:
    """Show the flattened page: is it readable?"""
    document = _document(applicant, document_id)
    page = _page(applicant, page_id)
    return render_template(
        "scan_review.html",
        document=document,
        page=page,
        problems=json.loads(page.problems),
        measures=json.loads(page.measures),
        explanations=problem_explanations(),
        applicant=applicant,
    )


@bp.get("/<document_id>/pages")
@require_applicant
def document_pages(applicant: ApplicantSession, document_id: str) -> str:
    """All pages of one document: reorder, turn, delete, add another."""
    document = _document(applicant, document_id)
    return render_template(
        "scan_pages.html",
        document=document,
        captured=pages.pages_of(get_db(), applicant.id, document_id),
        applicant=applicant,
    )


@bp.get("/page/<int:page_id>.jpg")
@require_applicant
def page_image(applicant: ApplicantSession, page_id: int) -> Response:
    """The cleaned page as shown on screen (personal data: never cached)."""
    page = _page(applicant, page_id)
    return Response(pages.preview_image(get_db(), page), mimetype="image/jpeg")


@bp.post("/<document_id>/pages/<int:page_id>/<action>")
@require_applicant
def change_page(
    applicant: ApplicantSession, document_id: str, page_id: int, action: str
) -> BaseResponse:
    """Retake, delete, turn or move a page."""
    _document(applicant, document_id)
    page = _page(applicant, page_id)
    back = request.form.get("back", "pages")
    if action in ("delete", "retake"):
        pages.delete_page(get_db(), page)
    elif action == "rotate":
        pages.rotate_page(get_db(), page)
    elif action in ("up", "down"):
        pages.move_page(get_db(), page, -1 if action == "up" else 1)
    else:
        abort(404)
    applicants.touch(applicant)
    get_db().commit()
    if action == "retake":
        return redirect(url_for("scan.capture_screen", document_id=document_id))
    if action == "rotate" and back == "review":
        return redirect(url_for("scan.review", document_id=document_id, page_id=page_id))
    return redirect(url_for("scan.document_pages", document_id=document_id))


@bp.post("/<document_id>/missing")
@require_applicant
def mark_missing(applicant: ApplicantSession, document_id: str) -> BaseResponse:
    """Record "I don't have it": the document stays on the list of missing ones."""
    _document(applicant, document_id)
    pages.set_missing(get_db(), applicant.id, document_id, request.form.get("missing") == "1")
    applicants.touch(applicant)
    get_db().commit()
    return redirect(url_for("scan.documents"))
