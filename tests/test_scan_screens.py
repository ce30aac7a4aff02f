"""The scanning screens through the Flask client, with the demo camera replayed."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image as PILImage
from sqlalchemy import select

from kiosk import create_app, db
from kiosk.db import session_scope
from kiosk.models import DocumentPage, DocumentStatus
from tests.conftest import Kiosk
from tests.test_screens import complete_student_renewal


def text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


@pytest.fixture
def ready(kiosk: Kiosk) -> Kiosk:
    """A student renewal with every question answered and confirmed."""
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
    kiosk.follow(kiosk.post("/check"))
    return kiosk


def wait_until_ready(kiosk: Kiosk, frames: int = 80) -> dict[str, str]:
    after = "0"
    for _ in range(frames):
        response = kiosk.client.get(f"/scan/live.jpg?after={after}")
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg" and response.data[:2] == b"\xff\xd8"
        after = response.headers["X-Frame"]
        if response.headers["X-Ready"] == "1":
            return dict(response.headers)
    raise AssertionError("the demo camera never became ready")


def test_the_documents_to_scan_are_listed(ready: Kiosk) -> None:
    page = text(ready.get("/scan"))
    assert page.count('class="document-item scan-item"') == 7
    assert "Passeport" in page and "À scanner" in page
    assert "Scanner mes documents" in text(ready.get("/done"))


def test_live_pictures_carry_outline_and_guidance(ready: Kiosk) -> None:
    page = text(ready.get("/scan/passeport"))
    assert 'data-live-url="/scan/live.jpg"' in page
    assert "Posez le document sous la caméra." in page
    headers = wait_until_ready(ready)
    quad = json.loads(headers["X-Quad"])
    assert len(quad) == 4 and all(0 <= x <= 1 and 0 <= y <= 1 for x, y in quad)
    assert headers["X-Guidance"] == "ready"
    assert headers["Cache-Control"] == "no-store"


def test_capture_review_retake_and_a_second_page(ready: Kiosk, app: Flask) -> None:
    ready.get("/scan/justificatif_ressources")
    wait_until_ready(ready)
    response = ready.post("/scan/justificatif_ressources/capture")
    assert response.status_code == 302 and "/pages/" in response.location
    review = text(ready.follow(response))
    assert "Est-ce que la page se lit bien ?" in review
    with session_scope(app) as session:
        page = session.scalars(select(DocumentPage)).one()
        page_id, width, height = page.id, page.width, page.height
        assert page.page_format == "A4" and page.mode == "grey"
        assert json.loads(page.problems) == []
    picture = ready.client.get(f"/scan/page/{page_id}.jpg")
    assert picture.mimetype == "image/jpeg" and picture.headers["Cache-Control"] == "no-store"
    assert PILImage.open(io.BytesIO(picture.data)).size == (width, height)

    # Retake: the page goes, the camera comes back.
    response = ready.post(f"/scan/justificatif_ressources/pages/{page_id}/retake")
    assert response.location == "/scan/justificatif_ressources"
    with session_scope(app) as session:
        assert session.scalars(select(DocumentPage)).all() == []

    # Two pages, reordered, one turned, one deleted.
    for _ in range(2):
        ready.get("/scan/justificatif_ressources")
        wait_until_ready(ready)
        ready.post("/scan/justificatif_ressources/capture")
    with session_scope(app) as session:
        first, second = session.scalars(select(DocumentPage).order_by(DocumentPage.position))
        first_id, second_id = first.id, second.id
    ready.get("/scan/justificatif_ressources/pages")
    ready.post(f"/scan/justificatif_ressources/pages/{second_id}/up")
    ready.post(f"/scan/justificatif_ressources/pages/{first_id}/rotate")
    with session_scope(app) as session:
        pages = list(session.scalars(select(DocumentPage).order_by(DocumentPage.position)))
        assert [p.id for p in pages] == [second_id, first_id]
        assert pages[1].rotation == 1 and pages[1].width == height
    listing = text(ready.get("/scan/justificatif_ressources/pages"))
    assert listing.count('class="page-item"') == 2
    ready.post(f"/scan/justificatif_ressources/pages/{second_id}/delete")
    assert "1 page scannée" in text(ready.get("/scan"))


def test_missing_documents_stay_on_the_list(ready: Kiosk, app: Flask) -> None:
    ready.get("/scan")
    ready.post("/scan/code_ephoto/missing", {"missing": "1"})
    page = text(ready.get("/scan"))
    assert "Je ne l'ai pas : document manquant" in page
    assert "Documents manquants" in page
    with session_scope(app) as session:
        assert session.scalars(select(DocumentStatus)).one().document_id == "code_ephoto"
    ready.post("/scan/code_ephoto/missing", {"missing": "0"})
    assert "Documents manquants" not in text(ready.get("/scan"))


def test_pages_of_another_applicant_are_out_of_reach(ready: Kiosk, app: Flask) -> None:
    ready.get("/scan/passeport")
    wait_until_ready(ready)
    ready.post("/scan/passeport/capture")
    with session_scope(app) as session:
        page_id = session.scalars(select(DocumentPage)).one().id
    other = Kiosk(app.test_client())
    complete_student_renewal(other, dt.date.today() + dt.timedelta(days=90))
    assert other.client.get(f"/scan/page/{page_id}.jpg").status_code == 404
    assert other.client.get("/scan/nope").status_code == 404


def test_a_missing_camera_is_explained(tmp_path: Path) -> None:
    app = create_app(
        {"TESTING": True, "CAMERA": f"replay:{tmp_path / 'nothing'}"},
        instance_path=tmp_path / "instance",
    )
    db.upgrade(db.get_engine(app))
    kiosk = Kiosk(app.test_client())
    try:
        complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
        kiosk.follow(kiosk.post("/check"))
        page = text(kiosk.get("/scan/passeport"))
        assert "La caméra ne répond pas" in page  # the message is ready in the page
        response = kiosk.client.get("/scan/live.jpg")
        assert response.status_code == 503
        assert response.get_json()["error"] == "camera"
        response = kiosk.post("/scan/passeport/capture")
        assert response.location == "/scan/passeport"
        assert "La caméra ne répond pas" in text(kiosk.follow(response))
    finally:
        app.extensions["guichet.camera"].stop()
        db.get_engine(app).dispose()
