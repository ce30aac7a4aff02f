"""Build an applicant's dossier from what is stored, and read it back.

The built dossier is kept as one ZIP with its manifest, so that printing,
copying to a USB key or uploading always send exactly the same files. Both
are sealed with the session's key (`kiosk.crypto`); `files_of` opens them.

The copy offered to the browser's file picker for ANEF (the outbox) is the
only place the dossier is on disk in clear: it is withdrawn as soon as the
session stops being active (closed, saved for later, ended), and
`guichet purge` removes any folder left without an active session.
"""

from __future__ import annotations

import io
import json
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from forms import flow
from forms.display import Translator, load_translator
from forms.dossier import MANIFEST, Dossier, DossierFile, PageImage, build_dossier
from forms.schema import Procedure
from kiosk import applicants, crypto, pages
from kiosk.delivery import anef
from kiosk.models import ApplicantSession, BuiltDossier, DocumentPage, utcnow
from scanning.types import Mode


@cache
def _translator(directory: str, language: str) -> Translator:
    return load_translator(Path(directory), language)


def translator(language: str) -> Translator:
    """The catalog of a language, loaded once."""
    return _translator(current_app.config["TRANSLATIONS_DIR"], language)


def _captured(
    db: Session, applicant: ApplicantSession, procedure: Procedure
) -> dict[str, list[DocumentPage]]:
    answers = applicants.answers_of(applicant)
    return {
        document.id: pages.pages_of(db, applicant.id, document.id)
        for document in flow.required_documents(procedure, answers)
    }


def source_digest(db: Session, applicant: ApplicantSession, procedure: Procedure) -> str:
    """A fingerprint of what the dossier is built from: answers, language, pages."""
    answers = applicants.answers_of(applicant)
    required = [d.id for d in flow.required_documents(procedure, answers)]
    # Only ids and turns are read: the page images stay in the database.
    rows = db.execute(
        select(DocumentPage.document_id, DocumentPage.id, DocumentPage.rotation)
        .where(DocumentPage.applicant_id == applicant.id)
        .where(DocumentPage.document_id.in_(required))
        .order_by(DocumentPage.document_id, DocumentPage.position, DocumentPage.id)
    ).all()
    described = {
        "answers": answers,
        "language": applicant.language,
        "pages": [list(row) for row in rows],
    }
    canonical = json.dumps(described, sort_keys=True, ensure_ascii=False, default=str)
    # Keyed: a plain SHA-256 of the answers could be checked against a guess.
    return crypto.fingerprint(applicant, canonical.encode("utf-8"))


def is_current(
    db: Session, applicant: ApplicantSession, procedure: Procedure, row: BuiltDossier
) -> bool:
    """Whether nothing changed since the dossier was built."""
    return row.source == source_digest(db, applicant, procedure)


def build(db: Session, applicant: ApplicantSession, procedure: Procedure) -> Dossier:
    """Assemble the dossier from the stored answers and pages, and keep it."""
    answers = applicants.answers_of(applicant)
    formats = {d.id: d.format for d in procedure.documents}
    captured = {
        document_id: [
            PageImage(
                pages.master_image(db, page),
                page.rotation,
                page.dpi,
                page.page_format or formats.get(document_id),
                Mode(page.mode),
            )
            for page in found
        ]
        for document_id, found in _captured(db, applicant, procedure).items()
    }
    dossier = build_dossier(
        procedure,
        answers,
        captured,
        translator(applicant.language),
        applicant.reference,
        current_app.config["DOCUMENT_MAX_BYTES"],
        applicants.format_code(applicant.resume_code),
    )
    row = db.get(BuiltDossier, applicant.id) or BuiltDossier(applicant_id=applicant.id)
    row.sealed_archive = crypto.seal(applicant, BuiltDossier.sealed_archive, dossier.archive)
    row.sealed_manifest = crypto.seal(
        applicant, BuiltDossier.sealed_manifest, dossier.manifest.data
    )
    row.too_large = json.dumps([error.title for error in dossier.too_large])
    row.source = source_digest(db, applicant, procedure)
    row.built_at = utcnow()
    db.add(row)
    return dossier


def outbox() -> Path:
    """The folder where dossiers are offered to the browser's file picker."""
    configured = current_app.config["ANEF_UPLOAD_DIR"]
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def withdraw(applicant: ApplicantSession) -> None:
    """Remove the dossier's copy offered to the browser (the session is no longer at the kiosk)."""
    anef.clear_folder(outbox(), applicant.reference)


def erase(db: Session, applicant: ApplicantSession) -> None:
    """Forget the built dossier and remove its copy offered to the browser."""
    db.execute(delete(BuiltDossier).where(BuiltDossier.applicant_id == applicant.id))
    withdraw(applicant)


def stored(db: Session, applicant: ApplicantSession) -> BuiltDossier | None:
    """The dossier last built for this applicant, if any."""
    return db.get(BuiltDossier, applicant.id)


def listed(applicant: ApplicantSession, row: BuiltDossier) -> list[dict[str, Any]]:
    """The files of a stored dossier as its manifest lists them, manifest excluded.

    Each entry has the file's name, bytes, sha256, media_type and description.
    Only the manifest is opened: the screen that lists the files has no need
    to decrypt and unzip the whole archive.
    """
    manifest = crypto.unseal(applicant, BuiltDossier.sealed_manifest, row.sealed_manifest)
    files: list[dict[str, Any]] = json.loads(manifest)["files"]
    return files


def files_of(applicant: ApplicantSession, row: BuiltDossier) -> list[DossierFile]:
    """The files of a stored dossier, in their order, manifest last."""
    listed_files = listed(applicant, row)
    opened = crypto.unseal(applicant, BuiltDossier.sealed_archive, row.sealed_archive)
    with zipfile.ZipFile(io.BytesIO(opened)) as archive:
        by_name = {Path(name).name: archive.read(name) for name in archive.namelist()}
    files = [
        DossierFile(
            entry["name"], by_name[entry["name"]], entry["media_type"], entry["description"]
        )
        for entry in listed_files
    ]
    files.append(DossierFile(MANIFEST, by_name[MANIFEST], "application/json", "Manifeste"))
    return files
