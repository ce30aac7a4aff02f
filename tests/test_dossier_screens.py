"""The dossier screens through the Flask client: build, USB copy, ANEF folder, stale dossiers."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import math
import re
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from forms.dossier.package import MANIFEST
from kiosk import create_app, db, dossiers
from kiosk.db import session_scope
from kiosk.models import (
    ApplicantSession,
    BuiltDossier,
    DocumentPage,
    DocumentStatus,
    SessionStatistic,
)
from tests.conftest import Kiosk
from tests.test_scan_screens import wait_until_ready
from tests.test_screens import complete_student_renewal


def text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


@pytest.fixture
def app(tmp_path: Path) -> object:
    """The kiosk with a folder standing in for a USB key and a private ANEF outbox."""
    (tmp_path / "usb").mkdir()
    app = create_app(
        {
            "TESTING": True,
            "CAMERA_REPLAY_FPS": 30.0,
            "EXTRA_MEDIA_FOLDERS": [str(tmp_path / "usb")],
            "ANEF_UPLOAD_DIR": str(tmp_path / "outbox"),
            "PRINTER_QUEUE": "guichet-test-absent",
        },
        instance_path=tmp_path / "instance",
    )
    db.upgrade(db.get_engine(app))
    yield app
    app.extensions["guichet.camera"].stop()
    db.get_engine(app).dispose()


def test_the_overview_lists_documents_before_anything_is_built(scanned: Kiosk) -> None:
    page = text(scanned.get("/dossier"))
    assert "Préparer mon dossier" in page
    assert "1 page" in page and page.count("manquant") == 6
    assert "Tout imprimer" not in page
    # Nothing to send before it is built.
    assert scanned.post("/dossier/print").status_code == 409
    assert scanned.get("/dossier/usb").status_code == 409


def test_build_lists_the_files(scanned: Kiosk) -> None:
    response = scanned.post("/dossier/build")
    assert response.location == "/dossier"
    page = text(scanned.follow(response))
    for name in ("00-fiche-recapitulative.pdf", "01-passeport.pdf", "99-recu.pdf"):
        assert name in page
    assert "Refaire le dossier" in page and "Tout imprimer" in page
    assert "Documents trop lourds" not in page


def test_the_overview_shows_the_size_of_each_file_as_built(scanned: Kiosk, app: Flask) -> None:
    page = text(scanned.follow(scanned.post("/dossier/build")))
    with session_scope(app) as session:
        built = session.scalars(select(BuiltDossier)).one()
        applicant = session.get(ApplicantSession, built.applicant_id)
        assert applicant is not None
        files = [one for one in dossiers.files_of(applicant, built) if one.name != MANIFEST]
    shown = re.findall(r'<bdi dir="ltr">([^<]+)</bdi>.*?<bdi>(\d+) ko</bdi>', page, re.S)
    assert shown == [(one.name, str(math.ceil(len(one.data) / 1024))) for one in files]


def test_a_missing_upload_token_file_is_explained(
    scanned: Kiosk, app: Flask, tmp_path: Path
) -> None:
    scanned.post("/dossier/build")
    # Nothing listens on port 9: a connection attempt would say "could not be sent" instead.
    app.config["UPLOAD_URL"] = "http://127.0.0.1:9/dossiers"
    app.config["UPLOAD_TOKEN_FILE"] = str(tmp_path / "no-such-token")
    response = scanned.post("/dossier/send")
    assert response.location == "/dossier"
    page = text(scanned.follow(response))
    assert "Le dossier n'a pas pu être transmis" in page and "Envoyer à la structure" in page


def test_a_missing_font_is_explained_and_nothing_is_lost(
    scanned: Kiosk, app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Noto fonts not installed (a kiosk provisioned without fonts-noto-core).
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    monkeypatch.setattr("forms.dossier.fonts.FONT_DIRS", (empty,))
    response = scanned.post("/dossier/build")
    assert response.location == "/dossier"
    page = text(scanned.follow(response))
    assert "il manque une police d'écriture" in page and "Tout imprimer" not in page
    with session_scope(app) as session:
        assert session.scalars(select(BuiltDossier)).all() == []
        assert len(session.scalars(select(DocumentPage)).all()) == 1
    monkeypatch.undo()
    assert "Tout imprimer" in text(scanned.follow(scanned.post("/dossier/build")))


def test_copy_to_a_usb_key_checks_every_file(scanned: Kiosk, tmp_path: Path) -> None:
    scanned.post("/dossier/build")
    page = text(scanned.get("/dossier/usb"))
    usb = tmp_path / "usb"
    assert f'value="{usb}"' in page
    done = text(scanned.post("/dossier/usb", {"medium": str(usb)}))
    assert "Vous pouvez retirer la clé USB." in done
    (folder,) = usb.iterdir()
    assert folder.name.startswith("Guichet-")
    manifest = json.loads((folder / "manifest.json").read_bytes())
    for entry in manifest["files"]:
        data = (folder / entry["name"]).read_bytes()
        assert len(data) == entry["bytes"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert len(PdfReader(folder / "01-passeport.pdf").pages) == 1
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary left


def test_a_key_that_is_gone_is_explained(scanned: Kiosk, tmp_path: Path) -> None:
    scanned.post("/dossier/build")
    response = scanned.post("/dossier/usb", {"medium": "/somewhere/else"})
    assert response.location == "/dossier/usb"
    assert "Cette clé USB n'est plus là" in text(scanned.follow(response))
    assert list((tmp_path / "usb").iterdir()) == []


def test_no_key_plugged_in(scanned: Kiosk, app: Flask) -> None:
    scanned.post("/dossier/build")
    app.config["EXTRA_MEDIA_FOLDERS"] = []
    app.config["REMOVABLE_MEDIA_ROOTS"] = ["/nonexistent/media"]
    assert "Aucune clé USB n'est branchée" in text(scanned.get("/dossier/usb"))


def test_open_anef_offers_the_files_and_only_the_allowed_site(
    scanned: Kiosk, app: Flask, tmp_path: Path
) -> None:
    scanned.post("/dossier/build")
    response = scanned.post("/dossier/anef")
    assert response.location == app.config["ANEF_URL"]
    pdfs = sorted(p.name for p in (tmp_path / "outbox").rglob("*.pdf"))
    assert "01-passeport.pdf" in pdfs and "00-fiche-recapitulative.pdf" in pdfs
    app.config["ANEF_URL"] = "https://evil.example/anef"
    response = scanned.post("/dossier/anef")
    assert response.location == "/dossier"


def test_a_printer_that_is_missing_is_explained(scanned: Kiosk) -> None:
    scanned.post("/dossier/build")
    response = scanned.post("/dossier/print")
    assert response.location == "/dossier"
    assert "L'imprimante n'est pas disponible" in text(scanned.follow(response))


def test_a_changed_dossier_is_never_sent_stale(scanned: Kiosk, tmp_path: Path) -> None:
    scanned.post("/dossier/build")
    # A second passport page after the build: the built files are out of date.
    scanned.get("/scan/passeport")
    wait_until_ready(scanned)
    scanned.post("/scan/passeport/capture")
    page = text(scanned.get("/dossier"))
    assert "Des réponses ou des pages ont changé" in page and "Tout imprimer" not in page
    response = scanned.post("/dossier/usb", {"medium": str(tmp_path / "usb")})
    assert response.location == "/dossier"
    assert list((tmp_path / "usb").iterdir()) == []
    scanned.post("/dossier/build")
    assert "2 pages" in text(scanned.get("/dossier"))


def test_the_overview_in_arabic_is_right_to_left(kiosk: Kiosk) -> None:
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90), "ar")
    kiosk.follow(kiosk.post("/check"))
    kiosk.post("/dossier/build")
    page = text(kiosk.get("/dossier"))
    assert 'dir="rtl"' in page and "ملفك" in page and "طباعة الكل" in page


def test_finish_erases_pages_and_dossier(scanned: Kiosk, app: Flask, tmp_path: Path) -> None:
    scanned.post("/scan/code_ephoto/missing", {"missing": "1"})
    scanned.post("/dossier/build")
    scanned.post("/dossier/anef")
    assert list((tmp_path / "outbox").iterdir())
    with session_scope(app) as session:
        for table in (DocumentPage, DocumentStatus, BuiltDossier):
            assert len(session.scalars(select(table)).all()) == 1
    scanned.get("/finish")
    scanned.post("/finish")
    with session_scope(app) as session:
        for table in (DocumentPage, DocumentStatus, BuiltDossier):
            assert session.scalars(select(table)).all() == []
    assert list((tmp_path / "outbox").iterdir()) == []
    # What is kept is anonymous: the procedure, the language, the outcome.
    with session_scope(app) as session:
        kept = session.scalars(select(SessionStatistic)).one()
        assert (kept.procedure_id, kept.language, kept.outcome) == (
            "etudiant_renouvellement",
            "fr",
            "completed",
        )
        assert "passeport" not in json.loads(kept.missing_documents)
        assert "code_ephoto" in json.loads(kept.missing_documents)
