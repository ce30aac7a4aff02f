"""The staff panel through the Flask client: unlock, lockout, re-authentication, take-over."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

from babel.support import Translations
from flask import Flask
from sqlalchemy import select

from kiosk.db import session_scope
from kiosk.models import AuditEvent, DocumentPage
from tests.conftest import Kiosk
from tests.staff_helpers import (
    MEDIATOR_PIN,
    add_page_with_warning,
    add_staff,
    audit_actions,
    the_applicant,
    unlock,
)

STUDENT = "etudiant_renouvellement"
TRANSLATIONS = Path(__file__).parent.parent / "translations"
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def test_the_unlock_screen_names_the_mediators_and_a_pin_unlocks(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app)
    add_staff(app, "nopin", pin=None, name="Sans Code")
    page = text(kiosk.get("/staff/unlock"))
    assert "Camille Martin" in page and "Sans Code" not in page
    assert 'data-keyboard="digits"' in page and 'type="password"' in page
    cookie_before = kiosk.client.get_cookie("__Host-guichet")
    response = unlock(kiosk)
    assert response.status_code == 302 and response.location == "/staff"
    panel = text(kiosk.get("/staff"))
    assert "Camille Martin" in panel and 'id="staff-banner"' in panel
    # A new session token on unlock (ASVS 7.2.4).
    cookie_after = kiosk.client.get_cookie("__Host-guichet")
    assert cookie_before is not None and cookie_after is not None
    assert cookie_after.value != cookie_before.value
    assert audit_actions(app) == ["unlock"]


def test_brute_force_on_a_pin_is_stopped_at_5_on_screen(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app, "cmartin")
    add_staff(app, "amina", pin="369258", name="Amina")
    responses = [unlock(kiosk, pin=f"00000{n}") for n in range(5)]
    assert [response.status_code for response in responses] == [400, 400, 400, 400, 429]
    assert "Encore 1 essai avant le blocage" in text(responses[3])
    refused = unlock(kiosk, pin=MEDIATOR_PIN)
    assert refused.status_code == 429 and "bloqué pendant 15 minutes" in text(refused)
    assert kiosk.get("/staff").status_code == 302  # still locked
    assert unlock(kiosk, "amina", "369258").status_code == 302  # another account is not blocked
    assert audit_actions(app) == ["lockout", "unlock"]


def test_staff_screens_need_the_unlock(kiosk: Kiosk, app: Flask) -> None:
    kiosk.get("/")
    for path in ("/staff", "/staff/today", "/staff/statistics", "/staff/statistics.csv"):
        response = kiosk.get(path)
        assert response.status_code == 302, path
        assert response.location.startswith("/staff/unlock?next="), path
    for path in ("/staff/take-over", "/staff/bilingual", "/staff/lock"):
        assert kiosk.post(path).location.startswith("/staff/unlock"), path
    assert kiosk.client.post("/staff/unlock", data={"username": "x", "pin": "1"}).status_code == 400


def test_the_panel_locks_after_inactivity_and_pings_do_not_keep_it_open(
    kiosk: Kiosk, app: Flask
) -> None:
    add_staff(app)
    kiosk.start()
    unlock(kiosk)
    app.config["STAFF_IDLE_SECONDS"] = 1
    assert kiosk.get("/staff").status_code == 200
    time.sleep(0.6)
    kiosk.post("/session/ping")  # the applicant touching the screen is not the mediator
    time.sleep(0.6)
    response = kiosk.get("/staff")
    assert response.location == "/staff/unlock?next=/staff&expired=1"
    assert "s'est verrouillé" in text(kiosk.follow(response))
    assert audit_actions(app) == ["unlock", "lock"]
    with session_scope(app) as db:
        lock = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert lock is not None and '"reason":"idle"' in lock.detail
    app.config["STAFF_IDLE_SECONDS"] = 300
    assert unlock(kiosk).status_code == 302


def test_an_unlock_ends_after_the_time_limit_whatever_happens(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app)
    unlock(kiosk)
    app.config["STAFF_SESSION_MINUTES"] = 0
    assert kiosk.get("/staff").status_code == 302


def test_take_over_shows_a_banner_and_hand_back_locks(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app)
    kiosk.start()
    kiosk.choose(STUDENT)
    assert 'id="staff-banner"' not in text(kiosk.get("/q/titre_expiration"))
    unlock(kiosk)
    response = kiosk.post("/staff/take-over", {"next": "/q/titre_expiration"})
    assert response.location == "/q/titre_expiration"
    page = text(kiosk.follow(response))
    assert "Camille Martin, médiateur, a la main sur cette demande." in page
    assert 'id="hand-back"' in page and 'id="bilingual-toggle"' not in page  # French: no gloss
    assert the_applicant(app).assisted
    response = kiosk.post("/staff/hand-back")
    assert response.location == "/continue"
    assert 'id="staff-banner"' not in text(kiosk.get("/q/titre_expiration"))
    assert kiosk.get("/staff").status_code == 302
    assert audit_actions(app) == ["unlock", "take_over", "hand_back", "lock"]
    with session_scope(app) as db:
        references = set(db.scalars(select(AuditEvent.session_reference)))
    assert references == {None, the_applicant(app).reference}


def test_only_a_mediator_in_control_sees_every_procedure(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app)
    kiosk.start()
    page = text(kiosk.get("/mediator"))
    assert 'name="procedure_id"' not in page
    assert 'href="/staff/unlock?next=/mediator&then=take_over"' in page
    unlock(kiosk, next="/mediator", then="take_over")
    page = text(kiosk.get("/mediator"))
    assert page.count('name="procedure_id"') == 8
    kiosk.post("/choose", {"procedure_id": STUDENT})
    assert audit_actions(app) == ["unlock", "take_over", "choose_procedure"]


def _arabic(message: str) -> str:
    translations = Translations.load(str(TRANSLATIONS), ["ar"])
    translated: str = translations.ugettext(message)
    assert translated != message, "the Arabic catalog must translate this message"
    return translated


def test_the_bilingual_view_puts_french_under_arabic(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app)
    kiosk.start("ar")
    unlock(kiosk)
    kiosk.post("/staff/take-over", {"next": "/find/demarche"})
    plain = text(kiosk.get("/find/demarche"))
    assert 'class="gloss"' not in plain and 'id="bilingual-toggle"' in plain
    response = kiosk.post("/staff/bilingual", {"on": "1", "next": "/find/demarche"})
    assert response.location == "/find/demarche"
    page = text(kiosk.follow(response))
    question = "Que voulez-vous faire ?"
    gloss = f'<span class="gloss" lang="fr" dir="ltr">{question}</span>'
    assert _arabic(question) + gloss in page
    assert '<html lang="ar" dir="rtl">' in page
    # Only where markup may go: attributes, the title and options keep the translation alone.
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None and "<span" not in title.group(1)
    for attribute in re.findall(r'(?:aria-label|data-label-\w+|alt)="([^"]*)"', page):
        assert "gloss" not in attribute and "<" not in attribute
    assert not PRIVATE_USE.search(page)
    kiosk.post("/staff/bilingual", {"on": "0", "next": "/find/demarche"})
    assert 'class="gloss"' not in text(kiosk.get("/find/demarche"))
    assert audit_actions(app)[-2:] == ["bilingual_on", "bilingual_off"]


def test_a_mediator_in_control_overrides_a_capture_warning_with_a_reason(
    kiosk: Kiosk, app: Flask
) -> None:
    add_staff(app)
    kiosk.start()
    kiosk.choose(STUDENT)
    page_id = add_page_with_warning(app)
    review = f"/scan/passeport/pages/{page_id}"
    page = text(kiosk.get(review))
    assert 'id="page-problems"' in page and 'id="override-form"' not in page
    unlock(kiosk)
    assert kiosk.post(f"/staff/override/passeport/{page_id}", {"reason": "x"}).status_code == 403
    kiosk.post("/staff/take-over", {"next": review})
    page = text(kiosk.get(review))
    assert page.count('name="reason"') == 4
    refused = kiosk.follow(kiosk.post(f"/staff/override/passeport/{page_id}", {"reason": "x"}))
    assert "Choisissez une raison dans la liste." in text(refused)
    response = kiosk.post(f"/staff/override/passeport/{page_id}", {"reason": "original_like_this"})
    assert response.location == review
    page = text(kiosk.follow(response))
    assert 'id="page-override"' in page and 'id="page-problems"' not in page
    assert "Le document original est ainsi" in page
    with session_scope(app) as db:
        stored = db.get(DocumentPage, page_id)
        assert stored is not None
        assert (stored.override_reason, stored.override_by) == ("original_like_this", "cmartin")
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "override")).one()
        assert event.detail == (
            '{"document":"passeport","problems":"glare","reason":"original_like_this"}'
        )
