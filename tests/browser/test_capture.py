"""The capture screen in Debian's Chromium, fed by the demo camera (replayed frames)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from kiosk import applicants
from kiosk.db import session_scope
from kiosk.models import ApplicantSession, DocumentPage
from scanning.sources import DEMO_FRAMES
from tests.browser.conftest import LiveKiosk, make_live
from tests.browser.screen import Screen
from tests.samples import student_answers

pytestmark = pytest.mark.browser

ANSWERS = student_answers((dt.date.today() + dt.timedelta(days=90)).isoformat())


def ready_to_scan(screen: Screen, live: LiveKiosk) -> None:
    screen.open("/")
    screen.tap_and_wait("form[action='/start'] button")
    screen.open("/proposal/etudiant_renouvellement")
    screen.tap_and_wait("form[action='/choose'] button")
    screen.tap("#f-pin")
    screen.type("1234")
    screen.tap_and_wait("form[action='/code'] button[type=submit]")
    with session_scope(live.app) as db:
        applicants.store_answers(db.scalars(select(ApplicantSession)).one(), ANSWERS)
    screen.open("/check")
    screen.tap_and_wait("form[action='/check'] button")
    screen.tap_and_wait("a[href='/scan']")


def pages(live: LiveKiosk) -> list[tuple[str, int]]:
    with session_scope(live.app) as db:
        rows = db.scalars(select(DocumentPage).order_by(DocumentPage.position))
        return [(row.document_id, row.position) for row in rows]


def test_live_outline_auto_capture_retake_and_second_page(live: LiveKiosk, page: Page) -> None:
    screen = Screen(page, live.url)
    ready_to_scan(screen, live)
    screen.tap_and_wait("#doc-justificatif_ressources a.button-primary")
    screen.expect_path("/scan/justificatif_ressources")
    # The live picture arrives with the page's outline drawn over it…
    expect(page.locator("#camera-quad")).not_to_have_attribute("points", "", timeout=20000)
    # …and once the outline holds still, the kiosk captures by itself.
    page.wait_for_url("**/scan/justificatif_ressources/pages/*", timeout=45000)
    expect(page.locator("h1")).to_contain_text("se lit bien")
    expect(page.locator(".page-picture")).to_be_visible()
    assert page.evaluate("document.querySelector('.page-picture').naturalWidth") > 300
    assert pages(live) == [("justificatif_ressources", 1)]

    # Retake: back to the camera, which captures again.
    screen.tap_and_wait("#page-retake")
    screen.expect_path("/scan/justificatif_ressources")
    page.wait_for_url("**/scan/justificatif_ressources/pages/*", timeout=45000)
    assert pages(live) == [("justificatif_ressources", 1)]

    # Keep it, then add a second page.
    screen.tap_and_wait("#page-ok")
    screen.tap_and_wait("#add-page")
    page.wait_for_url("**/scan/justificatif_ressources/pages/*", timeout=45000)
    screen.tap_and_wait("#page-ok")
    expect(page.locator(".page-item")).to_have_count(2)
    assert pages(live) == [("justificatif_ressources", 1), ("justificatif_ressources", 2)]

    # Turn and reorder by touch.
    screen.tap_and_wait("#page-" + str(_page_ids(live)[1]) + " [data-action='up']")
    ids = _page_ids(live)
    screen.tap_and_wait(f"#page-{ids[0]} [data-action='rotate']")
    screen.tap_and_wait("#document-done")
    expect(page.locator("#doc-justificatif_ressources")).to_contain_text("2 pages")


def _page_ids(live: LiveKiosk) -> list[int]:
    with session_scope(live.app) as db:
        return [row.id for row in db.scalars(select(DocumentPage).order_by(DocumentPage.position))]


def test_a_missing_camera_shows_a_message_and_a_retry(tmp_path: Path, page: Page) -> None:
    live = make_live(tmp_path, CAMERA=f"replay:{tmp_path / 'unplugged'}")
    try:
        screen = Screen(page, live.url)
        ready_to_scan(screen, live)
        screen.tap_and_wait("#doc-passeport a.button-primary")
        expect(page.locator("[data-code='camera_error']")).to_be_visible(timeout=20000)
        retry = page.locator("#camera-retry")
        expect(retry).to_be_visible()
        # Plug the camera back in (the frames appear) and retry.
        (tmp_path / "unplugged").mkdir()
        for frame in sorted(DEMO_FRAMES.glob("*.jpg")):
            shutil.copy(frame, tmp_path / "unplugged" / frame.name)
        screen.tap("#camera-retry")
        expect(page.locator("[data-code='camera_error']")).to_be_hidden(timeout=20000)
        page.wait_for_url("**/scan/passeport/pages/*", timeout=30000)
    finally:
        live.close()
