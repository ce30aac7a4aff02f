"""Generic error pages, no debug mode, length limits, escaping in HTML and PDF, Clear-Site-Data."""

from __future__ import annotations

import datetime as dt
import html
import io
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from sqlalchemy import select

from forms.display import load_translator
from forms.dossier import build_dossier
from forms.loader import load_procedures
from forms.validate import MAX_INPUT_LENGTH, input_names, validate_field
from kiosk import create_app, db
from kiosk.db import session_scope
from kiosk.models import BrowserSession
from kiosk.security import CLEAR_SITE_DATA
from tests.conftest import Kiosk
from tests.samples import student_answers
from tests.test_screens import STUDENT, complete_student_renewal

ROOT = Path(__file__).resolve().parent.parent
SECRET = "secret-detail-5f1c /etc/shadow"
HOSTILE_CITY = "<b>Fès</b> **gras** {nb} {{7*7}} \u202eabc"
LONG_WORD = "W" * 120  # the most the establishment field takes, without a space


def make_app(tmp_path: Path, **settings: Any) -> Flask:
    app = create_app(settings, instance_path=tmp_path / "instance")
    db.upgrade(db.get_engine(app))
    return app


@pytest.fixture
def production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app as `guichet serve` runs it (not TESTING), even with FLASK_DEBUG set."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = make_app(tmp_path, TESTING=False)

    @app.get("/explode")
    def explode() -> str:
        raise RuntimeError(SECRET)

    yield app
    app.extensions["guichet.camera"].stop()
    db.get_engine(app).dispose()


def translated(app: Flask, language: str, message: str) -> str:
    with app.test_request_context(), force_locale(language):
        return str(babel_gettext(message))


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_an_exception_gives_the_generic_page_in_the_applicants_language(
    production: Flask, language: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert production.debug is False
    kiosk = Kiosk(production.test_client())
    kiosk.start(language)
    response = kiosk.get("/explode")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 500
    for leak in (SECRET, "Traceback", "RuntimeError", "raise ", 'File "'):
        assert leak not in page
    assert f'<html lang="{language}"' in page
    assert translated(production, language, "Un problème est survenu") in page
    assert translated(production, language, "Vos réponses déjà enregistrées sont gardées.") in page
    assert response.headers["Cache-Control"] == "no-store"
    # The details go to the log, for support staff.
    assert SECRET in caplog.text


def test_an_exception_deep_in_a_real_view_is_generic_too(
    production: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.views import application

    kiosk = Kiosk(production.test_client())
    kiosk.start()
    kiosk.choose(STUDENT)

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError(SECRET)

    monkeypatch.setattr(application.flow, "progress", broken)
    response = kiosk.get("/q/titre_expiration")
    assert response.status_code == 500
    assert SECRET not in response.get_data(as_text=True)
    assert "Un problème est survenu" in html.unescape(response.get_data(as_text=True))


def test_even_a_broken_error_page_shows_no_detail(
    production: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the error page itself fails (its template, the database), a plain one is sent."""
    import kiosk.security as security

    def failing(*args: object, **kwargs: object) -> str:
        raise RuntimeError(SECRET + " in the template")

    monkeypatch.setattr(security, "render_template", failing)
    response = production.test_client().get("/explode")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 500 and SECRET not in page
    assert "Un problème est survenu" in page and 'href="/"' in page
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_debug_mode_stays_off_whatever_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("GUICHET_DEBUG", "1")
    app = make_app(tmp_path)
    try:
        assert app.debug is False and app.config["DEBUG"] is False
    finally:
        app.extensions["guichet.camera"].stop()
        db.get_engine(app).dispose()


PROCEDURES = load_procedures()
EVERY_FIELD = sorted(
    {
        (procedure.id, page.id, one.id): one
        for procedure in PROCEDURES.values()
        for page in procedure.pages
        for one in page.fields
    }.items()
)


def test_every_input_of_every_field_is_length_limited() -> None:
    today = dt.date.today()
    for (_, _, field_id), one in EVERY_FIELD:
        for name in input_names(one):
            value, error = validate_field(one, {name: "9" * (MAX_INPUT_LENGTH + 1)}, today)
            assert value is None and error is not None, (field_id, name)
            assert error.input_name == name
        limit = one.validation.get("max_length")
        if limit:
            _, error = validate_field(one, {one.id: "a" * (limit + 1)}, today)
            assert error is not None and "%(max)d" in error.message, field_id


def test_date_parts_are_short() -> None:
    date_field = next(one for (_, _, fid), one in EVERY_FIELD if one.type == "date")
    form = {f"{date_field.id}.day": "00001", f"{date_field.id}.month": "1"}
    form[f"{date_field.id}.year"] = "2000"
    _, error = validate_field(date_field, form, dt.date.today())
    assert error is not None and error.input_name.endswith(".day")


def test_hostile_answers_are_shown_as_text(kiosk: Kiosk) -> None:
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
    kiosk.get("/q/etat_civil_naissance_lieu")
    kiosk.post(
        "/q/etat_civil_naissance_lieu", {"pays_naissance": "MA", "ville_naissance": HOSTILE_CITY}
    )
    kiosk.get("/q/etudes_etablissement")
    kiosk.post("/q/etudes_etablissement", {"etablissement": "<script>alert(1)</script>"})
    for path in ("/check", "/q/etat_civil_naissance_lieu", "/q/etudes_etablissement"):
        page = kiosk.get(path).get_data(as_text=True)
        assert "<b>Fès" not in page and "<script>alert" not in page, path
        assert "&lt;b&gt;Fès&lt;/b&gt;" in page or "&lt;script&gt;" in page, path
        assert "\u202e" not in page, path  # bidi override removed when typed
    # Refused input shown again in the form is escaped too.
    response = kiosk.post("/q/etudes_etablissement", {"etablissement": "<i>x</i>" * 30})
    assert response.status_code == 400
    assert "<i>x</i>" not in response.get_data(as_text=True)


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode("utf-8")


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_hostile_answers_are_printed_as_they_were_typed(language: str) -> None:
    from forms.validate import clean_text

    def summary_and_receipt(answers: dict[str, Any]) -> tuple[str, str]:
        dossier = build_dossier(
            PROCEDURES[STUDENT],
            answers,
            {},
            load_translator(ROOT / "translations", language),
            "GK7M2QX",
            2_000_000,
            "K7M2-QX4P",
            dt.date(2026, 11, 29),
        )
        files = {file.name: file.data for file in dossier.files}
        return pdf_text(files["00-fiche-recapitulative.pdf"]), pdf_text(files["99-recu.pdf"])

    plain = student_answers("2027-02-27")
    hostile = {**plain, "ville_naissance": clean_text(HOSTILE_CITY), "etablissement": LONG_WORD}
    summary, _ = summary_and_receipt(hostile)
    baseline, _ = summary_and_receipt(plain)
    flat = " ".join(summary.split())
    for literal in ("<b>Fès</b>", "**gras**", "{nb}", "{{7*7}}"):
        assert literal in flat, literal
    # The long word is there whole, broken across lines if need be, never cut off.
    assert summary.count("W") - baseline.count("W") == len(LONG_WORD) * (
        2 if language != "fr" else 1
    )


def test_finishing_tells_the_browser_to_clear_everything(kiosk: Kiosk, app: Flask) -> None:
    kiosk.start("ar")
    kiosk.choose(STUDENT)
    kiosk.get("/finish")
    response = kiosk.post("/finish")
    assert response.status_code == 200
    assert response.headers["Clear-Site-Data"] == CLEAR_SITE_DATA
    page = html.unescape(response.get_data(as_text=True))
    assert '<html lang="ar" dir="rtl">' in page  # the goodbye, in their language
    assert translated(app, "ar", "Vos réponses sont effacées de cet ordinateur. Au revoir.") in page
    # No new cookie (the browser would drop it anyway): only the old one, deleted.
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("__Host-guichet=;")
    assert "Expires=Thu, 01 Jan 1970" in cookies[0]
    with session_scope(app) as session:
        assert session.scalars(select(BrowserSession)).all() == []
    assert kiosk.client.get("/check").location == "/"


@pytest.mark.parametrize("path", ["/session/close", "/saved/done"])
def test_every_end_of_session_clears_the_browser(kiosk: Kiosk, app: Flask, path: str) -> None:
    kiosk.start()
    kiosk.choose(STUDENT)
    if path == "/saved/done":
        kiosk.get("/save")
        kiosk.follow(kiosk.post("/save"))
    response = kiosk.post(path)
    assert response.status_code == 302 and response.location == "/"
    assert response.headers["Clear-Site-Data"] == CLEAR_SITE_DATA
    with session_scope(app) as session:
        assert session.scalars(select(BrowserSession)).all() == []
    assert "Clear-Site-Data" not in kiosk.get("/").headers


def test_a_picture_of_a_hostile_name_is_never_echoed(kiosk: Kiosk) -> None:
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
    kiosk.follow(kiosk.post("/check"))
    kiosk.get("/scan/passeport")
    response = kiosk.post(
        "/scan/passeport/import",
        {"picture": (io.BytesIO(b"GIF89a" + b"\0" * 64), "<img src=x onerror=alert(1)>.jpg")},
        content_type="multipart/form-data",
    )
    screen = kiosk.follow(response).get_data(as_text=True)
    assert "onerror" not in screen
