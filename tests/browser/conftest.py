"""Browser fixtures: the kiosk served by waitress, driven in Debian's Chromium.

No Playwright browser download: the tests use /usr/bin/chromium (installed by
``make test``) with touch emulation, and every JavaScript error or CSP
violation on a page fails the test.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from waitress.server import create_server

from kiosk import create_app, db

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveKiosk:
    """A kiosk app served on a free loopback port in a background thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        # poll() rather than select(): the server is closed from the test's
        # thread while its own waits on its sockets, and select() then fails
        # on the closed one (EBADF, Pylons/waitress#468); poll() reports it.
        self.server = create_server(
            app, host="127.0.0.1", port=0, threads=8, asyncore_use_poll=True
        )
        self.url = f"http://127.0.0.1:{self.server.effective_port}"  # type: ignore[union-attr]
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.close()
        self.app.extensions["guichet.camera"].stop()
        db.get_engine(self.app).dispose()


def make_live(tmp_path: Path, **settings: Any) -> LiveKiosk:
    app = create_app({"TESTING": False, **settings}, instance_path=tmp_path / "instance")
    db.upgrade(db.get_engine(app))
    return LiveKiosk(app)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveKiosk]:
    """The kiosk, served for real."""
    server = make_live(tmp_path)
    yield server
    server.close()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def new_context(browser: Browser, width: int = 1280, height: int = 800) -> BrowserContext:
    return browser.new_context(
        viewport={"width": width, "height": height}, has_touch=True, is_mobile=False
    )


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile with a touch screen."""
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A tab that fails the test on any JavaScript error or console error."""
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: Any) -> None:
        if message.type != "error":
            return
        source = (message.location or {}).get("url", "")
        # A page answered 400 (form errors) or 429 is expected; a missing
        # stylesheet, script or picture is not.
        if "Failed to load resource" in message.text and "/static/" not in source:
            return
        problems.append(f"console error: {message.text} ({source})")

    page.on("console", on_console)
    yield page
    assert problems == [], problems
