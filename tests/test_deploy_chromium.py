"""The kiosk's Chromium policy (deploy/chromium/guichet-policy.json) in Debian's Chromium.

Chromium reads managed policies from /etc/chromium/policies/managed, a fixed
path. The test never writes there: Chromium is started through a wrapper that
enters a private mount namespace and bind-mounts a test copy of /etc/chromium
over it, so only that process sees the policy (root needed, as in CI).

The test copy differs from the file provisioning installs in three ways only,
all needed to drive the browser: no DeveloperToolsAvailability nor
RemoteDebuggingAllowed (they block the debugging pipe Playwright uses; a test
below shows the full file does), about:blank and chrome://policy allowed, and
the kiosk's address on the port this test serves on.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Error, Page, Playwright, Route

from tests.browser.conftest import CHROMIUM

POLICY = Path(__file__).resolve().parent.parent / "deploy" / "chromium" / "guichet-policy.json"
ANEF = "https://administration-etrangers-en-france.interieur.gouv.fr/"
BLOCKED = "net::ERR_BLOCKED_BY_ADMINISTRATOR"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.geteuid() != 0, reason="mounts the test policy: run as root"),
    pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare (util-linux)"),
]

#: Every row of chrome://policy, read through the page's shadow roots.
READ_POLICY_ROWS = """() => {
  const rows = [];
  const walk = (root) => {
    for (const element of root.querySelectorAll('*')) {
      if (element.shadowRoot) walk(element.shadowRoot);
      if (element.classList.contains('policy') && element.classList.contains('row')) {
        rows.push(element.innerText.replace(/\\s+/g, ' ').trim());
      }
    }
  };
  walk(document);
  return rows;
}"""


class Kiosk(BaseHTTPRequestHandler):
    """Stands for the kiosk application: one page on 127.0.0.1."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>Guichet</title><p>kiosk</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def kiosk_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Kiosk)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def policy_for_test(
    port: int, *, automation: bool = True, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The policy as provisioning installs it, adapted for a driven test browser."""
    policy: dict[str, Any] = json.loads(POLICY.read_text(encoding="utf-8"))
    allow = [
        f"http://127.0.0.1:{port}" if url.startswith("http://127.0.0.1") else url
        for url in policy["URLAllowlist"]
    ]
    if automation:
        del policy["DeveloperToolsAvailability"], policy["RemoteDebuggingAllowed"]
        allow += ["about:blank", "chrome://policy"]
    policy["URLAllowlist"] = allow
    return {**policy, **(extra or {})}


def chromium_with_policy(tmp: Path, policy: dict[str, Any]) -> Path:
    """A wrapper that starts Debian's Chromium with `policy` as its only managed policy."""
    etc = tmp / "etc-chromium"
    (etc / "policies" / "managed").mkdir(parents=True)
    (etc / "policies" / "managed" / "guichet.json").write_text(json.dumps(policy))
    for name in ("master_preferences", "initial_preferences"):
        if Path("/etc/chromium", name).exists():
            shutil.copy(Path("/etc/chromium", name), etc / name)
    wrapper = tmp / "chromium"
    wrapper.write_text(
        "#!/bin/sh\n"
        "# Private mount namespace: only this Chromium sees the test policy.\n"
        "exec unshare --mount --propagation private sh -c "
        f'\'mount --bind {etc} /etc/chromium && exec {CHROMIUM} "$@"\' chromium "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


@contextlib.contextmanager
def launch(playwright: Playwright, wrapper: Path) -> Iterator[Browser]:
    """Start the wrapped Chromium, and close it afterwards."""
    browser = playwright.chromium.launch(
        executable_path=str(wrapper),
        # No name resolves: nothing can leave this machine whatever happens.
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ],
        timeout=30_000,
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="module")
def browser(
    tmp_path_factory: pytest.TempPathFactory, playwright: Playwright, kiosk_port: int
) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it")
    wrapper = chromium_with_policy(tmp_path_factory.mktemp("policy"), policy_for_test(kiosk_port))
    with launch(playwright, wrapper) as started:
        yield started


def policy_rows(page: Page) -> dict[str, str]:
    """Name → its row's text, for every policy that is set."""
    page.goto("chrome://policy")
    page.wait_for_function(f"({READ_POLICY_ROWS})().length > 0")
    rows = page.evaluate(READ_POLICY_ROWS)
    return {row.split(" ")[0]: row for row in rows if "Not set." not in row}


#: Statuses of a policy Chromium applies: "Deprecated" names a replacement and
#: still applies it (Chromium 156 deprecates AutofillAddressEnabled and
#: AutofillCreditCardEnabled for AutofillSettings, and maps them as before).
APPLIED = {"OK", "Deprecated"}


def status(row: str) -> str:
    """The status chrome://policy shows for a policy: the word after its level ("OK", "Error"…)."""
    _, found, after = row.partition(" Mandatory ")
    return after.split(" ")[0].rstrip(",") if found else row


def outcome(page: Page, url: str) -> str:
    """'loaded', or the network error the navigation ended with."""
    try:
        page.goto(url, timeout=15_000)
    except Error as error:
        return str(error).split(" at ")[0].removeprefix("Page.goto: ")
    return "loaded"


def test_every_policy_is_accepted_without_error(browser: Browser, kiosk_port: int) -> None:
    page = browser.new_page()
    rows = policy_rows(page)
    wanted = policy_for_test(kiosk_port)
    assert set(rows) == set(wanted), "chrome://policy shows other policies than the file's"
    not_applied = {name: row for name, row in rows.items() if status(row) not in APPLIED}
    assert not_applied == {}
    assert all(" Machine Mandatory " in row for row in rows.values())


def test_the_check_notices_a_policy_chromium_rejects(
    tmp_path: Path, playwright: Playwright, kiosk_port: int
) -> None:
    # kiosk-security.md: no KeyboardShortcuts policy exists. The reading of
    # chrome://policy above must see such an error, or it proves nothing.
    wrapper = chromium_with_policy(
        tmp_path, policy_for_test(kiosk_port, extra={"KeyboardShortcuts": False})
    )
    with launch(playwright, wrapper) as browser:
        rows = policy_rows(browser.new_page())
        assert status(rows["KeyboardShortcuts"]) not in APPLIED, rows["KeyboardShortcuts"]
        assert status(rows["URLBlocklist"]) == "OK"


def test_only_the_kiosk_and_anef_can_be_opened(browser: Browser, kiosk_port: int) -> None:
    def fake_anef(route: Route) -> None:
        # No request leaves the machine: any https address gets this page,
        # so "blocked" below can only come from the policy, before the network.
        route.fulfill(status=200, content_type="text/html", body="<title>ANEF</title>")

    def new_page() -> Page:
        page = browser.new_page()
        page.route("https://**/*", fake_anef)
        return page

    page = new_page()
    assert outcome(page, f"http://127.0.0.1:{kiosk_port}/") == "loaded"
    assert page.title() == "Guichet"
    assert outcome(page, ANEF) == "loaded" and page.title() == "ANEF"
    for url in (
        f"http://127.0.0.1:{kiosk_port + 1}/",
        "https://www.example.org/",
        "https://administration-etrangers-en-france.interieur.gouv.fr.example.org/",
        "http://administration-etrangers-en-france.interieur.gouv.fr/",
        "file:///etc/passwd",
        # (Playwright cannot open chrome://settings or chrome://history in a
        # test context at all; chrome://version and chrome://downloads stand
        # for them.)
        "chrome://version",
        "chrome://downloads",
        "view-source:" + ANEF,
    ):
        # A page each: after some blocked pages Chromium closes the tab.
        assert outcome(new_page(), url) == BLOCKED, url


def test_the_full_policy_shuts_out_the_debugging_protocol(
    tmp_path: Path, playwright: Playwright, kiosk_port: int
) -> None:
    # With DeveloperToolsAvailability=2 and RemoteDebuggingAllowed=false, as
    # installed on a kiosk, nothing can drive the browser: not even Playwright.
    wrapper = chromium_with_policy(tmp_path, policy_for_test(kiosk_port, automation=False))
    with pytest.raises(Error), launch(playwright, wrapper) as browser:
        browser.new_page().goto(f"http://127.0.0.1:{kiosk_port}/")
