"""Twelve languages, read-aloud and plain words, in Debian's Chromium.

The welcome screen's twelve languages fit a 1280×800 touch screen; a speaker
button plays; its fallback shows where there is no voice; a glossary word's
explanation opens over the screen and closes back to it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from kiosk.i18n import KNOWN_LANGUAGES
from tests.browser.conftest import LiveKiosk, new_context
from tests.browser.screen import Screen
from tests.browser.test_accessibility import give_answers, start
from tests.samples import student_answers

pytestmark = pytest.mark.browser

#: Each language button, as the page draws it: its box, its text's width, lang and dir.
LANGUAGE_BUTTONS = """
() => Array.from(document.querySelectorAll('.language-choice')).map(b => {
  const box = b.getBoundingClientRect();
  return {code: b.value, lang: b.lang, dir: b.dir, top: box.top, bottom: box.bottom,
          width: box.width, height: box.height, overflows: b.scrollWidth > b.clientWidth};
})
"""


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)])
def test_twelve_languages_fit_the_welcome_screen(
    live: LiveKiosk, browser: Browser, width: int, height: int
) -> None:
    context = new_context(browser, width, height)
    page = context.new_page()
    page.goto(live.url + "/")
    buttons = page.evaluate(LANGUAGE_BUTTONS)
    assert [button["code"] for button in buttons] == list(KNOWN_LANGUAGES)
    for button in buttons:
        language = KNOWN_LANGUAGES[button["code"]]
        assert (button["lang"], button["dir"]) == (language.tag, language.direction)
        assert button["width"] >= 120 and button["height"] >= 56, button  # big targets
        assert button["bottom"] <= height and not button["overflows"], button
    # Choosing a language and starting need no scrolling.
    start_button = page.locator("form[action='/start'] button").bounding_box()
    assert start_button is not None and start_button["y"] + start_button["height"] <= height
    context.close()


def test_the_speaker_button_plays_the_screen(live: LiveKiosk, page: Page) -> None:
    screen = Screen(page, live.url)
    start(screen, "fr")
    button = page.locator(".topbar-speak .speak-button")
    with page.expect_response("**/speech") as answer:
        screen.tap(".topbar-speak .speak-button")
    assert answer.value.status == 200
    assert answer.value.headers["content-type"] == "audio/wav"
    # Once the sound has started (or failed, which shows the note and unpresses it):
    expect(button).not_to_have_attribute("aria-busy", "true")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#speak-failed")).to_be_hidden()
    # What was sent: the question and its choices, not the buttons' own words.
    sent = answer.value.request.post_data_json["segments"]
    assert "Que voulez-vous faire ?" in sent
    assert "Renouveler ma carte de séjour" in sent
    assert "Écouter" not in sent
    screen.tap(".topbar-speak .speak-button")  # a second touch stops it
    expect(button).to_have_attribute("aria-pressed", "false")


def test_a_question_is_read_in_arabic_without_its_french_gloss(live: LiveKiosk, page: Page) -> None:
    screen = Screen(page, live.url)
    start(screen, "ar")
    screen.open("/proposal/etudiant_renouvellement")
    screen.tap_and_wait("form[action='/choose'] button")
    screen.tap("#f-pin")
    screen.type("1234")
    screen.tap_and_wait("form[action='/code'] button[type=submit]")
    give_answers(live, student_answers((dt.date.today() + dt.timedelta(days=90)).isoformat()))
    screen.open("/q/etat_civil_sexe")
    segments = page.evaluate("GuichetReadAloud.segmentsOf(document.getElementById('f-sexe-group'))")
    assert len(segments) >= 3  # the question and its choices
    assert all("Écouter" not in one and "استمع" not in one for one in segments)
    with page.expect_response("**/speech") as answer:
        screen.tap("#f-sexe-group .speak-button")
    assert answer.value.status == 200


def test_without_a_voice_the_button_says_to_ask_the_mediator(live: LiveKiosk, page: Page) -> None:
    screen = Screen(page, live.url)
    screen.open("/")
    screen.tap_and_wait("button[name=lang][value=ps]")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    screen.tap(".topbar-speak .speak-button")
    expect(page.locator("#speak-unavailable")).to_be_visible()
    assert not any(url.endswith("/speech") for url in requests)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_glossary_word_is_explained_over_the_screen(
    live: LiveKiosk, page: Page, language: str
) -> None:
    screen = Screen(page, live.url)
    screen.open("/")
    if language != "fr":
        screen.tap_and_wait(f"button[name=lang][value={language}]")
    before = screen.path()
    screen.tap("#glossary-link-titre_sejour")
    dialog = page.locator("#glossary-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".glossary-explanation")).to_be_visible()
    assert screen.path() == before  # the screen is still there, under the explanation
    direction = dialog.evaluate("(d) => getComputedStyle(d).direction")
    assert direction == ("rtl" if language == "ar" else "ltr")
    screen.tap("#glossary-dialog-close")
    expect(dialog).to_be_hidden()
    assert screen.path() == before
