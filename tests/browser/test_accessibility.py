"""axe-core on every screen, in French and in Arabic: no serious or critical violation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select

from kiosk import applicants
from kiosk.db import session_scope
from kiosk.models import ApplicantSession
from tests.browser.conftest import LiveKiosk
from tests.browser.screen import Screen
from tests.samples import student_answers

pytestmark = pytest.mark.browser

AXE = Axe()
COMPLETE_ANSWERS = student_answers((dt.date.today() + dt.timedelta(days=90)).isoformat())
#: One question page per kind of field (and pages with several fields).
QUESTION_PAGES = (
    "titre_expiration",  # date
    "titre_numero_etranger",  # text on the digit keyboard
    "etat_civil_nom",  # three person names
    "etat_civil_sexe",  # single choice
    "etat_civil_naissance_lieu",  # country and text
    "coordonnees_adresse",  # address
    "coordonnees_hebergement",  # choices with pictograms
    "coordonnees_telephone",  # phone
    "coordonnees_email",  # e-mail
    "ressources_montant",  # number
    "photo_code",  # yes / no
)


#: Measures every visible control; radios count by their label, the real target.
SMALL_TARGETS = """
() => Array.from(document.querySelectorAll('a, button, input, select, label[for]'))
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .filter(el => !(el.matches('input[type=radio]')))
  .filter(el => !el.closest('.skip-link') && !el.matches('.skip-link'))
  .filter(el => !el.matches('label[for]')
    || document.getElementById(el.htmlFor)?.matches('input[type=radio]'))
  .filter(el => !el.closest('.error-summary, p'))
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, box]) => box.width < 48 || box.height < 48)
  .map(([el, box]) => `${el.tagName.toLowerCase()}#${el.id}.${el.className} `
    + `${Math.round(box.width)}x${Math.round(box.height)}`)
"""


def small_targets(page: Page, label: str) -> list[str]:
    """Touch targets under 48×48 CSS pixels (links inside sentences are exempt)."""
    return [f"{label}: {target}" for target in page.evaluate(SMALL_TARGETS)]


def serious(page: Page, label: str) -> list[str]:
    results = AXE.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [node["target"] for node in violation["nodes"]][:3]
            found.append(f"{label}: {violation['id']} ({violation['impact']}) {targets}")
    return found


def start(screen: Screen, language: str) -> None:
    screen.open("/")
    if language != "fr":
        screen.tap_and_wait(f"button[name=lang][value={language}]")
    screen.tap_and_wait("form[action='/start'] button")


def give_answers(live: LiveKiosk, answers: dict[str, Any]) -> None:
    """Set the stored answers directly, to reach the later screens quickly."""
    with session_scope(live.app) as db:
        row = db.scalars(select(ApplicantSession)).one()
        applicants.store_answers(row, answers)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_screen_passes_axe(
    live: LiveKiosk, page: Page, language: str, tmp_path: Path
) -> None:
    screen = Screen(page, live.url)
    problems: list[str] = []

    def scan(label: str) -> None:
        expect(page.locator("html")).to_have_attribute("lang", language)
        problems.extend(serious(page, label))
        problems.extend(small_targets(page, label))

    screen.open("/")
    if language != "fr":
        screen.tap_and_wait(f"button[name=lang][value={language}]")
    scan("welcome")
    for path in ("/language?next=/", "/resume", "/nowhere"):
        screen.open(path)
        scan(path)
    screen.open("/resume")
    screen.tap_and_wait("form[action='/resume'] button[type=submit]")
    scan("resume with an error")

    screen.open("/")
    screen.tap_and_wait("form[action='/start'] button")
    scan("finder, first question")
    screen.tap_and_wait("button[name=choice][value=renouveler]")
    scan("finder, second question")
    screen.tap_and_wait("button[name=choice][value=etudiant]")
    scan("proposal")
    screen.open("/mediator")
    scan("mediator")
    screen.open("/proposal/etudiant_renouvellement")
    screen.tap_and_wait("form[action='/choose'] button")
    screen.tap_and_wait("form[action='/code'] button[type=submit]")
    scan("code with an error")
    screen.tap("#f-pin")
    scan("code with the digit keyboard open")
    screen.type("1234")
    screen.tap_and_wait("form[action='/code'] button[type=submit]")

    give_answers(live, COMPLETE_ANSWERS)
    for page_id in QUESTION_PAGES:
        screen.open(f"/q/{page_id}")
        scan(f"question {page_id}")
    screen.open("/q/etat_civil_nom")
    screen.tap("#f-nom")
    scan("question with the letter keyboard open")
    screen.open("/q/etat_civil_naissance_lieu")
    screen.fill("f-ville_naissance", " ")  # a blank answer: the page shows its errors
    screen.page.locator("#f-ville_naissance").fill("")
    screen.continue_()
    scan("question with an error")
    for path in ("/documents", "/check"):
        screen.open(path)
        scan(path)
    screen.tap_and_wait("form[action='/check'] button")
    scan("done")
    screen.tap_and_wait("a[href='/scan']")
    scan("documents to scan")
    screen.tap_and_wait("#doc-passeport a.button-primary")
    expect(page.locator("#camera-quad")).not_to_have_attribute("points", "", timeout=20000)
    scan("capture screen")
    page.wait_for_url("**/scan/passeport/pages/*", timeout=45000)
    scan("page review")
    screen.tap_and_wait("#page-ok")
    scan("pages of a document")
    screen.open("/dossier")
    scan("dossier before it is built")
    screen.tap_and_wait("#build-dossier")
    scan("dossier built")
    screen.open("/dossier/usb")
    scan("no USB key")
    key = tmp_path / "KEY"
    key.mkdir()
    live.app.config["EXTRA_MEDIA_FOLDERS"] = [str(key)]
    screen.open("/dossier/usb")
    scan("USB keys")
    screen.tap_and_wait(".choice-button")
    scan("copied to the USB key")
    screen.open("/done")
    screen.open("/finish")
    scan("finish")
    screen.open("/save")
    scan("save")
    screen.tap_and_wait("form[action='/save'] button")
    scan("saved")
    assert problems == []


def test_idle_dialog_passes_axe(tmp_path: Any, page: Page) -> None:
    from tests.browser.conftest import make_live

    live = make_live(tmp_path, IDLE_SECONDS=1, IDLE_COUNTDOWN_SECONDS=30)
    try:
        screen = Screen(page, live.url)
        start(screen, "ar")
        expect(page.locator("#idle-dialog")).to_be_visible(timeout=5000)
        assert serious(page, "idle dialog") == []
    finally:
        live.close()


def test_the_scan_does_find_violations(live: LiveKiosk, page: Page) -> None:
    """Guard against a scan that silently checks nothing (CSP, injection failure)."""
    Screen(page, live.url).open("/")
    assert serious(page, "welcome") == []
    assert small_targets(page, "welcome") == []
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        ' \'<img src="/static/img/guichet.svg"><input type="text">\')'
    )
    found = serious(page, "broken welcome")
    assert any("image-alt" in problem for problem in found)
    assert any("label" in problem for problem in found)
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        ' \'<div><a href="/" id="tiny">x</a></div>\')'
    )
    assert any("#tiny" in problem for problem in small_targets(page, "broken welcome"))
