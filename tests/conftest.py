"""Shared fixtures: an app on a real SQLite file, its test client, and helpers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from playwright.sync_api import Playwright, sync_playwright
from werkzeug.test import TestResponse

from kiosk import create_app, db

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright for the whole run: its sync API cannot be started twice at once."""
    with sync_playwright() as started:
        yield started


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """A kiosk app with its own instance folder and a migrated SQLite database."""
    app = create_app(
        {"TESTING": True, "CAMERA_REPLAY_FPS": 30.0}, instance_path=tmp_path / "instance"
    )
    db.upgrade(db.get_engine(app))
    yield app
    app.extensions["guichet.camera"].stop()
    db.get_engine(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A runner for the app's click commands."""
    return app.test_cli_runner()


class Kiosk:
    """Drives the applicant screens like a browser would: follows forms and tokens."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None
        self.last: TestResponse | None = None

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(path, **kwargs)
        self._remember(response)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        payload = {"csrf_token": self.token, **(data or {})}
        response = self.client.post(path, data=payload, **kwargs)
        self._remember(response)
        return response

    def follow(self, response: TestResponse) -> TestResponse:
        assert response.status_code in (302, 303), response.status_code
        assert response.location is not None
        return self.get(response.location)

    def _remember(self, response: TestResponse) -> None:
        self.last = response
        if response.mimetype == "text/html":
            match = CSRF.search(response.get_data(as_text=True))
            if match:
                self.token = match.group(1)

    def start(self, language: str = "fr") -> TestResponse:
        """Open the welcome screen, pick a language, start a session."""
        self.get("/")
        if language != "fr":
            self.post("/language", {"lang": language, "next": "/"})
            self.get("/")
        return self.follow(self.post("/start"))

    def choose(self, procedure_id: str, pin: str = "1234") -> TestResponse:
        """Choose a procedure directly (as the mediator would) and set the PIN."""
        self.get("/mediator")
        response = self.follow(self.post("/choose", {"procedure_id": procedure_id}))
        if response.request.path == "/code":
            response = self.follow(self.post("/code", {"pin": pin}))
        return response


@pytest.fixture
def kiosk(client: FlaskClient) -> Kiosk:
    """A browser-like helper on the test client."""
    return Kiosk(client)


@pytest.fixture
def scanned(kiosk: Kiosk) -> Kiosk:
    """A student renewal answered, with the passport scanned from the demo camera."""
    # Imported here: those test modules import this one.
    from tests.test_scan_screens import wait_until_ready
    from tests.test_screens import complete_student_renewal

    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
    kiosk.follow(kiosk.post("/check"))
    kiosk.get("/scan/passeport")
    wait_until_ready(kiosk)
    kiosk.post("/scan/passeport/capture")
    return kiosk
