"""The dossier's PDF writer and every script: fonts found, text shaped, extracted as written.

Samples of each script are written with the real `Document` and read back
with Poppler. They do not depend on the catalogs (see
test_dossier_languages.py for the summary and receipt in each language).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import uharfbuzz as hb

from forms.dossier.fonts import FONT_DIRS, FontsMissing, find_font, glyph_texts, missing_fonts
from forms.dossier.layout import Document, Style
from kiosk.i18n import KNOWN_LANGUAGES
from tests.pdf_text import (
    PRESENTATION_FORMS,
    ink,
    reading_text,
    rendered_pages,
    words,
)

#: One line per script, with its hard parts: text, right to left.
SAMPLES = {
    "french": ("Titre de séjour : Œuvre, déjà là — « reçu » 75 €", False),
    "turkish": ("İkamet izni: ğ ü ş ı ö ç Ğ Ü Ş İ Ö Ç", False),
    "vietnamese-style accents": ("Tiếng Việt ở đâu", False),
    "cyrillic": ("Посвідка на проживання: Її Ґґ Єє; Вид на жительство: Ёё Ыы", False),
    "arabic": ("بطاقة الإقامة لا إله أُعدّ في الملف", True),
    "dari": ("کارت اقامت خانوادگی پژوهش گذرنامه", True),
    "pashto": ("د اوسېدو کارت ټ ځ څ ډ ړ ږ ښ ګ ڼ ۍ ې ئ ښځه ټولګی", True),
    "bengali": ("শিক্ষার্থী কৌশল ক্ষমা স্ত্রী প্রমাণপত্র কি কে কো বাংলা।", False),
    "chinese": ("居留证续签：摘要（学生）。护照、出生证明", False),
    "signs": ("✓ Passeport • Reçu", False),
}


def write(*texts: tuple[str, bool], size: float = 14) -> Document:
    document = Document("Scripts")
    for text, rtl in texts:
        document.paragraph(text, Style(size), rtl)
    return document


@pytest.mark.parametrize("sample", SAMPLES, ids=str)
def test_each_script_is_drawn_and_extracts_as_written(sample: str) -> None:
    text, rtl = SAMPLES[sample]
    document = write((text, rtl))
    data = document.output_bytes()
    assert document.uncovered == set()
    extracted = reading_text(data)
    assert text in extracted.splitlines()
    assert not PRESENTATION_FORMS.search(extracted)
    (page,) = rendered_pages(data)
    assert ink(page) > 0.0005


@pytest.mark.parametrize("code", sorted(KNOWN_LANGUAGES), ids=str)
def test_every_language_name_prints_in_its_own_script(code: str) -> None:
    """The language list itself (KNOWN_LANGUAGES): a new language brings its script here."""
    language = KNOWN_LANGUAGES[code]
    document = write((language.endonym, language.direction == "rtl"))
    data = document.output_bytes()
    assert document.uncovered == set(), f"{code}: no font for {document.uncovered}"
    assert language.endonym in reading_text(data).splitlines()


def shaped_width(text: str, font: Path, size: float, joined: bool) -> float:
    """The width (points) HarfBuzz gives a word, letters joined or each alone."""
    face = hb.Face(hb.Blob.from_file_path(str(font)))
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    features = {} if joined else {"init": False, "medi": False, "fina": False, "rlig": False}
    hb.shape(hb.Font(face), buffer, features)
    return sum(p.x_advance for p in buffer.glyph_positions) / face.upem * size


@pytest.mark.parametrize("word", ["المستعمل", "خانوادگی", "ښځینه"])
def test_arabic_script_letters_are_joined_not_isolated(word: str) -> None:
    data = write((word, True), size=20).output_bytes()
    (box,) = [(x_min, x_max) for x_min, x_max, _ in words(data) if x_max > x_min]
    drawn = box[1] - box[0]
    font = find_font("NotoNaskhArabic-Regular.ttf", FONT_DIRS)
    joined, isolated = (shaped_width(word, font, 20, joined) for joined in (True, False))
    assert abs(joined - isolated) > 0.08 * joined  # the check can tell them apart
    assert drawn == pytest.approx(joined, rel=0.02)


def test_glyph_texts_follow_reading_order() -> None:
    # Bengali কি: ি is drawn first (both glyphs in cluster 0).
    assert glyph_texts("কি", [(0, 266), (0, 807)], right_to_left=False) == ["ক", "ি"]
    # A ligature carries both letters; right to left, they are stored reversed.
    assert glyph_texts("لا", [(0, 500)], right_to_left=True) == ["ال"]
    # عدّ drawn right to left: the shadda (no width) goes with its letter.
    assert glyph_texts("عدّ", [(2, 0), (1, 474), (0, 505)], right_to_left=True) == [
        "",
        "ّد",
        "ع",
    ]


def test_fonts_are_installed() -> None:
    assert missing_fonts() == []


def test_a_missing_font_names_its_package(tmp_path: Path) -> None:
    with pytest.raises(FontsMissing, match="fonts-noto-core"):
        Document("No fonts", font_dirs=[tmp_path])
    latin_only = Document("No Chinese", font_dirs=[FONT_DIRS[0]])  # no fonts-noto-cjk there
    with pytest.raises(FontsMissing, match="NotoSansCJK-Regular.ttc.*fonts-noto-cjk"):
        latin_only.paragraph(SAMPLES["chinese"][0])


def test_a_character_no_font_draws_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    document = write(("Hiéroglyphe \U00013000", False))
    with caplog.at_level(logging.WARNING, logger="forms.dossier.layout"):
        document.output_bytes()
    assert document.uncovered == {"\U00013000"}
    assert "U+13000" in caplog.text
