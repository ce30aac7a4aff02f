"""Drive the kiosk screens by tapping only, as an applicant on a touch screen would."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import Page, expect

SHIFTED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZÉÈÊËÀÂÇÙÛÔÎÏŒ")


class Screen:
    """A touch screen in front of the kiosk, counting taps and screens."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.taps = 0
        self.key_taps = 0
        self.screens: list[str] = []
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame: object) -> None:
        if frame == self.page.main_frame:
            self.screens.append(self.page.url.removeprefix(self.base_url))

    # --- basics -----------------------------------------------------------

    def open(self, path: str = "/") -> None:
        self.page.goto(self.base_url + path)

    def tap(self, selector: str) -> None:
        self.page.locator(selector).first.tap()
        self.taps += 1
        if selector.startswith("#osk"):
            self.key_taps += 1

    def tap_and_wait(self, selector: str) -> None:
        """Tap something that loads another page, and wait until it is there."""
        with self.page.expect_navigation():
            self.tap(selector)

    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def expect_path(self, path: str) -> None:
        expect(self.page).to_have_url(re.compile(re.escape(self.base_url + path) + r"$"))

    def direction(self) -> str:
        return str(self.page.evaluate("getComputedStyle(document.documentElement).direction"))

    def continue_(self) -> None:
        self.tap_and_wait("form.question-form button[type=submit]")

    # --- the on-screen keyboard ---------------------------------------------

    def type(self, text: str) -> None:
        """Type on the on-screen keyboard, tapping shift for capitals."""
        keyboard = self.page.locator("#osk")
        expect(keyboard).to_be_visible()
        for char in text:
            if char == " ":
                self.tap("#osk [data-key='{space}']")
                continue
            key = keyboard.locator(f"[data-key='{char}']")
            if key.count() == 0 and char in SHIFTED:
                self.tap("#osk [data-key='{shift}']")
            self.tap(f"#osk [data-key='{char}']")

    def fill(self, input_id: str, text: str) -> None:
        """Tap a text field, clear it with the delete key, type, close the keyboard."""
        self.tap(f"#{input_id}")
        current = self.page.locator(f"#{input_id}").input_value()
        for _ in current:
            self.tap("#osk [data-key='{bksp}']")
        self.type(text)
        self.tap("#osk [data-key='{done}']")

    # --- pickers ------------------------------------------------------------

    def choose(self, field_id: str, value: str) -> None:
        """Tap a radio answer: its whole label is the target."""
        radio = self.page.locator(f"input[name='{field_id}'][value='{value}']")
        self.tap(f"label[for='{radio.get_attribute('id')}']")
        expect(radio).to_be_checked()

    def pick_date(self, field_id: str, day: dt.date) -> None:
        """Tap day, month, then decade and year in the date picker."""
        group = self.page.locator(f"#f-{field_id}-group")
        if self.page.locator(f"#f-{field_id}-day").get_attribute("aria-expanded") != "true":
            self.tap(f"#f-{field_id}-day")
        group.locator(f".picker-panel [data-value='{day.day}']").tap()
        self.taps += 1
        group.locator(f".picker-panel [data-value='{day.month}']").tap()
        self.taps += 1
        decade = group.locator(f".picker-panel [data-decade='{day.year // 10 * 10}']")
        if decade.count():  # long year ranges are split into decades
            decade.tap()
            self.taps += 1
        group.locator(f".picker-panel [data-value='{day.year}']").tap()
        self.taps += 1
        expect(group.locator("select[data-part='year']")).to_have_value(str(day.year))

    def pick_country(self, field_id: str, typed: str, code: str) -> None:
        """Type the start of a country's name, then tap it in the list."""
        self.tap(f"#f-{field_id}")
        self.type(typed)
        self.tap(f"#f-{field_id}-group .country-list [data-value='{code}']")
        expect(self.page.locator(f"#f-{field_id}-native")).to_have_value(code)
