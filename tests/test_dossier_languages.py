"""The summary and the receipt in every shipped language, read back from the PDF.

Each catalog in translations/ (every language of KNOWN_LANGUAGES but French)
is compiled as `make catalogs` does, the dossier is built by the real
`build_dossier`, and Poppler extracts and renders it. What must come out is
read from the catalog itself: the translated headings and sentences, whole
and in reading order (right-to-left ones not reversed, Arabic letters not
extracted as isolated presentation forms, Bengali syllables whole), next to
the French on the summary. A message not translated yet fails here with its
name; tests/test_catalogs.py lists every gap of a catalog.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from forms.display import load_translator
from forms.dossier import Dossier, PageImage, build_dossier
from forms.dossier import messages as m
from forms.dossier.layout import MARGIN
from forms.loader import load_procedures
from kiosk.i18n import KNOWN_LANGUAGES
from scanning.types import Mode
from tests.pdf_text import (
    POINTS_PER_MM,
    PRESENTATION_FORMS,
    ink,
    lines,
    reading_text,
    rendered_pages,
    squeezed,
)
from tests.samples import student_answers

TRANSLATIONS = Path(__file__).parent.parent / "translations"
SHIPPED = sorted(
    code
    for code in KNOWN_LANGUAGES
    if code != "fr" and (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").exists()
)
PROCEDURE = load_procedures()["etudiant_renouvellement"]
#: The letters of each script (a language not listed here is written in Latin).
LETTERS = {
    "arabic": "\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06fc\u0750-\u077f",
    "bengali": "\u0980-\u09ff",
    "han": "\u3400-\u4dbf\u4e00-\u9fff",
    "cyrillic": "\u0400-\u04ff",
    "latin": "A-Za-z\u00c0-\u024f",
}
SCRIPTS = {"ar": "arabic", "fa_AF": "arabic", "ps": "arabic", "ur": "arabic", "bn": "bengali"}
SCRIPTS |= {"zh_Hans": "han", "uk": "cyrillic", "ru": "cyrillic"}
#: Paragraphs and headings printed in the applicant's language.
SUMMARY_MESSAGES = (m.SUMMARY, m.NEXT, m.HELP, m.STAMP, m.STEP_KEEP, m.SUBSTITUTE)
RECEIPT_MESSAGES = (m.RECEIPT, m.DONE, m.ANSWERS_CHECKED, m.STILL_MISSING, m.RESUME_HOW)
PAGE_WIDTH = 595.28  # A4, points
LEFT_EDGE = (MARGIN + 1) * POINTS_PER_MM  # the margin and fpdf2's 1 mm cell padding
RIGHT_EDGE = PAGE_WIDTH - LEFT_EDGE

pytestmark = pytest.mark.skipif(not SHIPPED, reason="no catalog besides French")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every shipped catalog compiled from its .po now (fuzzy entries left out, as by pybabel)."""
    folder = tmp_path_factory.mktemp("translations")
    for code in SHIPPED:
        with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=code)
        target = folder / code / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)
    return folder


def catalog(code: str) -> Catalog:
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


def translated(code: str, messages: tuple[str, ...]) -> dict[str, str]:
    """The catalog's translation of each message; fails naming those not translated yet."""
    found = catalog(code)
    out, missing = {}, []
    for message in messages:
        entry = found.get(message)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(message)
        else:
            out[message] = str(entry.string)
    if missing:
        pytest.fail(
            f"{code}: the printed dossier needs {missing} translated; the catalog has no "
            "translation for them yet (tests/test_catalogs.py lists every gap)"
        )
    return out


def scanned_page() -> PageImage:
    """A plain page with a few lines of print, as the camera would have captured it."""
    page = np.full((1170, 827, 3), 235, np.uint8)
    for row in range(12):
        cv2.putText(page, "Lorem ipsum", (60, 120 + 80 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 30, 2)
    encoded, data = cv2.imencode(".jpg", page)
    assert encoded
    return PageImage(data.tobytes(), 0, 100.0, "A4", Mode.GREY)


_built: dict[str, tuple[Dossier, str]] = {}


def build(code: str, compiled: Path) -> tuple[Dossier, str]:
    """The dossier in a language (built once per language), and what was logged meanwhile."""
    if code not in _built:
        logger = logging.getLogger("forms.dossier")
        records: list[logging.LogRecord] = []
        handler = logging.Handler()
        handler.emit = records.append  # type: ignore[method-assign]
        logger.addHandler(handler)
        try:
            dossier = build_dossier(
                PROCEDURE,
                student_answers("2027-02-27"),
                {"passeport": [scanned_page(), scanned_page()]},
                load_translator(compiled, code),
                "GK7M2QX",
                2_000_000,
                "K7M2-QX4P",
                dt.date(2026, 11, 29),
            )
        finally:
            logger.removeHandler(handler)
        _built[code] = (dossier, "\n".join(record.getMessage() for record in records))
    return _built[code]


def pdf(dossier: Dossier, name: str) -> bytes:
    return next(f.data for f in dossier.files if f.name == name)


def strong_ltr(text: str) -> bool:
    return bool(re.search(f"[{LETTERS['latin']}0-9]", text))


def assert_reads_back(translation: str, extracted: str, code: str) -> None:
    """The translation is in the extracted text, in reading order.

    Right to left, Poppler puts a Latin word or a number where it sees it on
    the line, not where the sentence has it: such a sentence is checked word
    by word (each word of the script whole and not reversed).
    """
    rtl = KNOWN_LANGUAGES[code].direction == "rtl"
    if not rtl or not strong_ltr(translation):
        assert squeezed(translation) in squeezed(extracted), f"{code}: {translation!r} not found"
        return
    letters = LETTERS[SCRIPTS.get(code, "latin")]
    for word in re.findall(f"[{letters}\u064b-\u065f\u0670]{{2,}}", translation):
        assert word in extracted, f"{code}: {word!r} of {translation!r} not found"


def assert_printed(data: bytes, code: str) -> str:
    """The PDF renders, every page has print on it, its text is in the language's script."""
    for number, page in enumerate(rendered_pages(data), start=1):
        assert ink(page) > 0.002, f"{code}: page {number} is blank"
    text = reading_text(data)
    assert not PRESENTATION_FORMS.search(text), f"{code}: letters extracted as isolated forms"
    letters = re.findall(f"[{LETTERS[SCRIPTS.get(code, 'latin')]}]", text)
    assert len(letters) > 100, f"{code}: only {len(letters)} letters of its script"
    return text


@pytest.mark.parametrize("code", SHIPPED)
def test_summary_is_in_french_and_in_the_language(code: str, compiled: Path) -> None:
    wanted = translated(code, SUMMARY_MESSAGES)
    dossier, logged = build(code, compiled)
    data = pdf(dossier, "00-fiche-recapitulative.pdf")
    text = assert_printed(data, code)
    assert "no installed font" not in logged, logged
    for french, translation in wanted.items():
        assert_reads_back(translation, text, code)
        assert squeezed(french) in squeezed(text), f"{code}: the French {french!r} is missing"
    # French first, the translation after it.
    flat, local = squeezed(text), squeezed(wanted[m.STEP_KEEP])
    if local in flat:
        assert flat.index(squeezed(m.STEP_KEEP)) < flat.index(local)
    # The translated title starts on its own side: the right edge (before the QR code) for RTL.
    french_title, local_title = lines(data)[:2]
    assert french_title[0] == pytest.approx(LEFT_EDGE, abs=1.5)
    if KNOWN_LANGUAGES[code].direction == "rtl":
        assert local_title[2] == pytest.approx(RIGHT_EDGE - 35 * POINTS_PER_MM, abs=1.5)
    else:
        assert local_title[0] == pytest.approx(LEFT_EDGE, abs=1.5)


@pytest.mark.parametrize("code", SHIPPED)
def test_receipt_is_in_the_language_only(code: str, compiled: Path) -> None:
    wanted = translated(code, RECEIPT_MESSAGES)
    passport = translated(code, ("Passeport",))["Passeport"]
    dossier, logged = build(code, compiled)
    data = pdf(dossier, "99-recu.pdf")
    text = assert_printed(data, code)
    assert "no installed font" not in logged, logged
    assert "K7M2-QX4P" in text
    for french, translation in wanted.items():
        assert_reads_back(translation, text, code)
        if squeezed(french) != squeezed(translation):
            assert squeezed(french) not in squeezed(text), f"{code}: French {french!r} printed"
    assert_reads_back(passport, text, code)  # the document provided, with its page count
    # Every line starts on the language's side of the page.
    title = lines(data)[0]
    if KNOWN_LANGUAGES[code].direction == "rtl":
        assert title[2] == pytest.approx(RIGHT_EDGE, abs=1.5)
    else:
        assert title[0] == pytest.approx(LEFT_EDGE, abs=1.5)
