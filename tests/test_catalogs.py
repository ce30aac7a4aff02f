"""Gettext catalogs: complete, faithful placeholders, honest status, in sync with the sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from kiosk.i18n import KNOWN_LANGUAGES

ROOT = Path(__file__).parent.parent
TRANSLATIONS = ROOT / "translations"
CATALOGS = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
#: Every language offered has one (the first test): these are the shipped catalogs.
SHIPPED = sorted(
    path
    for code in KNOWN_LANGUAGES
    if (path := TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").exists()
)
#: A conversion as Python's % operator reads it: %(name)s, %d, %-5.2f, %%.
CONVERSION = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<type>[diouxXeEfFgGcrsa%])"
)
#: The number ngettext fills in: a plural form may say it in words ("صفحتان").
COUNT = "num"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "NP_": (1, 2),
    "_l": None,
}


def conversions(text: str) -> tuple[list[str], list[str]]:
    """The named conversions ("name:type", sorted) and the positional ones (in order)."""
    named, positional = [], []
    for match in CONVERSION.finditer(text):
        if match["type"] == "%":
            continue
        if match["name"] is None:
            positional.append(match["type"])
        else:
            named.append(f"{match['name']}:{match['type']}")
    return sorted(named), positional


def stray_percent(text: str) -> bool:
    """A % that is not a conversion: Jinja formats every translated string, it would break."""
    return "%" in CONVERSION.sub("", text)


def test_every_known_language_but_french_has_a_catalog() -> None:
    shipped = {path.parent.parent.name for path in CATALOGS}
    assert shipped == set(KNOWN_LANGUAGES) - {"fr"}


def plural_problems(ids: tuple[str, ...], strings: tuple[str, ...], expected: int) -> list[str]:
    """Each form keeps the plural source's conversions (the count may be said in words)."""
    problems = []
    if len(strings) != expected:
        problems.append(f"{len(strings)} plural forms, not {expected}: {ids[0]!r}")
    named, positional = conversions(ids[1])
    for form in strings:
        form_named, form_positional = conversions(form)
        without_count = [one for one in named if not one.startswith(f"{COUNT}:")]
        if form_positional != positional or form_named not in (named, without_count):
            problems.append(f"placeholders differ: {ids[1]!r} -> {form!r}")
    return problems


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.parent.name)
def test_catalog_is_complete_and_faithful(path: Path) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    if catalog.fuzzy:
        problems.append("the header is fuzzy: pybabel compile would leave the whole catalog out")
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
            if conversions(strings[0]) != conversions(ids[0]):
                problems.append(f"placeholders differ: {ids[0]!r} -> {strings[0]!r}")
        else:
            problems += plural_problems(ids, strings, catalog.num_plurals)
        problems += [f"stray % in translation of {ids[0]!r}" for f in strings if stray_percent(f)]
    assert problems == [], f"{len(problems)} problems: {problems[:20]}"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.parent.name)
def test_catalog_has_the_languages_plural_forms(path: Path) -> None:
    """The Plural-Forms header is the language's (CLDR, as Babel knows it)."""
    code = path.parent.parent.name
    with path.open("rb") as handle:
        catalog = read_po(handle)
    assert str(catalog.locale) == code
    assert catalog.num_plurals == get_plural(code).num_plurals


def test_the_placeholder_check_sees_every_kind() -> None:
    assert conversions("%(num)d pages, %(name)s, %.1f %% de %s") == (
        ["name:s", "num:d"],
        ["f", "s"],
    )
    assert conversions("%s puis %d") != conversions("%d puis %s")  # order counts
    assert stray_percent("50 %") and not stray_percent("50 %%")
    assert plural_problems(("%(num)d page", "%(num)d pages"), ("صفحة", "%(num)d صفحات"), 2) == []
    assert plural_problems(("%(num)d page", "%(num)d pages"), ("%(n)d",), 2) != []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.parent.name)
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
