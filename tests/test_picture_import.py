"""Importing a photo or a scan for a document: checked, flattened, reviewed, or explained."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import pytest
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from PIL import Image as PILImage
from sqlalchemy import select
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as PlainRequest

from kiosk import create_app, db
from kiosk.db import session_scope
from kiosk.models import DocumentPage
from kiosk.uploads import MULTIPART_OVERHEAD, InMemoryRequest, waitress_options
from kiosk.views.picture_import import REFUSALS
from scanning import intake, pipeline
from scanning.types import Frame, Mode
from tests.conftest import Kiosk
from tests.test_screens import complete_student_renewal

DEMO = Path(__file__).resolve().parent.parent / "scanning" / "demo"
PHOTO = (DEMO / "frame-16.jpg").read_bytes()  # a passport page held under the camera
EMPTY_DESK = (DEMO / "frame-01.jpg").read_bytes()
NOTICE = re.compile(r'<div class="notice" role="status">(.*?)</div>', re.S)


def notices(response: Any) -> list[str]:
    return [html.unescape(n).strip() for n in NOTICE.findall(response.get_data(as_text=True))]


def encoded(image: PILImage.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def make_app(tmp_path: Path, **settings: Any) -> Flask:
    app = create_app({"TESTING": True, **settings}, instance_path=tmp_path / "instance")
    db.upgrade(db.get_engine(app))
    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = make_app(tmp_path, IMPORT_MAX_BYTES=3_000_000)
    yield app
    app.extensions["guichet.camera"].stop()
    db.get_engine(app).dispose()


def ready(kiosk: Kiosk, language: str = "fr") -> Kiosk:
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90), language)
    kiosk.follow(kiosk.post("/check"))
    kiosk.get("/scan/passeport")
    return kiosk


def send(kiosk: Kiosk, data: bytes, name: str = "photo.jpg", kind: str = "image/jpeg") -> Any:
    return kiosk.post(
        "/scan/passeport/import",
        {"picture": (io.BytesIO(data), name, kind)},
        content_type="multipart/form-data",
    )


def stored_pages(app: Flask) -> list[tuple[int, str, int, int]]:
    with session_scope(app) as session:
        return [
            (p.id, p.document_id, p.width, p.height)
            for p in session.scalars(select(DocumentPage).order_by(DocumentPage.id))
        ]


def test_a_photo_is_flattened_like_a_camera_still_and_reviewed(
    kiosk: Kiosk, app: Flask, tmp_path: Path
) -> None:
    ready(kiosk)
    hostile_name = "../../../etc/evil-name-7f3a\u202egpj.exe"
    response = send(kiosk, PHOTO, hostile_name, "application/x-msdownload")
    assert response.status_code == 302
    assert re.fullmatch(r"/scan/passeport/pages/\d+", response.location)
    review = kiosk.follow(response)
    assert "Est-ce que la page se lit bien ?" in html.unescape(review.get_data(as_text=True))

    # The same page the camera pipeline makes of the same picture (a passport page: ID-3).
    still = pipeline.scan(Frame(intake.decode(PHOTO).image), Mode.COLOUR, expected_format="ID-3")
    [(page_id, document, width, height)] = stored_pages(app)
    assert (document, width, height) == ("passeport", still.width, still.height)
    assert still.format == "ID-3" and still.problems == []
    # Decoded the way the camera's own pictures are, give or take a rounding.
    camera = cv2.imread(str(DEMO / "frame-16.jpg"))
    assert abs(camera.astype(int) - intake.decode(PHOTO).image.astype(int)).mean() < 1.0
    picture = kiosk.client.get(f"/scan/page/{page_id}.jpg")
    assert PILImage.open(io.BytesIO(picture.data)).size == (width, height)

    # The name given by the browser is kept nowhere: not in the database, not as a file.
    instance = tmp_path / "instance"
    for path in instance.rglob("*"):
        assert "evil" not in path.name
        if path.is_file():
            assert b"evil-name-7f3a" not in path.read_bytes()
    assert not any("evil" in path.name for path in tmp_path.rglob("*"))


def test_content_decides_not_the_name_or_the_declared_type(kiosk: Kiosk, app: Flask) -> None:
    ready(kiosk)
    png = encoded(PILImage.open(io.BytesIO(PHOTO)), "PNG")
    response = send(kiosk, png, "scan.jpg", "image/jpeg")
    assert response.location.startswith("/scan/passeport/pages/"), notices(kiosk.follow(response))
    gif = encoded(PILImage.open(io.BytesIO(PHOTO)).convert("P"), "GIF")
    response = send(kiosk, gif, "photo.jpg", "image/jpeg")
    assert response.location == "/scan/passeport"
    assert notices(kiosk.follow(response)) == [
        "Ce fichier n'est pas une photo JPEG ou PNG. Choisissez une photo JPEG ou PNG, "
        "ou scannez le document avec la caméra."
    ]
    assert len(stored_pages(app)) == 1  # the page already imported is still there


def cases() -> dict[str, tuple[bytes, type[intake.IntakeError]]]:
    bomb = bytearray(encoded(PILImage.new("RGB", (320, 240)), "JPEG"))
    sof = bomb.index(b"\xff\xc0")
    bomb[sof + 5 : sof + 9] = (60_000).to_bytes(2, "big") * 2
    return {
        "empty": (b"", intake.EmptyImage),
        "gif": (encoded(PILImage.new("P", (300, 300)), "GIF"), intake.UnsupportedImageType),
        "pixel bomb": (bytes(bomb), intake.TooManyPixels),
        "tiny": (encoded(PILImage.new("RGB", (120, 90)), "JPEG"), intake.ImageTooSmall),
        "truncated": (PHOTO[: len(PHOTO) // 3], intake.CorruptImage),
        "too heavy": (intake.JPEG_MAGIC + b"\0" * 390_000, intake.FileTooLarge),
        "over the route limit": (intake.JPEG_MAGIC + b"\0" * 600_000, intake.FileTooLarge),
    }


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_refusal_is_explained_with_a_way_forward(
    kiosk: Kiosk, app: Flask, language: str
) -> None:
    ready(kiosk, language)
    kept = send(kiosk, PHOTO)
    assert kept.status_code == 302 and "/pages/" in kept.location
    app.config["IMPORT_MAX_BYTES"] = 380_000  # "too heavy" is over it, within the body limit
    for label, (data, failure) in cases().items():
        response = send(kiosk, data)
        assert response.status_code == 302, label
        assert response.location == "/scan/passeport", label
        screen = kiosk.follow(response)
        assert screen.status_code == 200
        assert f'<html lang="{language}"' in screen.get_data(as_text=True)
        with app.test_request_context(), force_locale(language):
            expected = babel_gettext(REFUSALS[failure], size=1)
        assert notices(screen) == [expected], label
        assert "caméra" in REFUSALS[failure]  # the way forward: the camera is right there
    assert len(stored_pages(app)) == 1


def test_a_picture_without_a_document_and_a_form_without_a_file(kiosk: Kiosk, app: Flask) -> None:
    ready(kiosk)
    response = send(kiosk, EMPTY_DESK)
    assert response.location == "/scan/passeport"
    assert "Le document n'a pas été trouvé sur cette image." in notices(kiosk.follow(response))[0]
    response = kiosk.post("/scan/passeport/import", {}, content_type="multipart/form-data")
    assert notices(kiosk.follow(response)) == ["Choisissez d'abord une photo ou un scan."]
    assert stored_pages(app) == []


def test_only_the_import_route_accepts_a_large_body(kiosk: Kiosk, app: Flask) -> None:
    ready(kiosk)
    assert 64 * 1024 < len(PHOTO) < 3_000_000
    assert "/pages/" in send(kiosk, PHOTO).location  # over MAX_FORM_BYTES, under the route's
    kiosk.get("/q/etat_civil_nom")
    response = kiosk.post("/q/etat_civil_nom", {"nom": "x" * 200_000})
    assert response.status_code == 413
    assert "Envoi trop grand" in html.unescape(response.get_data(as_text=True))


def test_import_needs_a_session_a_token_and_a_required_document(
    kiosk: Kiosk, app: Flask, client: Any
) -> None:
    files = {"picture": (io.BytesIO(PHOTO), "p.jpg")}
    response = client.post("/scan/passeport/import", data=files)
    assert response.status_code == 400  # no CSRF token
    ready(kiosk)
    assert send(kiosk, PHOTO).status_code == 302
    response = kiosk.post(
        "/scan/not_a_document/import",
        {"picture": (io.BytesIO(PHOTO), "p.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404


def multipart(size: int) -> EnvironBuilder:
    return EnvironBuilder(
        method="POST",
        data={"picture": (io.BytesIO(b"\xff" * size), "big.jpg", "image/jpeg")},
    )


def test_uploads_are_held_in_memory_not_spooled_to_disk(app: Flask) -> None:
    size = 2_000_000  # Werkzeug spools anything over 500 kB to a temporary file
    with app.test_request_context():
        plain = PlainRequest(multipart(size).get_environ())
        plain.max_content_length = None
        assert not isinstance(plain.files["picture"].stream, io.BytesIO)
        kept = InMemoryRequest(multipart(size).get_environ())
        kept.max_content_length = size + MULTIPART_OVERHEAD
        assert isinstance(kept.files["picture"].stream, io.BytesIO)
        assert len(kept.files["picture"].read()) == size
    assert app.request_class is InMemoryRequest


def test_waitress_never_spools_bodies_or_responses(app: Flask) -> None:
    options = waitress_options(app.config)
    largest = app.config["IMPORT_MAX_BYTES"] + MULTIPART_OVERHEAD
    # Any body waitress accepts stays in memory; it accepts a file too large, to explain it.
    assert options["inbuf_overflow"] >= options["max_request_body_size"] > largest
    # Waitress makes the view wait at 16 MB of pending output, before it would spool.
    assert options["outbuf_overflow"] > 16 * 1024 * 1024
    assert options["expose_tracebacks"] is False
