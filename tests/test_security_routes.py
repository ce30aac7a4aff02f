"""Every route of the app, found in its url_map, at every stage of a session, fr and ar.

- every state-changing route refuses a request without a CSRF token (400) and
  nothing changes in the database;
- no GET changes the database (its content is compared before and after);
- every response carries the security headers and only the session cookie,
  with all its flags.

Routes added later (the staff console, anything else) are covered without
touching this file; the last test proves the checks find a route that breaks
the rules.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Blueprint, Flask
from sqlalchemy import select, text

from kiosk import create_app, db
from kiosk.db import session_scope
from kiosk.models import ApplicantSession, DocumentPage
from kiosk.security import csrf
from tests.conftest import Kiosk
from tests.routes import check_csrf, check_gets, routes
from tests.test_screens import STUDENT, answer_date, complete_student_renewal

STAGES = ("no session", "before choosing", "mid-questions", "scanning", "dossier", "staff")
STAFF = ("admin", "Admin Test", "mot de passe assez long")
PHOTO = (Path(__file__).resolve().parent.parent / "scanning" / "demo" / "frame-16.jpg").read_bytes()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {"TESTING": True, "CAMERA_REPLAY_FPS": 60.0, "EXTRA_MEDIA_FOLDERS": [str(tmp_path)]},
        instance_path=tmp_path / "instance",
    )
    db.upgrade(db.get_engine(app))
    yield app
    app.extensions["guichet.camera"].stop()
    db.get_engine(app).dispose()


def reach(kiosk: Kiosk, stage: str, language: str) -> None:
    """Bring a browser session to a stage of the application."""
    if stage == "no session":
        kiosk.get("/")
        if language != "fr":
            kiosk.post("/language", {"lang": language, "next": "/"})
        kiosk.get("/")
        return
    if stage == "before choosing":
        kiosk.start(language)
        kiosk.follow(kiosk.post("/find/demarche", {"choice": "renouveler"}))
        return
    if stage == "mid-questions":
        kiosk.start(language)
        kiosk.choose(STUDENT)
        expiry = dt.date.today() + dt.timedelta(days=90)
        kiosk.follow(answer_date(kiosk, "titre_expiration", "date_expiration_titre", expiry))
        kiosk.post("/q/titre_numero_etranger", {"numero_etranger": "0123456789"})
        kiosk.get("/q/etat_civil_nom")
        return
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90), language)
    kiosk.follow(kiosk.post("/check"))
    kiosk.get("/scan/passeport")
    imported = kiosk.post(
        "/scan/passeport/import",
        {"picture": (io.BytesIO(PHOTO), "page.jpg")},
        content_type="multipart/form-data",
    )
    assert "/pages/" in imported.location
    kiosk.post("/scan/code_ephoto/missing", {"missing": "1"})
    if stage in ("dossier", "staff"):
        assert kiosk.post("/dossier/build").status_code == 302
    kiosk.get("/scan")
    if stage == "staff":
        # A mediator signed in beside the applicant: the staff screens render for real.
        from kiosk import staff

        app = kiosk.client.application
        with app.app_context(), session_scope(app) as session:
            staff.create(session, STAFF[0], STAFF[1], "admin", STAFF[2])
        kiosk.get("/staff/login")
        signed_in = kiosk.post("/staff/login", {"username": STAFF[0], "password": STAFF[2]})
        assert signed_in.status_code == 302, signed_in.status_code
        kiosk.get("/staff")


def url_values(app: Flask) -> Callable[[str, str], str]:
    """What to put in each URL placeholder: real ids of this session where they exist."""
    with session_scope(app) as session:
        page_id = session.scalar(select(DocumentPage.id))
        reference = session.scalar(select(ApplicantSession.reference))
    known = {
        "username": STAFF[0],
        "reference": reference or "x",
        "question_id": "demarche",
        "procedure_id": STUDENT,
        "document_id": "passeport",
        "action": "rotate",
        "filename": "css/guichet.css",
    }

    def value(name: str, converter: str) -> str:
        if converter == "int":
            return str(page_id or 1)
        if name == "page_id":
            return "etat_civil_nom"
        return known.get(name, "x")

    return value


@pytest.mark.parametrize("language", ["fr", "ar"])
@pytest.mark.parametrize("stage", STAGES)
def test_every_get_writes_nothing_and_every_screen_is_protected(
    app: Flask, kiosk: Kiosk, stage: str, language: str
) -> None:
    reach(kiosk, stage, language)
    problems, count = check_gets(app, kiosk.client, url_values(app), language)
    assert problems == []
    assert count >= 30


@pytest.mark.parametrize("stage", STAGES)
def test_every_state_change_needs_the_csrf_token(app: Flask, kiosk: Kiosk, stage: str) -> None:
    reach(kiosk, stage, "fr")
    problems, count = check_csrf(app, kiosk.client, url_values(app))
    assert problems == []
    assert count >= 2 * 25


def any_value(name: str, converter: str) -> str:
    return "1" if converter == "int" else "x"


def test_the_walk_covers_every_route(app: Flask) -> None:
    walked = {(route.rule.rule, route.method) for route in routes(app, any_value)}
    declared = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert walked == declared
    assert ("/scan/<document_id>/import", "POST") in walked
    assert ("/finish", "POST") in walked


def test_the_checks_catch_a_route_that_breaks_the_rules(tmp_path: Path) -> None:
    """A GET that writes, a POST exempt from CSRF, a page with a loose header and cookie."""
    app = create_app({"TESTING": True}, instance_path=tmp_path / "instance")
    db.upgrade(db.get_engine(app))
    bad = Blueprint("careless", __name__)

    @bad.get("/careless/count")
    def count_visits() -> str:
        with db.get_engine(app).begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS visits (n INTEGER)"))
            connection.execute(text("INSERT INTO visits VALUES (1)"))
        return '<html lang="fr" dir="ltr"><script>alert(1)</script><p style="color:red">x</p>'

    @bad.post("/careless/delete")
    @csrf.exempt
    def delete_everything() -> str:
        return "done"

    @bad.after_request
    def track(response):  # type: ignore[no-untyped-def]
        response.set_cookie("tracker", "1")
        return response

    app.register_blueprint(bad)
    # The app's own hook sets the headers last, so a loose header can only come
    # from outside it: a WSGI layer, as a careless proxy or middleware would add.
    inner = app.wsgi_app

    def loosen(environ, start_response):  # type: ignore[no-untyped-def]
        def start(status, headers, exc_info=None):  # type: ignore[no-untyped-def]
            if environ["PATH_INFO"].startswith("/careless"):
                headers = [
                    (name, "unsafe-url" if name == "Referrer-Policy" else value)
                    for name, value in headers
                ]
            return start_response(status, headers, exc_info)

        return inner(environ, start)

    app.wsgi_app = loosen  # type: ignore[method-assign]
    client = app.test_client()
    client.get("/")
    try:
        problems, _ = check_gets(app, client, any_value, "fr")
        found = "\n".join(problems)
        assert "GET /careless/count (careless.count_visits) changed ['visits']" in found
        assert "script without the nonce" in found and "inline style" in found
        assert "Referrer-Policy is 'unsafe-url'" in found and "unexpected cookie tracker" in found
        problems, _ = check_csrf(app, client, any_value)
        assert any("POST /careless/delete" in problem for problem in problems)
    finally:
        app.extensions["guichet.camera"].stop()
        db.get_engine(app).dispose()
