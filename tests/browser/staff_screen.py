"""What a mediator does with their hands at the kiosk: hold the logo, tap a name, type the PIN."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.screen import Screen
from tests.staff_helpers import PASSWORD


def hold_logo(screen: Screen, seconds: float) -> None:
    """Press the logo with a finger for `seconds` (real touch events, through Chromium's CDP)."""
    page = screen.page
    box = page.locator(".brand").bounding_box()
    assert box is not None
    point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
        page.wait_for_timeout(seconds * 1000)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        cdp.detach()
    screen.taps += 1


def unlock_by_gesture(screen: Screen, name: str, pin: str) -> None:
    """Hold the logo 3 seconds, tap one's name, type the PIN on the digit keyboard."""
    with screen.page.expect_navigation():
        hold_logo(screen, 3.4)
    assert screen.path().startswith("/staff/unlock"), screen.path()
    expect(screen.page.locator("#staff-unlock-form")).to_be_visible()
    type_pin(screen, name, pin)


def type_pin(screen: Screen, name: str, pin: str) -> None:
    """On the unlock screen: tap one's name, then the PIN on the on-screen digit keyboard."""
    screen.tap(f"label:has-text('{name}')")
    screen.tap("#f-pin")
    expect(screen.page.locator("#osk")).to_have_attribute("data-layout", "digits")
    screen.type(pin)
    screen.tap("#osk [data-key='{done}']")
    screen.tap_and_wait("#staff-unlock-submit")


def sign_in(screen: Screen, username: str, password: str = PASSWORD) -> None:
    """On the sign-in screen: username and password, typed on the on-screen keyboard."""
    screen.fill("f-username", username)
    screen.fill("f-password", password)
    screen.tap_and_wait("#staff-login-submit")
