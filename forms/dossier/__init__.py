"""Dossier assembly: one PDF per document, the summary, the receipt, the manifest.

`build_dossier` is the recipe; it takes what the kiosk (or the command line)
knows — procedure, answers, captured pages, language — and returns the files,
ready to print, copy to a USB key or upload.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from forms import flow
from forms.display import Formatter, Translator
from forms.errors import DocumentTooLarge
from forms.schema import Procedure

from . import messages as m
from .documents import PageImage, document_pdf
from .package import MANIFEST, DossierFile, manifest, zip_archive
from .receipt import receipt_pdf
from .summary import DossierContext, summary_pdf

__all__ = ["Dossier", "PageImage", "build_dossier", "DossierFile", "MANIFEST"]

SUMMARY_NAME = "00-fiche-recapitulative.pdf"
RECEIPT_NAME = "99-recu.pdf"


@dataclass
class Dossier:
    """The dossier's files and what could not be included."""

    reference: str
    files: list[DossierFile]
    archive: bytes
    too_large: list[DocumentTooLarge] = field(default_factory=list)

    @property
    def manifest(self) -> DossierFile:
        """The manifest file."""
        return next(f for f in self.files if f.name == MANIFEST)

    @property
    def archive_name(self) -> str:
        """The ZIP's file name."""
        return f"dossier-{self.reference}.zip"


def build_dossier(
    procedure: Procedure,
    answers: dict[str, Any],
    pages: dict[str, list[PageImage]],
    translator: Translator,
    reference: str,
    max_document_bytes: int,
    resume_code: str | None = None,
    today: dt.date | None = None,
) -> Dossier:
    """Assemble the dossier.

    Args:
        procedure: the procedure.
        answers: the answers (field id to stored value).
        pages: captured pages by document id, in order.
        translator: gettext in the applicant's language.
        reference: the dossier's public reference.
        max_document_bytes: size limit of each document's PDF.
        resume_code: shown on the receipt.
        today: the date printed, for reproducible output.
    """
    today = today or dt.date.today()
    required = flow.required_documents(procedure, answers)
    files: list[DossierFile] = []
    too_large: list[DocumentTooLarge] = []
    counts: dict[str, int] = {}
    for number, document in enumerate(required, start=1):
        document_pages = pages.get(document.id) or []
        if not document_pages:
            continue
        try:
            data, _ = document_pdf(document_pages, document.title, max_document_bytes)
        except DocumentTooLarge as error:
            too_large.append(error)
            continue
        counts[document.id] = len(document_pages)
        files.append(
            DossierFile(f"{number:02d}-{document.id}.pdf", data, "application/pdf", document.title)
        )
    context = DossierContext(
        procedure,
        answers,
        reference,
        today,
        Formatter(Translator("fr")),
        Formatter(translator),
        counts,
        resume_code,
    )
    files.insert(
        0,
        DossierFile(SUMMARY_NAME, summary_pdf(context), "application/pdf", m.SUMMARY),
    )
    files.append(DossierFile(RECEIPT_NAME, receipt_pdf(context), "application/pdf", m.RECEIPT))
    about = {
        "reference": reference,
        "procedure": {
            "id": procedure.id,
            "title": procedure.title,
            "checked": procedure.verified_on.isoformat(),
        },
        "language": translator.language,
        "prepared_on": today.isoformat(),
        "documents": [
            {
                "id": d.id,
                "title": d.title,
                "pages": counts.get(d.id, 0),
                "status": "provided" if d.id in counts else "missing",
            }
            for d in required
        ],
    }
    files.append(manifest(files, about))
    return Dossier(reference, files, zip_archive(files, f"dossier-{reference}"), too_large)
