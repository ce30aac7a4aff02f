"""Whole journeys in Debian's Chromium, by touch only: the on-screen keyboard types."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from kiosk import applicants
from kiosk.db import session_scope
from kiosk.models import ApplicantSession
from tests.browser.conftest import LiveKiosk, make_live, new_context
from tests.browser.screen import Screen

pytestmark = pytest.mark.browser

EXPIRY = dt.date.today() + dt.timedelta(days=90)
STATS = Path(__file__).parent.parent.parent / "bench" / "out" / "student-renewal-taps.json"


def start_student_renewal(screen: Screen, language: str = "fr") -> None:
    screen.open("/")
    if language != "fr":
        screen.tap_and_wait(f"button[name=lang][value={language}]")
    screen.tap_and_wait("form[action='/start'] button")
    screen.expect_path("/find/demarche")
    screen.tap_and_wait("button[name=choice][value=renouveler]")
    screen.tap_and_wait("button[name=choice][value=etudiant]")
    screen.expect_path("/proposal/etudiant_renouvellement")
    screen.tap_and_wait("form[action='/choose'] button")
    screen.expect_path("/code")
    screen.tap("#f-pin")
    screen.type("2580")
    screen.tap("#osk [data-key='{done}']")
    screen.tap_and_wait("form[action='/code'] button[type=submit]")
    screen.expect_path("/q/titre_expiration")


def answer_first_pages(screen: Screen) -> None:
    screen.pick_date("date_expiration_titre", EXPIRY)
    screen.continue_()
    screen.expect_path("/q/titre_numero_etranger")
    screen.fill("f-numero_etranger", "1234567890")
    screen.continue_()
    screen.expect_path("/q/etat_civil_nom")


def answer_remaining_pages(screen: Screen, arabic: bool = False) -> None:
    screen.fill("f-nom", "Benali")
    screen.fill("f-prenoms", "Yasmine")
    screen.continue_()
    screen.choose("sexe", "f")
    screen.continue_()
    screen.pick_date("date_naissance", dt.date(2001, 5, 4))
    screen.continue_()
    if arabic:
        screen.pick_country("pays_naissance", "مغرب", "MA")
    else:
        screen.pick_country("pays_naissance", "Maroc", "MA")
    screen.fill("f-ville_naissance", "Fès")
    screen.continue_()
    screen.pick_country("nationalite", "مغرب" if arabic else "Maroc", "MA")
    screen.continue_()
    screen.choose("situation_familiale", "celibataire")
    screen.continue_()
    screen.fill("f-adresse-line1", "12 rue des Lilas")
    screen.fill("f-adresse-postcode", "69007")
    screen.fill("f-adresse-city", "Lyon")
    screen.continue_()
    screen.choose("hebergement", "foyer")
    screen.continue_()
    screen.fill("f-telephone", "0612345678")
    screen.continue_()
    screen.fill("f-email", "yasmine@example.fr")
    screen.continue_()
    screen.choose("niveau_etudes", "master")
    screen.continue_()
    screen.fill("f-etablissement", "Lyon 2")
    screen.continue_()
    screen.choose("redoublement", "no")
    screen.continue_()
    screen.fill("f-ressources_mensuelles", "800")
    screen.continue_()
    screen.choose("origine_ressources", "bourse")
    screen.continue_()
    screen.choose("ephoto_disponible", "no")
    screen.continue_()
    screen.expect_path("/documents")


def finish(screen: Screen) -> None:
    expect(screen.page.locator(".document-item")).to_have_count(7)
    screen.tap_and_wait("main .actions a.button-primary")
    screen.expect_path("/check")
    expect(screen.page.locator(".summary-row")).to_have_count(
        21
    )  # 18 pages, two of them with several fields
    expect(screen.page.locator("main")).to_contain_text("Benali")
    screen.tap_and_wait("form[action='/check'] button")
    screen.expect_path("/done")


def stored_answers(live: LiveKiosk) -> dict[str, object]:
    with session_scope(live.app) as db:
        row = db.scalars(select(ApplicantSession)).one()
        return dict(applicants.answers_of(row))


def test_student_renewal_in_french(live: LiveKiosk, page: Page) -> None:
    screen = Screen(page, live.url)
    start_student_renewal(screen)
    answer_first_pages(screen)
    answer_remaining_pages(screen)
    finish(screen)
    answers = stored_answers(live)
    assert answers["prenoms"] == "Yasmine"
    assert answers["ville_naissance"] == "Fès"
    assert answers["telephone"] == "+33612345678"
    assert answers["date_naissance"] == "2001-05-04"
    STATS.parent.mkdir(parents=True, exist_ok=True)
    STATS.write_text(
        json.dumps(
            {
                "screens": len(screen.screens),
                "taps": screen.taps,
                "keyboard_taps": screen.key_taps,
                "other_taps": screen.taps - screen.key_taps,
            },
            indent=2,
        ),
        encoding="utf-8",
    )


def test_student_renewal_in_arabic(live: LiveKiosk, page: Page) -> None:
    screen = Screen(page, live.url)
    start_student_renewal(screen, language="ar")
    assert page.get_attribute("html", "dir") == "rtl"
    assert screen.direction() == "rtl"
    answer_first_pages(screen)
    # Every question page is right to left, Back arrow and progress included.
    assert screen.direction() == "rtl"
    back = page.locator(".back-link")
    main = page.locator("main").bounding_box()
    box = back.bounding_box()
    assert main and box and box["x"] > main["x"] + main["width"] / 2  # starts on the right
    answer_remaining_pages(screen, arabic=True)
    assert page.get_attribute("html", "lang") == "ar"
    finish(screen)
    assert stored_answers(live)["pays_naissance"] == "MA"


def test_change_language_midway_keeps_answers(live: LiveKiosk, page: Page) -> None:
    screen = Screen(page, live.url)
    start_student_renewal(screen)
    answer_first_pages(screen)
    screen.tap_and_wait(".language-button")
    screen.tap_and_wait("button[name=lang][value=en]")
    screen.expect_path("/q/etat_civil_nom")
    assert page.get_attribute("html", "lang") == "en"
    expect(page.locator("h1")).to_contain_text("name")
    screen.tap_and_wait(".back-link")
    expect(page.locator("#f-numero_etranger")).to_have_value("1234567890")
    screen.tap_and_wait(".language-button")
    screen.tap_and_wait("button[name=lang][value=ar]")
    assert page.get_attribute("html", "dir") == "rtl"
    expect(page.locator("#f-numero_etranger")).to_have_value("1234567890")


def test_reload_midway_loses_nothing(live: LiveKiosk, page: Page) -> None:
    screen = Screen(page, live.url)
    start_student_renewal(screen)
    answer_first_pages(screen)
    screen.fill("f-nom", "Benali")
    screen.fill("f-prenoms", "Yasmine")
    screen.continue_()
    page.reload()
    screen.expect_path("/q/etat_civil_sexe")
    screen.tap_and_wait(".back-link")
    expect(page.locator("#f-nom")).to_have_value("Benali")
    page.reload()
    expect(page.locator("#f-prenoms")).to_have_value("Yasmine")
    # A browser crash loses the tab, not the answers: a new profile resumes.
    assert stored_answers(live)["nom"] == "Benali"


def resume(screen: Screen, code: str, pin: str) -> None:
    screen.open("/")
    screen.tap_and_wait("a[href='/resume']")
    screen.tap("#f-code")
    screen.type(code)
    screen.tap("#osk [data-key='{done}']")
    screen.tap("#f-pin")
    screen.type(pin)
    screen.tap("#osk [data-key='{done}']")
    screen.tap_and_wait("form[action='/resume'] button[type=submit]")


def test_save_then_resume_with_code_and_pin(live: LiveKiosk, page: Page, browser: Browser) -> None:
    screen = Screen(page, live.url)
    start_student_renewal(screen)
    answer_first_pages(screen)
    code = page.locator(".session-code .code").inner_text().replace("-", "")
    screen.tap_and_wait("a[href='/save']")
    screen.tap_and_wait("form[action='/save'] button")
    screen.expect_path("/saved")
    expect(page.locator(".big-code")).to_contain_text(code[:4])
    screen.tap_and_wait("form[action='/saved/done'] button")
    screen.expect_path("/")

    # Another day, another browser profile.
    other_context = new_context(browser)
    other = Screen(other_context.new_page(), live.url)
    resume(other, code, "2580")
    other.expect_path("/q/etat_civil_nom")
    other.tap_and_wait(".back-link")
    expect(other.page.locator("#f-numero_etranger")).to_have_value("1234567890")
    other_context.close()


def test_idle_countdown_closes_then_resume(tmp_path: Path, page: Page) -> None:
    live = make_live(tmp_path, IDLE_SECONDS=2, IDLE_COUNTDOWN_SECONDS=2)
    try:
        screen = Screen(page, live.url)
        start_student_renewal(screen)
        answer_first_pages(screen)
        code = page.locator(".session-code .code").inner_text().replace("-", "")
        dialog = page.locator("#idle-dialog")
        expect(dialog).to_be_visible(timeout=5000)
        # "Yes, I am here" keeps the session.
        screen.tap("#idle-stay")
        expect(dialog).to_be_hidden()
        # Then nobody touches the screen: the countdown ends the session.
        expect(dialog).to_be_visible(timeout=5000)
        page.wait_for_url(live.url + "/", timeout=10000)
        screen.open("/q/etat_civil_nom")
        screen.expect_path("/")
        resume(screen, code, "2580")
        screen.expect_path("/q/etat_civil_nom")
    finally:
        live.close()


def test_wrong_pin_is_explained(live: LiveKiosk, page: Page) -> None:
    screen = Screen(page, live.url)
    resume(screen, "ABCD2345", "1111")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".error-summary")).to_be_focused()


def test_form_errors_link_to_the_field(live: LiveKiosk, page: Page) -> None:
    screen = Screen(page, live.url)
    start_student_renewal(screen)
    screen.continue_()  # nothing chosen
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    screen.tap(".error-summary a")
    expect(page.locator("#f-date_expiration_titre-day")).to_be_focused()


def test_goodbye_returns_to_the_welcome_screen_by_itself(live: LiveKiosk, page: Page) -> None:
    # The page's clock is Playwright's: 20 seconds pass without waiting for them.
    page.clock.install()
    screen = Screen(page, live.url)
    screen.open("/")
    screen.tap_and_wait("form[action='/start'] button")
    screen.open("/finish")
    screen.tap_and_wait("form[action='/finish'] button[type=submit]")
    expect(page.locator("#goodbye-home")).to_be_visible()
    page.clock.fast_forward(19_000)
    expect(page.locator("#goodbye-home")).to_be_visible()
    with page.expect_navigation():
        page.clock.fast_forward(2_000)
    screen.expect_path("/")
    expect(page.locator("form[action='/start'] button")).to_be_visible()
