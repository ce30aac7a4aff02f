"""The real `guichet serve` in a subprocess, a browser-like HTTP client, an applicant on it.

The crash and storage-error tests drive the kiosk the way Chromium does:
over a real socket, with the session cookie and the CSRF token of the last
page. Only what a test needs of a browser is here: cookies (the kiosk's one
``__Host-`` cookie is ``Secure``, which the standard library's cookie jar
would refuse to send over http://127.0.0.1 even though Chromium does), the
token of the last form, and responses read to their last byte, so that a
response cut short by a killed server is never taken for an answer.

On top of it, an applicant of the student renewal: start, code and PIN,
every answer, resume after a crash, one page scanned as the capture screen
does it (tests/test_crash_recovery.py, tests/test_storage_errors.py).
"""

from __future__ import annotations

import datetime as dt
import html
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.test_screens import STUDENT, STUDENT_ANSWERS

GUICHET = Path(sys.executable).with_name("guichet")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
#: The resume code as every applicant screen shows it: ``K7M2-QX4P``.
RESUME_CODE = re.compile(r"<bdi[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4})</bdi>")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """One `guichet serve` process on an instance folder."""

    def __init__(self, instance: Path, log: Path, env: dict[str, str] | None = None) -> None:
        self.instance = instance
        self.log = log
        self.env = {**os.environ, **(env or {})}
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        """Start the server on a free port and wait until /healthz answers."""
        self.port = free_port()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(GUICHET), "serve", "--instance", str(self.instance), "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"guichet serve exited: {self.log_tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                connection.close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"guichet serve did not answer /healthz: {self.log_tail()}")

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a crash or a pulled plug."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Ask the server to stop, as systemd would."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, size: int = 4000) -> str:
        """The end of what the server wrote, for a failure message."""
        try:
            return self.log.read_text("utf-8", "replace")[-size:]
        except OSError:
            return ""


@dataclass
class Page:
    """One complete HTTP response."""

    status: int
    headers: dict[str, str]
    body: bytes
    path: str

    @property
    def location(self) -> str | None:
        """Where a redirect leads."""
        return self.headers.get("location")

    @property
    def text(self) -> str:
        """The body as text, entities decoded (French apostrophes compare plainly)."""
        return html.unescape(self.body.decode("utf-8", "replace"))

    @property
    def content_type(self) -> str:
        """The media type, without parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip()


@dataclass
class Browser:
    """A browser on the kiosk: one cookie, the last form's CSRF token."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    token: str | None = None
    timeout: float = 30.0

    def request(self, method: str, path: str, body: bytes | None = None, **headers: str) -> Page:
        """Send one request and read the whole response (IncompleteRead if cut short)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            sent = dict(headers)
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            found = {key.lower(): value for key, value in response.getheaders()}
            for header in response.headers.get_all("Set-Cookie") or []:
                self._keep_cookie(header)
        finally:
            connection.close()
        page = Page(response.status, found, data, path)
        if page.content_type == "text/html":
            match = CSRF.search(page.body.decode("utf-8", "replace"))
            if match:
                self.token = match.group(1)
        return page

    def _keep_cookie(self, header: str) -> None:
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            expired = morsel["expires"] and "1970" in morsel["expires"]
            if not morsel.value or expired or morsel["max-age"] == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, path: str) -> Page:
        """GET a page."""
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, Any] | None = None) -> Page:
        """POST a form with the CSRF token of the last page."""
        form = {"csrf_token": self.token or "", **(data or {})}
        body = urlencode({key: str(value) for key, value in form.items()}).encode()
        return self.request(
            "POST", path, body, **{"Content-Type": "application/x-www-form-urlencoded"}
        )

    def follow(self, page: Page) -> Page:
        """Follow a redirect."""
        assert page.status in (302, 303), (page.status, page.path, page.text[:500])
        assert page.location is not None
        return self.get(page.location)


# --- an applicant on the student renewal -----------------------------------------------------

DOCUMENT = "justificatif_ressources"
ADDRESS_PAGE = "coordonnees_adresse"
#: A fast demo camera that captures after 2 still frames: each page takes less CPU.
SETTINGS = {"GUICHET_CAMERA_REPLAY_FPS": "30", "GUICHET_AUTO_CAPTURE_FRAMES": "2"}
ADDRESS_FIELD = re.compile(r'name="adresse\.line1" value="([^"]*)"')
PAGE_IDS = re.compile(r"/scan/page/(\d+)\.jpg")
PAGE_CREATED = re.compile(rf"^/scan/{DOCUMENT}/pages/(\d+)$")


class ServerGone(Exception):
    """The server stopped answering: it was killed."""


def send(action: Callable[[], Page]) -> Page:
    """Run one request; a refused, reset or cut-short exchange means the server died."""
    try:
        return action()
    except (OSError, ConnectionError) as error:
        raise ServerGone(str(error)) from error
    except Exception as error:  # http.client.IncompleteRead, BadStatusLine...
        if type(error).__module__ == "http.client":
            raise ServerGone(repr(error)) from error
        raise


@dataclass
class Applicant:
    """One applicant session, as the test knows it from the kiosk's screens."""

    code: str
    pin: str
    browser: Browser
    #: The address line the database must hold: the last acknowledged one…
    address: str = ""
    #: …or this one, if its save was in flight when the server died.
    address_in_flight: str | None = None
    #: Ids of the acknowledged pages, in order.
    page_ids: list[int] = field(default_factory=list)
    #: A capture was sent and not acknowledged when the server died.
    capture_in_flight: bool = False
    acknowledged: int = 0
    #: Saves in flight at a kill that turned out committed (the rest were lost).
    in_flight_kept: int = 0


def answer_everything(browser: Browser) -> None:
    """Answer every page of the student renewal, in the screens' order."""
    expiry = dt.date.today() + dt.timedelta(days=90)
    browser.get("/q/titre_expiration")
    response = browser.post(
        "/q/titre_expiration",
        {
            "date_expiration_titre.day": expiry.day,
            "date_expiration_titre.month": expiry.month,
            "date_expiration_titre.year": expiry.year,
        },
    )
    for page_id, data in STUDENT_ANSWERS:
        assert response.location == f"/q/{page_id}", (response.status, response.location)
        browser.get(f"/q/{page_id}")
        response = browser.post(f"/q/{page_id}", data)
    assert response.location == "/documents"


def new_applicant(port: int, pin: str) -> Applicant:
    """An applicant who went through the start, chose a PIN and answered everything."""
    browser = Browser(port)
    browser.get("/")
    browser.follow(browser.post("/start"))
    browser.get("/mediator")
    code_page = browser.follow(browser.post("/choose", {"procedure_id": STUDENT}))
    shown = RESUME_CODE.findall(code_page.body.decode())
    assert shown, "the code screen shows no resume code"
    assert browser.post("/code", {"pin": pin}).location == "/q/titre_expiration"
    answer_everything(browser)
    applicant = Applicant(code=shown[0], pin=pin, browser=browser)
    applicant.address = address_shown(browser)
    return applicant


def address_shown(browser: Browser) -> str:
    """The address line the address page shows, filled from the stored answers."""
    page = browser.get(f"/q/{ADDRESS_PAGE}")
    assert page.status == 200, page.status
    match = ADDRESS_FIELD.search(page.body.decode())
    assert match, "no address field on the address page"
    return match.group(1)


def resume(applicant: Applicant, port: int) -> None:
    """Come back after the crash as after a power cut: a new browser, the code and the PIN."""
    browser = Browser(port)
    browser.get("/resume")
    response = browser.post("/resume", {"code": applicant.code, "pin": applicant.pin})
    assert response.status == 302 and response.location != "/resume", response.text[:300]
    browser.follow(response)
    applicant.browser = browser


@dataclass
class Signals:
    """Moments a test can wait for, to kill the server right then."""

    save_sent: threading.Event = field(default_factory=threading.Event)
    capture_sent: threading.Event = field(default_factory=threading.Event)
    page_acknowledged: threading.Event = field(default_factory=threading.Event)


def wait_until_ready(browser: Browser) -> str | None:
    """Poll the live picture, as the capture screen does, until it says "ready".

    Returns what went wrong, if anything but the server dying did.
    """
    after = "0"
    for _ in range(200):
        frame = send(lambda: browser.get(f"/scan/live.jpg?after={after}"))  # noqa: B023
        if frame.status == 503 and frame.content_type == "application/json":
            time.sleep(0.2)  # no picture yet: the screen asks again
            continue
        if frame.status != 200:
            return f"live picture answered {frame.status}"
        after = frame.headers["x-frame"]
        if frame.headers["x-ready"] == "1":
            return None
    return "the live picture never said ready"


def capture_one(applicant: Applicant, signals: Signals) -> str | None:
    """Scan one page as the capture screen does: wait for "ready", then capture.

    Returns what went wrong, if anything but the server dying did.
    """
    browser = applicant.browser
    send(lambda: browser.get(f"/scan/{DOCUMENT}"))
    problem = wait_until_ready(browser)
    if problem is not None:
        return problem
    applicant.capture_in_flight = True
    signals.capture_sent.set()
    response = send(lambda: browser.post(f"/scan/{DOCUMENT}/capture"))
    created = PAGE_CREATED.match(response.location or "")
    if response.status == 302 and created:
        applicant.page_ids.append(int(created.group(1)))
        applicant.capture_in_flight = False
        applicant.acknowledged += 1
        signals.page_acknowledged.set()
        send(lambda: browser.follow(response))
    elif response.status == 302 and response.location == f"/scan/{DOCUMENT}":
        applicant.capture_in_flight = False  # no document on the still: nothing saved
    else:
        return f"capture answered {response.status} {response.location}"
    return None
