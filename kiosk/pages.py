"""Captured pages and document statuses of an applicant session.

Functions take the database session they work in and never commit: the
view acknowledges the work by committing once. Page images are personal data:
they are stored sealed with the session's key (`kiosk.crypto`) and read only
through `master_image` and `preview_image`.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

from PIL import Image as PILImage
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from forms.schema import Document
from kiosk import crypto
from kiosk.models import ApplicantSession, DocumentPage, DocumentStatus
from scanning.types import ScannedPage

MISSING = "missing"


@dataclass(frozen=True)
class DocumentProgress:
    """Where one required document stands."""

    document: Document
    pages: int
    missing: bool

    @property
    def done(self) -> bool:
        """A document is done once it has a page, or is declared missing."""
        return self.pages > 0 or self.missing


def pages_of(db: Session, applicant_id: int, document_id: str) -> list[DocumentPage]:
    """Return a document's pages in order."""
    return list(
        db.scalars(
            select(DocumentPage)
            .where(DocumentPage.applicant_id == applicant_id)
            .where(DocumentPage.document_id == document_id)
            .order_by(DocumentPage.position, DocumentPage.id)
        )
    )


def page_of(db: Session, applicant_id: int, page_id: int) -> DocumentPage | None:
    """Return one page, only if it belongs to this applicant."""
    page = db.get(DocumentPage, page_id)
    return page if page is not None and page.applicant_id == applicant_id else None


def _applicant(db: Session, page: DocumentPage) -> ApplicantSession:
    applicant = db.get(ApplicantSession, page.applicant_id)
    if applicant is None:
        raise crypto.BrokenSeal(f"document_page of missing session {page.applicant_id}")
    return applicant


def master_image(db: Session, page: DocumentPage) -> bytes:
    """The flattened colour page (JPEG) the dossier is made from."""
    return crypto.unseal(_applicant(db, page), DocumentPage.sealed_master, page.sealed_master)


def preview_image(db: Session, page: DocumentPage) -> bytes:
    """The cleaned page (JPEG) shown on screen."""
    return crypto.unseal(_applicant(db, page), DocumentPage.sealed_preview, page.sealed_preview)


def add_page(
    db: Session, applicant_id: int, document_id: str, scanned: ScannedPage
) -> DocumentPage:
    """Store a captured page at the end of its document."""
    last = db.scalar(
        select(func.max(DocumentPage.position))
        .where(DocumentPage.applicant_id == applicant_id)
        .where(DocumentPage.document_id == document_id)
    )
    applicant = db.get(ApplicantSession, applicant_id)
    if applicant is None:
        raise ValueError(f"no applicant session {applicant_id}")
    page = DocumentPage(
        applicant_id=applicant_id,
        document_id=document_id,
        position=(last or 0) + 1,
        sealed_master=crypto.seal(applicant, DocumentPage.sealed_master, scanned.master),
        sealed_preview=crypto.seal(applicant, DocumentPage.sealed_preview, scanned.image),
        width=scanned.width,
        height=scanned.height,
        dpi=scanned.dpi,
        page_format=scanned.format,
        mode=scanned.mode.value,
        rotation=0,
        problems=json.dumps([problem.value for problem in scanned.problems]),
        measures=json.dumps(scanned.measures),
    )
    db.add(page)
    # Having a page means the document is no longer "missing".
    db.execute(
        delete(DocumentStatus)
        .where(DocumentStatus.applicant_id == applicant_id)
        .where(DocumentStatus.document_id == document_id)
    )
    db.flush()
    return page


def delete_page(db: Session, page: DocumentPage) -> None:
    """Remove a page and close the gap in the order."""
    siblings = [p for p in pages_of(db, page.applicant_id, page.document_id) if p.id != page.id]
    db.delete(page)
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position


def erase_all(db: Session, applicant_id: int) -> None:
    """Forget every page and document status of an applicant session."""
    db.execute(delete(DocumentPage).where(DocumentPage.applicant_id == applicant_id))
    db.execute(delete(DocumentStatus).where(DocumentStatus.applicant_id == applicant_id))


def move_page(db: Session, page: DocumentPage, step: int) -> None:
    """Move a page one place earlier (step -1) or later (+1)."""
    pages = pages_of(db, page.applicant_id, page.document_id)
    index = next(i for i, p in enumerate(pages) if p.id == page.id)
    target = index + step
    if 0 <= target < len(pages):
        pages[index], pages[target] = pages[target], pages[index]
    for position, one in enumerate(pages, start=1):
        one.position = position


def rotate_page(db: Session, page: DocumentPage, quarter_turns: int = 1) -> None:
    """Turn a page clockwise: the screen picture now, the master when the dossier is made."""
    picture = PILImage.open(io.BytesIO(preview_image(db, page)))
    turned = (
        picture.transpose(
            {
                1: PILImage.Transpose.ROTATE_270,
                2: PILImage.Transpose.ROTATE_180,
                3: PILImage.Transpose.ROTATE_90,
            }[quarter_turns % 4]
        )
        if quarter_turns % 4
        else picture
    )
    buffer = io.BytesIO()
    turned.save(buffer, "JPEG", quality=85)
    applicant = _applicant(db, page)
    page.sealed_preview = crypto.seal(applicant, DocumentPage.sealed_preview, buffer.getvalue())
    page.rotation = (page.rotation + quarter_turns) % 4
    page.width, page.height = turned.size


def set_missing(db: Session, applicant_id: int, document_id: str, missing: bool) -> None:
    """Record that the applicant does not have a document (or takes it back)."""
    status = db.get(DocumentStatus, (applicant_id, document_id))
    if missing and status is None:
        db.add(DocumentStatus(applicant_id=applicant_id, document_id=document_id, status=MISSING))
    elif not missing and status is not None:
        db.delete(status)


def progress(db: Session, applicant_id: int, documents: list[Document]) -> list[DocumentProgress]:
    """Return where every required document stands."""
    counts = dict(
        db.execute(
            select(DocumentPage.document_id, func.count())
            .where(DocumentPage.applicant_id == applicant_id)
            .group_by(DocumentPage.document_id)
        ).all()
    )
    missing = set(
        db.scalars(
            select(DocumentStatus.document_id)
            .where(DocumentStatus.applicant_id == applicant_id)
            .where(DocumentStatus.status == MISSING)
        )
    )
    return [
        DocumentProgress(document, int(counts.get(document.id, 0)), document.id in missing)
        for document in documents
    ]
