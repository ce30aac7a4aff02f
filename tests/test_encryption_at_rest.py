"""Encryption at rest and erasure, end to end, through the real screens and the real database.

A canary name is typed at the kiosk, a page scanned with the demo camera, the
dossier built and offered to ANEF. While the session lives, the canary is
nowhere in clear in the database, its WAL or its SHM; once the applicant
finishes, neither the canary, nor the session's ciphertexts, nor the PDFs'
bytes are anywhere: database files, instance folder, outbox, temporary files.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import secrets
import string
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from kiosk import applicants, create_app, db
from kiosk.db import session_scope
from kiosk.models import ApplicantSession, BuiltDossier, DocumentPage, SessionStatistic
from tests.conftest import Kiosk
from tests.test_scan_screens import wait_until_ready
from tests.test_screens import STUDENT, STUDENT_ANSWERS, answer_date, complete_student_renewal

CANARY = "Kanari" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))


def text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`tempfile.gettempdir()` for this test alone, so every temporary file made can be read."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


@pytest.fixture
def app(tmp_path: Path, private_tmp: Path) -> Iterator[Flask]:
    """The kiosk with its ANEF outbox outside the instance folder, as on a real kiosk."""
    app = create_app(
        {
            "TESTING": True,
            "CAMERA_REPLAY_FPS": 30.0,
            "ANEF_UPLOAD_DIR": str(tmp_path / "outbox"),
        },
        instance_path=tmp_path / "instance",
    )
    db.upgrade(db.get_engine(app))
    yield app
    app.extensions["guichet.camera"].stop()
    db.get_engine(app).dispose()


def database_files(app: Flask) -> list[Path]:
    database = Path(app.config["DATABASE"])
    return [
        database,
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ]


def files_under(*folders: Path) -> list[Path]:
    return [
        path
        for folder in folders
        if folder.exists()
        for path in folder.rglob("*")
        if path.is_file()
    ]


def canary_forms(canary: str) -> list[bytes]:
    """The canary as it could be written: UTF-8 in any case, UTF-16 either way round."""
    forms = [canary, canary.upper(), canary.lower()]
    return [
        form.encode(encoding) for form in forms for encoding in ("utf-8", "utf-16-le", "utf-16-be")
    ]


def slices(blob: bytes, count: int = 8, size: int = 16) -> list[bytes]:
    """Distinctive pieces spread over a blob (SQLite splits large values over pages).

    Only pieces with many different bytes: a run of zeros or a PDF keyword is
    everywhere, a piece of compressed stream or ciphertext only in its blob.
    """
    pieces = [blob[start : start + size] for start in range(0, len(blob) - size + 1, size)]
    distinctive = [piece for piece in pieces if len(set(piece)) >= size * 3 // 4]
    step = max(1, len(distinctive) // count)
    return distinctive[::step][:count]


def hits(needles: dict[str, list[bytes]], files: list[Path]) -> list[str]:
    """Which needles appear in which files (a needle is found if any of its pieces is)."""
    found = []
    for path in files:
        content = path.read_bytes()
        for label, pieces in needles.items():
            if any(piece in content for piece in pieces):
                found.append(f"{label} in {path}")
    return found


def answer_with_canary(kiosk: Kiosk, canary: str) -> None:
    """The student renewal typed through the screens, with the canary as the surname."""
    kiosk.start()
    page = kiosk.follow(kiosk.post("/find/demarche", {"choice": "renouveler"}))
    kiosk.post(page.request.path, {"choice": "etudiant"})
    kiosk.choose(STUDENT)
    response = answer_date(
        kiosk, "titre_expiration", "date_expiration_titre", dt.date.today() + dt.timedelta(90)
    )
    for page_id, data in STUDENT_ANSWERS:
        assert response.location == f"/q/{page_id}"  # type: ignore[attr-defined]
        kiosk.get(f"/q/{page_id}")
        typed = {**data, "nom": canary} if page_id == "etat_civil_nom" else data
        response = kiosk.post(f"/q/{page_id}", typed)
    assert response.location == "/documents"  # type: ignore[attr-defined]


def sealed_values(app: Flask) -> dict[str, bytes]:
    """Every ciphertext the session holds, and its wrapped key."""
    with session_scope(app) as session:
        row = session.scalars(select(ApplicantSession)).one()
        page = session.scalars(select(DocumentPage)).one()
        built = session.scalars(select(BuiltDossier)).one()
        assert CANARY in json.dumps(applicants.answers_of(row), ensure_ascii=False)
        assert row.sealed_key and row.sealed_answers and row.sealed_finder_answers
        return {
            "wrapped key": row.sealed_key,
            "answers": row.sealed_answers,
            "finder answers": row.sealed_finder_answers,
            "page master": page.sealed_master,
            "page preview": page.sealed_preview,
            "archive": built.sealed_archive,
            "manifest": built.sealed_manifest,
        }


def test_a_canary_is_never_in_clear_and_gone_once_the_session_ends(
    kiosk: Kiosk, app: Flask, tmp_path: Path, private_tmp: Path
) -> None:
    answer_with_canary(kiosk, CANARY)
    with session_scope(app) as session:
        first_answers = session.scalars(select(ApplicantSession)).one().sealed_answers
    assert first_answers is not None
    kiosk.follow(kiosk.post("/check"))
    kiosk.get("/scan/passeport")
    wait_until_ready(kiosk)
    kiosk.post("/scan/passeport/capture")
    kiosk.post("/dossier/build")
    assert kiosk.post("/dossier/anef").status_code == 302
    outbox_pdfs = files_under(tmp_path / "outbox")
    assert len(outbox_pdfs) >= 3  # the summary, the passport, the receipt

    # While the session lives: sealed in the database, the canary nowhere in clear.
    sealed = sealed_values(app)
    needles = {label: slices(value) for label, value in sealed.items()}
    needles["earlier answers"] = slices(first_answers)
    needles.update({f"PDF {pdf.name}": slices(pdf.read_bytes()) for pdf in outbox_pdfs})
    assert all(len(pieces) >= 3 for pieces in needles.values())
    assert hits({"canary": canary_forms(CANARY)}, database_files(app)) == []
    present = " ".join(hits({"answers": needles["answers"]}, database_files(app)))
    assert "answers in" in present  # the search does find what is there

    kiosk.get("/finish")
    assert kiosk.post("/finish").status_code in (200, 302)

    everywhere = database_files(app) + files_under(
        Path(app.instance_path), tmp_path / "outbox", private_tmp
    )
    assert hits({"canary": canary_forms(CANARY), **needles}, everywhere) == []
    assert files_under(tmp_path / "outbox") == []
    with session_scope(app) as session:
        row = session.scalars(select(ApplicantSession)).one()
        assert row.status == "ended" and row.sealed_key is None
        assert (row.sealed_answers, row.sealed_finder_answers) == (None, None)
        assert session.scalars(select(DocumentPage)).all() == []
        kept = session.scalars(select(SessionStatistic)).one()
        # What is kept points back to no one: no reference, no name, the day only.
        values = " ".join(str(value) for value in vars(kept).values())
        assert row.reference not in values and CANARY not in values
        assert kept.day == row.created_at.date() and kept.outcome == "completed"


def flip_one_byte(value: bytes) -> bytes:
    return value[:-5] + bytes([value[-5] ^ 0x01]) + value[-4:]


def test_a_tampered_page_is_refused_and_nothing_else_is_lost(scanned: Kiosk, app: Flask) -> None:
    with session_scope(app) as session:
        page = session.scalars(select(DocumentPage)).one()
        page_id = page.id
        page.sealed_preview = flip_one_byte(page.sealed_preview)
    refused = scanned.get(f"/scan/page/{page_id}.jpg")
    assert refused.status_code == 409
    assert "ne peut pas être relue" in text(refused) and "Demandez au médiateur" in text(refused)
    # The answers, the list of pages and the untouched master are still there.
    assert "Benali" in text(scanned.get("/check"))
    assert scanned.get("/scan/passeport/pages").status_code == 200
    assert scanned.post("/dossier/build").location == "/dossier"


def test_tampered_answers_are_refused_and_the_session_can_still_be_erased(
    scanned: Kiosk, app: Flask
) -> None:
    with session_scope(app) as session:
        row = session.scalars(select(ApplicantSession)).one()
        assert row.sealed_answers is not None
        row.sealed_answers = flip_one_byte(row.sealed_answers)
    refused = scanned.get("/check")
    assert refused.status_code == 409 and "ne peut pas être relue" in text(refused)
    scanned.get("/finish")
    assert scanned.post("/finish").status_code in (200, 302)
    with session_scope(app) as session:
        assert session.scalars(select(ApplicantSession)).one().status == "ended"
        assert session.scalars(select(DocumentPage)).all() == []
        assert session.scalars(select(SessionStatistic)).one().outcome == "abandoned"


def test_a_ciphertext_moved_to_another_session_is_refused(app: Flask) -> None:
    first, second = Kiosk(app.test_client()), Kiosk(app.test_client())
    complete_student_renewal(first, dt.date.today() + dt.timedelta(days=90))
    second.start()
    second.choose(STUDENT)
    with session_scope(app) as session:
        source, target = session.scalars(select(ApplicantSession).order_by(ApplicantSession.id))
        target.sealed_answers = source.sealed_answers
    assert second.get("/q/etat_civil_nom").status_code == 409
    with session_scope(app) as session:
        source, target = session.scalars(select(ApplicantSession).order_by(ApplicantSession.id))
        target.sealed_key = source.sealed_key  # the key too: it is bound to its session
    assert second.get("/q/etat_civil_nom").status_code == 409
    assert "Benali" in text(first.get("/q/etat_civil_nom"))
