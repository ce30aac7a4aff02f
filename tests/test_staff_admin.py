"""The admin screens: accounts, settings kept in guichet.toml, the audit log; headers everywhere."""

from __future__ import annotations

import html
import tomllib
from pathlib import Path

import pytest
from flask import Flask

from kiosk import create_app, db
from kiosk.config import INSTANCE_FILE
from tests.conftest import Kiosk
from tests.staff_helpers import ADMIN_PIN, PASSWORD, add_staff, audit_actions, login, unlock

ANEF = "https://administration-etrangers-en-france.interieur.gouv.fr/"


def text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


@pytest.fixture
def admin(kiosk: Kiosk, app: Flask) -> Kiosk:
    """An administrator signed in with the password."""
    add_staff(app, "admin", "admin", ADMIN_PIN, "Alex Admin")
    assert login(kiosk).location == "/staff"
    return kiosk


def test_admin_screens_ask_for_the_password_not_only_the_pin(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app, "admin", "admin", ADMIN_PIN, "Alex Admin")
    add_staff(app)
    unlock(kiosk, "admin", ADMIN_PIN)
    response = kiosk.get("/staff/accounts")
    assert response.location == "/staff/login?next=/staff/accounts&username=admin"
    kiosk.get(response.location)
    assert (
        kiosk.post(
            "/staff/login", {"username": "admin", "password": PASSWORD, "next": "/staff/accounts"}
        ).location
        == "/staff/accounts"
    )
    assert "Camille Martin" in text(kiosk.get("/staff/accounts"))
    # A mediator does not reach them at all.
    mediator = Kiosk(app.test_client())
    login(mediator, "cmartin")
    assert mediator.get("/staff/settings").location == "/staff"
    assert 'href="/staff/settings"' not in text(mediator.get("/staff"))


def test_wrong_passwords_lock_the_account_on_screen(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app, "admin", "admin", ADMIN_PIN, "Alex Admin")
    statuses = [login(kiosk, password=f"pas le bon {n}").status_code for n in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    assert login(kiosk).status_code == 429
    assert "lockout" in audit_actions(app)


def test_create_reset_and_disable_an_account(admin: Kiosk, app: Flask) -> None:
    form = {"username": "Amina", "display_name": "Amina B.", "role": "mediator"}
    refused = admin.post("/staff/accounts/new", {**form, "password": "court"})
    assert refused.status_code == 400 and "au moins 12 caractères" in text(refused)
    assert 'value="Amina B."' in text(refused)  # what was typed stays
    created = admin.post("/staff/accounts/new", {**form, "password": PASSWORD, "pin": "963852"})
    assert created.location == "/staff/accounts"
    other = Kiosk(app.test_client())
    assert "Amina B." in text(other.get("/staff/unlock"))
    refused = admin.post("/staff/accounts/amina/reset", {"pin": "111111"})
    assert refused.status_code == 400 and "se devine trop facilement" in text(refused)
    assert admin.post("/staff/accounts/amina/reset", {"pin": "852741"}).status_code == 302
    assert admin.post("/staff/accounts/amina/disable").location == "/staff/accounts"
    assert "Désactivé" in text(admin.get("/staff/accounts"))
    assert unlock(other, "amina", "852741").status_code == 400  # not listed any more
    # The last administrator cannot disable themselves.
    assert admin.post("/staff/accounts/admin/disable").status_code == 400
    assert audit_actions(app) == ["unlock", "staff_add", "staff_reset", "staff_disable"]


def test_settings_are_checked_saved_atomically_and_survive_a_restart(
    admin: Kiosk, app: Flask
) -> None:
    instance = Path(app.instance_path)
    (instance / INSTANCE_FILE).write_text("# kept by hand\nidle_seconds = 240\n", encoding="utf-8")
    page = text(admin.get("/staff/settings"))
    assert 'data-keyboard="url"' in page and 'data-keyboard="digits"' in page
    form = {
        "RESUME_DAYS": "14",
        "UNSAVED_RESUME_HOURS": "24",
        "DOCUMENT_MAX_BYTES": "3000000",
        "PRINTER_QUEUE": "accueil-2",
        "ANEF_URL": ANEF,
        "LANGUAGES": ["fr", "ar"],
    }
    refused = admin.post(
        "/staff/settings",
        {**form, "RESUME_DAYS": "0", "ANEF_URL": "https://evil.example/", "LANGUAGES": ["ar"]},
    )
    assert refused.status_code == 400
    page = text(refused)
    assert "Tapez un nombre entre 1 et 365." in page
    assert "Cette adresse n'est pas permise" in page
    assert "La langue de l'accueil doit rester proposée." in page
    assert app.config["RESUME_DAYS"] == 30  # nothing saved
    assert admin.post("/staff/settings", form).location == "/staff/settings"
    saved = (instance / INSTANCE_FILE).read_text(encoding="utf-8")
    assert saved.startswith("# kept by hand\nidle_seconds = 240\n")  # comments and lines kept
    assert tomllib.loads(saved) == {
        "idle_seconds": 240,
        "resume_days": 14,
        "document_max_bytes": 3000000,
        "printer_queue": "accueil-2",
        "languages": ["fr", "ar"],
    }
    assert app.config["RESUME_DAYS"] == 14 and app.config["LANGUAGES"] == ["fr", "ar"]
    assert "English" not in text(admin.get("/"))  # applied at once
    assert not [p for p in instance.iterdir() if p.name.startswith(".guichet-")]
    restarted = create_app({"TESTING": True}, instance_path=instance)
    try:
        assert restarted.config["PRINTER_QUEUE"] == "accueil-2"
        assert restarted.config["DOCUMENT_MAX_BYTES"] == 3_000_000
    finally:
        restarted.extensions["guichet.camera"].stop()
        db.get_engine(restarted).dispose()
    assert audit_actions(app)[-1] == "settings_change"


def test_a_setting_from_the_environment_wins_and_is_not_editable(
    admin: Kiosk, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUICHET_PRINTER_QUEUE", "from-env")
    app.config["PRINTER_QUEUE"] = "from-env"
    page = text(admin.get("/staff/settings"))
    assert "GUICHET_PRINTER_QUEUE" in page and 'name="PRINTER_QUEUE"' not in page
    form = {
        "RESUME_DAYS": "30",
        "UNSAVED_RESUME_HOURS": "24",
        "DOCUMENT_MAX_BYTES": "2000000",
        "PRINTER_QUEUE": "typed-anyway",
        "ANEF_URL": ANEF,
        "LANGUAGES": list(app.config["LANGUAGES"]),  # unchanged: the default languages
    }
    admin.post("/staff/settings", form)
    assert app.config["PRINTER_QUEUE"] == "from-env"
    assert not (Path(app.instance_path) / INSTANCE_FILE).exists()  # nothing changed


def test_the_audit_screen_verifies_the_chain(admin: Kiosk, app: Flask) -> None:
    page = text(admin.get("/staff/audit"))
    assert 'data-intact="1"' in page and "1 action vérifiée" in page
    assert "<code>unlock</code>" in page


STAFF_PAGES = (
    "/staff",
    "/staff/today",
    "/staff/statistics",
    "/staff/statistics?period=7",
    "/staff/statistics.csv",
    "/staff/accounts",
    "/staff/accounts/new",
    "/staff/accounts/admin",
    "/staff/settings",
    "/staff/audit",
    "/staff/unlock",
    "/staff/login",
)


def test_every_staff_screen_gets_the_security_headers(admin: Kiosk, app: Flask) -> None:
    for path in STAFF_PAGES:
        response = admin.get(path)
        assert response.status_code in (200, 302), path
        csp = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp and "script-src 'self' 'nonce-" in csp, path
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Referrer-Policy") == "no-referrer", path
        assert response.headers.get("Cache-Control") == "no-store", path
    # Every form on them carries a CSRF token: a POST without one is refused.
    assert app.test_client().post("/staff/login", data={"username": "admin"}).status_code == 400
