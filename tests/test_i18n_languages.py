"""Twelve languages: tags, names, directions, screens, and how far each is trusted.

The admin screen shows each translation's status as its catalog states it, and
never presents a translation as reviewed when the catalog does not say so.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel import Locale
from flask import Flask

from kiosk import create_app, db
from kiosk.config import SETTINGS
from kiosk.i18n import KNOWN_LANGUAGES, NEXT_LANGUAGES, REVIEWED, catalog_status
from tests.conftest import Kiosk
from tests.staff_helpers import ADMIN_PIN, add_staff, login
from tests.test_screens import STUDENT

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
TWELVE = ["fr", "en", "ar", "zh_Hans", "fa_AF", "ps", "uk", "ru", "tr", "es", "pt", "bn"]
HEADER = """# {name} translations for Guichet.
# Copyright (C) 2026 Guichet contributors
{status}#
msgid ""
msgstr ""
"Language: {code}\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Bienvenue"
msgstr "{welcome}"

msgid "Oui"
msgstr ""
"""


def test_the_twelve_languages_with_their_tag_name_and_direction() -> None:
    assert list(KNOWN_LANGUAGES) == TWELVE
    rtl = {code for code, language in KNOWN_LANGUAGES.items() if language.direction == "rtl"}
    assert rtl == {"ar", "fa_AF", "ps"}
    assert KNOWN_LANGUAGES["fa_AF"].tag == "fa-AF" and KNOWN_LANGUAGES["zh_Hans"].tag == "zh-Hans"
    for code, language in KNOWN_LANGUAGES.items():
        # The tag and the catalog name describe the same language, in the same direction.
        assert Locale.parse(language.tag, sep="-") == Locale.parse(code)
        assert Locale.parse(code).text_direction == language.direction
    assert len({language.endonym for language in KNOWN_LANGUAGES.values()}) == 12


def test_the_next_in_line_are_known_but_never_offered(tmp_path: Path) -> None:
    assert set(NEXT_LANGUAGES) == {"ta", "ur", "ff"}
    assert NEXT_LANGUAGES["ur"].direction == "rtl"
    assert not set(NEXT_LANGUAGES) & set(KNOWN_LANGUAGES)
    with pytest.raises(ValueError, match="no catalog for ur"):
        create_app({"LANGUAGES": ["fr", "ur"]}, instance_path=tmp_path)


def test_every_language_is_offered_by_default_french_english_arabic_first() -> None:
    default = next(setting.default for setting in SETTINGS if setting.name == "LANGUAGES")
    assert default == TWELVE


def test_the_welcome_screen_names_each_language_in_itself(kiosk: Kiosk) -> None:
    page = kiosk.get("/").get_data(as_text=True)
    buttons = re.findall(
        r'<button type="submit" name="lang" value="([^"]+)" lang="([^"]+)" dir="([^"]+)"'
        r"[^>]*>([^<]+)</button>",
        page,
    )
    assert [code for code, *_rest in buttons] == TWELVE
    for code, tag, direction, name in buttons:
        language = KNOWN_LANGUAGES[code]
        assert (tag, direction, html.unescape(name)) == (
            language.tag,
            language.direction,
            language.endonym,
        )
    assert kiosk.post("/language", {"lang": "ur", "next": "/"}).status_code == 400


def test_the_browser_is_told_the_language_in_a_cookie_of_its_own(kiosk: Kiosk) -> None:
    # Read only when the session cannot be (a failing disk: test_storage_errors.py).
    first = kiosk.get("/").headers.getlist("Set-Cookie")
    assert not [c for c in first if "guichet-lang=" in c]
    changed = kiosk.post("/language", {"lang": "ar", "next": "/"})
    told = [c for c in changed.headers.getlist("Set-Cookie") if "guichet-lang=" in c]
    assert len(told) == 1
    attributes = {part.strip().lower() for part in told[0].split(";")}
    assert attributes >= {"__host-guichet-lang=ar", "secure", "httponly", "path=/"}
    assert "samesite=strict" in attributes
    # Told once: the next pages do not repeat it.
    again = kiosk.get("/").headers.getlist("Set-Cookie")
    assert not [c for c in again if "guichet-lang=" in c]


@pytest.mark.parametrize("code", TWELVE)
def test_every_language_draws_the_screens_in_its_direction(kiosk: Kiosk, code: str) -> None:
    language = KNOWN_LANGUAGES[code]
    opening = f'<html lang="{language.tag}" dir="{language.direction}">'
    kiosk.start(code)
    kiosk.choose(STUDENT)
    # A date (month names), a country list (country names): the language's own data.
    for path in ("/q/titre_expiration", "/q/etat_civil_nationalite", "/documents", "/glossary"):
        response = kiosk.get(path)
        assert response.status_code in (200, 302), (path, response.status_code)
        if response.status_code == 200:
            assert opening in response.get_data(as_text=True), path


# --- how far each translation is trusted -----------------------------------------------


def write_catalog(folder: Path, code: str, status: str | None) -> None:
    line = f"# Translation-Status: {status}\n" if status is not None else ""
    target = folder / code / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    text = HEADER.format(name=code, status=line, code=code, welcome="Welcome")
    (target / "messages.po").write_text(text, encoding="utf-8")


def test_a_catalog_says_how_far_it_is_trusted(tmp_path: Path) -> None:
    write_catalog(tmp_path, "en", "machine-assisted, not yet reviewed by a native speaker")
    write_catalog(tmp_path, "ar", f"{REVIEWED} (Amina B., 2026-11-20)")
    write_catalog(tmp_path, "uk", None)
    write_catalog(tmp_path, "ru", "")
    english = catalog_status("en", tmp_path)
    assert english.declared == "machine-assisted, not yet reviewed by a native speaker"
    assert not english.reviewed
    assert (english.translated, english.total) == (1, 2)
    assert catalog_status("ar", tmp_path).reviewed
    for silent in ("uk", "ru", "tr"):  # no line, an empty one, no catalog at all
        status = catalog_status(silent, tmp_path)
        assert status.declared is None and not status.reviewed, silent
    french = catalog_status("fr", tmp_path)
    assert french.source and french.reviewed


def test_a_status_further_down_the_file_does_not_count(tmp_path: Path) -> None:
    write_catalog(tmp_path, "tr", None)
    path = tmp_path / "tr" / "LC_MESSAGES" / "messages.po"
    path.write_text(
        path.read_text(encoding="utf-8") + f"\n# Translation-Status: {REVIEWED}\n"
        'msgid "Non"\nmsgstr "Hayır"\n',
        encoding="utf-8",
    )
    assert catalog_status("tr", tmp_path).declared is None


def test_the_shipped_catalogs_are_not_presented_as_reviewed() -> None:
    for code in ("en", "ar"):
        status = catalog_status(code, TRANSLATIONS)
        assert status.declared and status.declared.startswith("machine-assisted")
        assert not status.reviewed


@pytest.fixture
def admin_app(tmp_path: Path) -> Iterator[Flask]:
    """A kiosk whose Ukrainian catalog says nothing of its status."""
    translations = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, translations)
    ukrainian = translations / "uk" / "LC_MESSAGES" / "messages.po"
    ukrainian.write_text(
        re.sub(r"^# Translation-Status:.*\n", "", ukrainian.read_text("utf-8"), flags=re.M),
        encoding="utf-8",
    )
    app = create_app(
        {"TESTING": True, "TRANSLATIONS_DIR": str(translations)},
        instance_path=tmp_path / "instance",
    )
    db.upgrade(db.get_engine(app))
    yield app
    app.extensions["guichet.camera"].stop()
    db.get_engine(app).dispose()


def test_the_admin_screen_shows_each_language_status(admin_app: Flask) -> None:
    add_staff(admin_app, "admin", "admin", ADMIN_PIN, "Alex Admin")
    kiosk = Kiosk(admin_app.test_client())
    assert login(kiosk).location == "/staff"
    page = html.unescape(kiosk.get("/staff/settings").get_data(as_text=True))
    statuses = dict(
        re.findall(
            r'<span class="language-status" id="status-(\w+)"[^>]*>(.*?)</span>\s*</label>',
            page,
            re.S,
        )
    )
    assert set(statuses) == set(TWELVE)
    assert "Langue source" in statuses["fr"]
    assert "État inconnu, traduction non relue" in statuses["uk"]
    for code in ("en", "ar"):
        assert "machine-assisted, not yet reviewed by a native speaker" in statuses[code]
        assert "non relue" in statuses[code]
    assert re.search(r"\d+ messages traduits sur \d+", statuses["en"])
    # Nothing but French says it is reviewed.
    reviewed = re.findall(r'id="status-(\w+)" data-reviewed="yes"', page)
    assert reviewed == ["fr"]
    # The next in line are named, and cannot be chosen.
    assert "اردو" in page and 'value="ur"' not in page
