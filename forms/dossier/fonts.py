"""The fonts the printed dossier is written in: one Debian font per script, found by path.

Noto covers every script the kiosk speaks: Noto Sans for Latin, Cyrillic and
Greek (fonts-noto-core), Noto Naskh Arabic for Arabic, Dari and Pashto (its
extra letters ټ ځ څ ډ ړ ږ ښ ګ ڼ ۍ ې included), Noto Sans Bengali, Noto Sans
CJK SC for Simplified Chinese (fonts-noto-cjk) and Noto Sans Symbols 2 for
the few signs (✓) no text font has. Latin is the main font; the others are
fpdf2 fallback fonts, loaded the first time a text needs their script so that
a French or English dossier does not parse the 20 MB Chinese font.

`ClusterMappedFont` only changes what a PDF reader extracts, never what is
drawn: see its docstring.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf.fonts import TTFFont

#: Where Debian puts the Noto fonts; more folders can be given to `find_font`.
FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))


class FontsMissing(RuntimeError):
    """The fonts needed to print in a script are not installed."""


@dataclass(frozen=True)
class Face:
    """One font family for one script: its files, and the Debian package that ships them."""

    family: str
    regular: str
    bold: str | None  # None: the regular face serves for bold too
    package: str
    ranges: tuple[tuple[int, int], ...] = ()  # code points this face is loaded for
    collection_index: int = 0  # the face inside a .ttc collection

    def covers(self, char: str) -> bool:
        """Whether this face is the one to load for `char`."""
        point = ord(char)
        return any(low <= point <= high for low, high in self.ranges)


#: The main face (always loaded), then the fallbacks in the order fpdf2 tries them.
LATIN = Face("NotoSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "fonts-noto-core")
FALLBACKS: tuple[Face, ...] = (
    Face(
        "NotoNaskhArabic",
        "NotoNaskhArabic-Regular.ttf",
        "NotoNaskhArabic-Bold.ttf",
        "fonts-noto-core",
        ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    ),
    Face(
        "NotoSansBengali",
        "NotoSansBengali-Regular.ttf",
        "NotoSansBengali-Bold.ttf",
        "fonts-noto-core",
        ((0x0964, 0x0965), (0x0980, 0x09FF)),
    ),
    Face(
        "NotoSansCJKsc",
        "NotoSansCJK-Regular.ttc",
        "NotoSansCJK-Bold.ttc",
        "fonts-noto-cjk",
        (
            (0x2E80, 0x2FDF),
            (0x3000, 0x303F),
            (0x3040, 0x30FF),
            (0x3100, 0x312F),
            (0x31C0, 0x9FFF),
            (0xF900, 0xFAFF),
            (0xFE30, 0xFE4F),
            (0xFF00, 0xFFEF),
            (0x20000, 0x2FFFF),
        ),
        collection_index=2,  # Noto Sans CJK SC: Simplified Chinese glyph shapes
    ),
    Face(
        "NotoSansSymbols2",
        "NotoSansSymbols2-Regular.ttf",
        None,
        "fonts-noto-core",
        ((0x2190, 0x21FF), (0x2300, 0x23FF), (0x2460, 0x27BF), (0x2B00, 0x2BFF)),
    ),
)

#: Vowel signs written on both sides of their consonant (Bengali ো ৌ, and the
#: same in Oriya, Tamil, Malayalam, Sinhala) become their two canonical halves.
#: They are drawn the same, and each of the two glyphs then carries one
#: character in the PDF's text layer instead of one glyph carrying nothing.
SPLIT_VOWELS = {
    point: unicodedata.normalize("NFD", chr(point))
    for point in (0x09CB, 0x09CC, 0x0B48, 0x0B4B, 0x0B4C, 0x0BCA, 0x0BCB, 0x0BCC)
    + (0x0D4A, 0x0D4B, 0x0D4C, 0x0DDA, 0x0DDC, 0x0DDD, 0x0DDE)
}


def find_font(name: str, directories: Sequence[Path], package: str = "") -> Path:
    """Find a font file by name in the font folders, or say which package to install."""
    for directory in directories:
        for candidate in (directory / name, *directory.rglob(name)):
            if candidate.is_file():
                return candidate
    hint = f": install the Debian package {package} (make run-deps)" if package else ""
    raise FontsMissing(f"font {name} not found in {', '.join(map(str, directories))}{hint}")


def missing_fonts(directories: Sequence[Path] = FONT_DIRS) -> list[str]:
    """Every font file of every script that is not installed, with its package."""
    missing = []
    for face in (LATIN, *FALLBACKS):
        for name in filter(None, (face.regular, face.bold)):
            try:
                find_font(name, directories, face.package)
            except FontsMissing as error:
                missing.append(str(error))
    return missing


class ClusterMappedFont(TTFFont):
    """A TrueType/OpenType font whose glyphs carry the text a PDF reader should extract.

    fpdf2 gives each HarfBuzz cluster's characters to the cluster's first
    glyph and nothing to the others, and each mark (a zero-width glyph placed
    over its letter) its own character. Poppler then reads a glyph with no
    text as a gap between words ("শি ক্ষার্থী" for শিক্ষার্থী: the ি is drawn
    before the শ), and a mark as a letter of its own, off its line (the
    shadda of عدّ). Here `glyph_texts` decides what each glyph carries.
    What is drawn does not change: only the PDF's ToUnicode map does.
    """

    __slots__ = ()

    def shape_text(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> Sequence[dict[str, Any]]:
        """fpdf2's `TTFFont.shape_text`, with the glyphs' text from `glyph_texts`."""
        if not text:
            return []
        infos, positions = self.perform_harfbuzz_shaping(text, font_size_pt, text_shaping_params)
        direction = (text_shaping_params or {}).get("fragment_direction")
        right_to_left = str(getattr(direction, "value", direction)).lower() == "rtl" or (
            len(infos) > 1 and infos[0].cluster > infos[-1].cluster
        )
        advances = [
            (info.cluster, pos.x_advance) for info, pos in zip(infos, positions, strict=True)
        ]
        texts = glyph_texts(text, advances, right_to_left)
        shaped = []
        for info, pos, carried in zip(infos, positions, texts, strict=True):
            name = self.ttfont.getGlyphName(info.codepoint)
            width = round(self.scale * self.ttfont["hmtx"].metrics[name][0])
            glyph = self.subset.get_glyph(
                glyph=info.codepoint,
                unicode=tuple(map(ord, carried)),
                glyph_name=name,
                glyph_width=width,
            )
            if glyph is None:  # .notdef: no font has the character (see Document.uncovered)
                continue
            shaped.append(
                {
                    "mapped_char": self.subset.pick_glyph(glyph),
                    "x_advance": pos.x_advance,
                    "y_advance": pos.y_advance,
                    "x_offset": pos.x_offset,
                    "y_offset": pos.y_offset,
                    "force_positioning": bool(
                        width != pos.x_advance or pos.x_offset or pos.y_offset or pos.y_advance
                    ),
                }
            )
        return shaped


def glyph_texts(text: str, glyphs: Sequence[tuple[int, int]], right_to_left: bool) -> list[str]:
    """The text each glyph carries in the PDF, from its HarfBuzz cluster and advance.

    `glyphs` are (cluster, advance) in drawing order (left to right); a
    cluster holds the characters from its value to the next cluster's.
    Glyphs with a width ("carriers") take their cluster's characters one
    each, in reading order, the last one taking what is left; a zero-width
    mark carries nothing, its characters go with the letter before it.

    Readers put a right-to-left line into reading order by reversing it
    character by character, the characters of one glyph included (lam-alef
    لا would come out as ال): so a right-to-left glyph's text is stored
    reversed, and comes out right.
    """
    starts = sorted({cluster for cluster, _ in glyphs})
    ends = dict(zip(starts, [*starts[1:], len(text)], strict=True))
    carriers: dict[int, list[int]] = {}
    for index, (cluster, advance) in enumerate(glyphs):
        if advance:
            carriers.setdefault(cluster, []).append(index)
    owned: dict[int, str] = {}
    owner: int | None = None
    pending = ""  # marks before any letter, for the first letter
    for start in starts:
        if start in carriers:
            owner = start
            owned[owner] = pending + text[start : ends[start]]
            pending = ""
        elif owner is None:
            pending += text[start : ends[start]]
        else:
            owned[owner] += text[start : ends[start]]
    out = [""] * len(glyphs)
    for start, indices in carriers.items():
        characters = owned[start]
        ordered = indices[::-1] if right_to_left else indices
        for position, index in enumerate(ordered):
            last = position == len(ordered) - 1
            piece = characters[position:] if last else characters[position : position + 1]
            out[index] = piece[::-1] if right_to_left else piece
    if pending and glyphs:  # only marks: give them to the first glyph
        out[0] = pending
    return out
