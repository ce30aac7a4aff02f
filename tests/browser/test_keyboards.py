"""The on-screen keyboard in the applicant's own script: a country found by typing its name.

For every language with a native layout (kiosk/static/js/keyboard-layouts.js),
the applicant taps the country field, types the first letters of Morocco's
name as the Unicode CLDR writes it in their language (the names the kiosk
lists), and taps it in the list. Each letter must be a key of the layout.
"""

from __future__ import annotations

import pytest
from babel import Locale
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveKiosk
from tests.browser.test_languages import ANSWERS, Tour, give_answers

pytestmark = pytest.mark.browser

#: Catalog codes whose script has its own layout (fa_AF's tag "fa-AF" selects layout "fa").
NATIVE = ["ar", "fa_AF", "ps", "uk", "ru", "bn"]


@pytest.mark.parametrize("code", NATIVE)
def test_a_country_is_found_by_its_name_in_the_applicants_script(
    live: LiveKiosk, page: Page, code: str
) -> None:
    tour = Tour(page, live, code)
    tour.choose_language()
    tour.tap("form[action='/start'] button")
    tour.set_pin()
    give_answers(live, ANSWERS)
    tour.open("/q/etat_civil_naissance_lieu")
    name = Locale.parse(code).territories["MA"]
    typed = name.lower()[:3]
    screen = tour.screen
    screen.tap("#f-pays_naissance")
    keyboard = page.locator("#osk")
    expect(keyboard).to_be_visible()
    layout = keyboard.get_attribute("data-layout")
    assert layout == code.split("_")[0], f"{code}: the {layout} keyboard opened"
    assert keyboard.get_attribute("class") and (
        ("osk-rtl" in str(keyboard.get_attribute("class"))) == (code in ("ar", "fa_AF", "ps"))
    )
    screen.type(typed)
    screen.tap("#f-pays_naissance-group .country-list [data-value='MA']")
    expect(page.locator("#f-pays_naissance-native")).to_have_value("MA")
