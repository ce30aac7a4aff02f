"""Every screen in every language, at 1280×800 and 1920×1080: no text that does not fit.

One Chromium, one touch-screen browser context. For each language an
applicant goes through the whole kiosk (welcome, finder, each kind of
question page, check, documents, capture, page review, dossier and USB key,
finish, save, goodbye, error pages, the staff unlock screen) and on each
screen `overflows` is measured in the page at each size (the viewport is
resized on the same page: half the page loads and dossier builds of a tour
per size), and `<html lang dir>` checked.
"pseudo" is French with every text lengthened by an unbreakable word, for
the translations of tomorrow.

Screens are reached the fast way where the path does not matter (answers
and a captured page written through the real code, URLs opened directly);
the journeys tests do it by touch.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from kiosk import applicants
from kiosk.db import session_scope
from kiosk.i18n import KNOWN_LANGUAGES
from kiosk.models import ApplicantSession
from tests.browser.conftest import LiveKiosk, make_live
from tests.browser.overflow import LENGTHEN, overflows
from tests.browser.screen import Screen
from tests.browser.test_accessibility import QUESTION_PAGES
from tests.samples import student_answers
from tests.staff_helpers import add_page_with_warning, add_staff

pytestmark = pytest.mark.browser

SIZES = {"1280x800": (1280, 800), "1920x1080": (1920, 1080)}
PSEUDO = "pseudo"
LANGUAGES = [*KNOWN_LANGUAGES, PSEUDO]
ANSWERS = student_answers((dt.date.today() + dt.timedelta(days=90)).isoformat())
#: Seconds each language took (both sizes): printed at the end (-s) to keep an eye on it.
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveKiosk]:
    """One kiosk for the whole tour, with a mediator and a folder standing in for a USB key."""
    folder = tmp_path_factory.mktemp("languages")
    key = folder / "KEY"
    key.mkdir()
    server = make_live(folder, EXTRA_MEDIA_FOLDERS=[str(key)])
    add_staff(server.app)
    yield server
    server.close()
    if TIMINGS:
        print("\nscreens in every language:", {k: round(v, 1) for k, v in TIMINGS.items()})


@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    """One touch-screen browser context; each check resizes its page to every size."""
    width, height = SIZES["1280x800"]
    made = browser.new_context(
        viewport={"width": width, "height": height}, has_touch=True, is_mobile=False
    )
    yield made
    made.close()


def give_answers(kiosk: LiveKiosk, answers: dict[str, Any]) -> None:
    """Store complete answers for the newest session, to reach the later screens quickly."""
    with session_scope(kiosk.app) as db:
        newest = db.scalars(select(ApplicantSession).order_by(ApplicantSession.id.desc())).first()
        assert newest is not None
        applicants.store_answers(newest, answers)


class Tour:
    """Goes through the screens in one language, measuring each."""

    def __init__(self, page: Page, kiosk: LiveKiosk, code: str) -> None:
        self.screen = Screen(page, kiosk.url)
        self.page = page
        self.kiosk = kiosk
        self.code = code
        self.language = KNOWN_LANGUAGES["fr" if code == PSEUDO else code]
        self.problems: list[str] = []
        self.screens = 0

    def check(self, label: str) -> None:
        """Measure the screen as it is now."""
        self.screens += 1
        html = self.page.locator("html")
        expect(html).to_have_attribute("lang", self.language.tag)
        expect(html).to_have_attribute("dir", self.language.direction)
        direction = self.page.evaluate("getComputedStyle(document.body).direction")
        if direction != self.language.direction:
            self.problems.append(f"{label}: laid out {direction}")
        if self.code == PSEUDO:
            self.page.evaluate(LENGTHEN)
        for size, (width, height) in SIZES.items():
            self.page.set_viewport_size({"width": width, "height": height})
            found = overflows(self.page)
            self.problems += [f"{label} at {size}: {problem}" for problem in found]
        # Back to the first size: the next taps happen on the screen as it starts.
        width, height = SIZES["1280x800"]
        self.page.set_viewport_size({"width": width, "height": height})

    def open(self, path: str, label: str | None = None) -> None:
        self.screen.open(path)
        if label:
            self.check(label)

    def tap(self, selector: str, label: str | None = None) -> None:
        """Tap something that opens another screen (lengthened text changes no selector)."""
        self.screen.tap_and_wait(selector)
        if label:
            self.check(label)

    def choose_language(self) -> None:
        self.open("/")
        if self.language.code != "fr":
            self.screen.tap_and_wait(f"button[name=lang][value={self.language.code}]")

    def set_pin(self) -> None:
        self.open("/proposal/etudiant_renouvellement")
        self.tap("form[action='/choose'] button")
        self.screen.tap("#f-pin")
        self.screen.type("1234")
        self.screen.tap("#osk [data-key='{done}']")
        self.tap("form[action='/code'] button[type=submit]")


def before_a_session(tour: Tour) -> None:
    tour.choose_language()
    tour.check("welcome")
    tour.open("/language?next=/", "language list")
    tour.open("/resume", "resume")
    tour.tap("form[action='/resume'] button[type=submit]", "resume with an error")
    tour.open("/nowhere", "page not found")
    tour.open("/")
    forged = "form[action='/start'] input[name=csrf_token]"
    tour.page.locator(forged).evaluate("(input) => { input.value = 'forged'; }")
    tour.tap("form[action='/start'] button", "form refused (expired)")
    tour.open("/staff/unlock?next=/", "staff unlock")
    tour.screen.tap("label:has-text('Camille Martin')")
    tour.screen.tap("#f-pin")
    tour.check("staff unlock with the digit keyboard")
    tour.open("/glossary", "plain words")


def finder_and_code(tour: Tour) -> None:
    tour.open("/")
    tour.tap("form[action='/start'] button", "finder, first question")
    tour.tap("button[name=choice][value=renouveler]", "finder, second question")
    tour.tap("button[name=choice][value=etudiant]", "proposal")
    tour.open("/mediator", "mediator")
    tour.open("/proposal/etudiant_renouvellement")
    tour.tap("form[action='/choose'] button", "code")
    tour.tap("form[action='/code'] button[type=submit]", "code with an error")
    tour.screen.tap("#f-pin")
    tour.check("code with the digit keyboard")
    tour.screen.type("1234")
    tour.screen.tap("#osk [data-key='{done}']")
    tour.tap("form[action='/code'] button[type=submit]")


def open_pickers(tour: Tour, page_id: str) -> None:
    """On the pages that have them: the date picker, the keyboards, the country list."""
    if page_id == "titre_expiration":
        tour.screen.tap("#f-date_expiration_titre-day")
        tour.check("date picker, days")
        tour.page.locator("#f-date_expiration_titre-group .picker-panel [data-value='3']").tap()
        tour.check("date picker, months")
    elif page_id == "etat_civil_nom":
        tour.screen.tap("#f-nom")
        tour.check("question with the letter keyboard")
    elif page_id == "etat_civil_naissance_lieu":
        tour.screen.tap("#f-pays_naissance")
        tour.check("country list with the keyboard")
        tour.page.locator("#f-ville_naissance").fill("")
        tour.tap("form.question-form button[type=submit]", "question with an error")


def questions(tour: Tour) -> None:
    give_answers(tour.kiosk, ANSWERS)
    for page_id in QUESTION_PAGES:
        tour.open(f"/q/{page_id}", f"question {page_id}")
        open_pickers(tour, page_id)


def documents_and_dossier(tour: Tour) -> None:
    give_answers(tour.kiosk, ANSWERS)
    tour.open("/documents", "documents to bring")
    tour.open("/check", "check your answers")
    tour.tap("form[action='/check'] button", "answers done")
    tour.open("/scan", "documents to scan")
    tour.open("/scan/passeport", "capture screen")
    page_id = add_page_with_warning(tour.kiosk.app)
    tour.open(f"/scan/passeport/pages/{page_id}", "page review with a warning")
    tour.open("/scan/passeport/pages", "pages of a document")
    tour.open("/dossier", "dossier to prepare")
    tour.tap("#build-dossier", "dossier ready")
    tour.open("/dossier/usb", "USB keys")
    tour.tap(".choice-button", "copied to the USB key")


def endings(tour: Tour) -> None:
    tour.open("/finish", "finish: erase everything?")
    tour.open("/save", "save for later")
    tour.tap("form[action='/save'] button", "saved")
    tour.tap("form[action='/saved/done'] button")
    tour.choose_language()
    tour.tap("form[action='/start'] button")
    tour.open("/finish")
    tour.tap("form[action='/finish'] button[type=submit]", "goodbye")


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_screen_fits_in_every_language(
    kiosk: LiveKiosk, context: BrowserContext, code: str
) -> None:
    context.clear_cookies()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    started = time.monotonic()
    tour = Tour(page, kiosk, code)
    try:
        before_a_session(tour)
        finder_and_code(tour)
        questions(tour)
        documents_and_dossier(tour)
        endings(tour)
    finally:
        page.close()
        TIMINGS[code] = time.monotonic() - started
    assert errors == []
    assert tour.screens >= 40
    assert tour.problems == [], "\n".join(tour.problems)


#: Broken elements, built with the DOM (the CSP forbids inline style attributes).
BREAK_THE_PAGE = """
(main) => {
  const add = (tag, id, text, style) => {
    const el = document.createElement(tag);
    el.id = id;
    el.className = tag === "button" ? "button" : "";
    el.textContent = text;
    Object.assign(el.style, style);
    main.append(el);
  };
  add("button", "narrow", "Aufenthaltstitel", { width: "60px", whiteSpace: "nowrap" });
  const clip = { width: "50px", overflow: "hidden", whiteSpace: "nowrap" };
  add("p", "clipped", "Aufenthaltstitel", clip);
  add("div", "wide", "x", { width: "3000px" });
  add("p", "squeezed", "Aufenthaltstitel", { width: "20px" });
}
"""


def test_the_measure_finds_text_that_does_not_fit(
    kiosk: LiveKiosk, context: BrowserContext
) -> None:
    """Guard against a check that sees nothing: each kind of overflow is reported."""
    page = context.new_page()
    try:
        Screen(page, kiosk.url).open("/")
        assert overflows(page) == []
        page.locator("main").evaluate(BREAK_THE_PAGE)
        found = "\n".join(overflows(page))
    finally:
        page.close()
    assert "sticks out of button#narrow" in found
    assert "p#clipped" in found and "clips its text sideways" in found
    assert "div#wide" in found and "off the screen" in found
    assert "the page scrolls sideways" in found
    assert 'in p#squeezed "Aufenthaltstitel" is squeezed' in found
