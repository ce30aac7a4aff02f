"""A mediator at the kiosk, by touch only, in Debian's Chromium.

They open the staff panel by holding the logo, type their PIN on the
on-screen keyboard, take over an Arabic session, read it in the bilingual
view, choose the procedure, keep a page despite its warning, and hand back.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveKiosk
from tests.browser.screen import Screen
from tests.browser.staff_screen import hold_logo, unlock_by_gesture
from tests.staff_helpers import MEDIATOR_PIN, add_page_with_warning, add_staff, audit_actions

pytestmark = pytest.mark.browser

#: Whether an element's box starts below the end of the first text of its parent.
GLOSS_IS_UNDER = """
(gloss) => {
  const text = Array.from(gloss.parentElement.childNodes).find(
    (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
  const range = document.createRange();
  range.selectNodeContents(text);
  // Below the text's line: Arabic fonts' glyph boxes overhang their line box,
  // so "below" is judged from the middle of the text, not its bottom.
  const line = range.getBoundingClientRect();
  return gloss.getBoundingClientRect().top >= line.top + line.height / 2;
}
"""


def test_a_mediator_takes_over_an_arabic_session_and_hands_it_back(
    live: LiveKiosk, page: Page
) -> None:
    add_staff(live.app)
    screen = Screen(page, live.url)
    screen.open("/")
    screen.tap_and_wait("button[name=lang][value=ar]")
    # A tap on the logo only goes home: it does not open the staff panel.
    screen.open("/resume")
    screen.tap_and_wait(".brand")
    screen.expect_path("/")
    screen.tap_and_wait("form[action='/start'] button")
    screen.tap_and_wait("button[name=choice][value=pas_sur]")
    screen.expect_path("/mediator")
    expect(page.locator("input[name=procedure_id]")).to_have_count(0)
    # Held briefly, nothing happens either.
    hold_logo(screen, 1.0)
    page.wait_for_timeout(2500)
    screen.expect_path("/mediator")

    unlock_by_gesture(screen, "Camille Martin", MEDIATOR_PIN)
    screen.expect_path("/mediator")
    expect(page.locator("#staff-banner")).to_be_visible()
    screen.tap_and_wait("#take-over")
    expect(page.locator("#staff-banner")).to_contain_text("Camille Martin")
    expect(page.locator("#hand-back")).to_be_visible()

    screen.tap_and_wait("#bilingual-toggle")
    expect(page.locator("#bilingual-toggle")).to_have_attribute("aria-pressed", "true")
    assert screen.direction() == "rtl"
    heading = page.locator("main h1 .gloss")
    expect(heading).to_have_text("Demandez au médiateur")
    expect(heading).to_have_attribute("lang", "fr")
    assert heading.evaluate("(gloss) => getComputedStyle(gloss).direction") == "ltr"
    assert heading.evaluate(GLOSS_IS_UNDER)
    assert page.locator("main .gloss").count() > 5

    chosen = "form[action='/choose']:has(input[value=etudiant_renouvellement]) button"
    screen.tap_and_wait(chosen)
    screen.expect_path("/code")
    screen.tap("#f-pin")
    screen.type("2580")
    screen.tap("#osk [data-key='{done}']")
    screen.tap_and_wait("form[action='/code'] button[type=submit]")
    screen.expect_path("/q/titre_expiration")

    page_id = add_page_with_warning(live.app)
    screen.open(f"/scan/passeport/pages/{page_id}")
    expect(page.locator("#page-problems")).to_be_visible()
    screen.tap("label[for='f-reason-original_like_this']")
    screen.tap_and_wait("#override-submit")
    expect(page.locator("#page-override")).to_be_visible()
    expect(page.locator("#page-problems")).to_have_count(0)

    screen.tap_and_wait("#hand-back")
    expect(page.locator("#staff-banner")).to_have_count(0)
    expect(page.locator(".gloss")).to_have_count(0)
    screen.open("/staff")
    assert screen.path().startswith("/staff/unlock"), screen.path()
    assert audit_actions(live.app) == [
        "unlock",
        "take_over",
        "bilingual_on",
        "choose_procedure",
        "override",
        "hand_back",
        "lock",
    ]
