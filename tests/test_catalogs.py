"""Gettext catalogs: complete, faithful placeholders, honest status, in sync with the sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from kiosk.i18n import KNOWN_LANGUAGES

ROOT = Path(__file__).parent.parent
TRANSLATIONS = ROOT / "translations"
CATALOGS = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "NP_": (1, 2),
    "_l": None,
}


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_every_known_language_but_french_has_a_catalog() -> None:
    shipped = {path.parent.parent.name for path in CATALOGS}
    assert shipped == set(KNOWN_LANGUAGES) - {"fr"}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_catalog_is_complete_and_faithful(path: Path) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        if len(ids) == 1:
            if placeholders(strings[0]) != placeholders(ids[0]):
                problems.append(f"placeholders differ: {ids[0]!r} -> {strings[0]!r}")
        else:
            allowed = set(placeholders(ids[1]))
            for form in strings:
                if not set(placeholders(form)) <= allowed:
                    problems.append(f"unknown placeholder in a plural form of {ids[0]!r}")
        for form in strings:
            # Jinja formats every translated string: a lone % would break it.
            if "%" in PLACEHOLDER.sub("", form).replace("%%", ""):
                problems.append(f"stray % in translation of {ids[0]!r}")
    assert problems == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_catalog_states_its_review_status(path: Path) -> None:
    header = path.read_text(encoding="utf-8").split('msgid ""', 1)[0]
    match = re.search(r"^# Translation-Status: (.+)$", header, re.MULTILINE)
    assert match, f"{path}: no '# Translation-Status:' line in the header"
    status = match.group(1)
    assert status.startswith(("machine-assisted", "reviewed by a native speaker")), status


def source_messages() -> set[str]:
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_catalogs_hold_exactly_the_messages_of_the_sources() -> None:
    in_sources = source_messages()
    assert len(in_sources) > 300
    for path in [TRANSLATIONS / "messages.pot", *CATALOGS]:
        with path.open("rb") as handle:
            in_catalog = {
                m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id
            }
        missing = sorted(in_sources - in_catalog)
        stale = sorted(in_catalog - in_sources)
        assert not missing, f"{path}: run `make update-catalogs`; missing {missing[:5]}"
        assert not stale, f"{path}: run `make update-catalogs`; stale {stale[:5]}"


def test_screens_are_translated(client: FlaskClient) -> None:
    client.get("/")
    page = client.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token
    client.post("/language", data={"lang": "ar", "next": "/", "csrf_token": token.group(1)})
    arabic = client.get("/").get_data(as_text=True)
    assert "Bienvenue" not in arabic
    assert re.search("[\u0600-\u06ff]{4,}", arabic)
