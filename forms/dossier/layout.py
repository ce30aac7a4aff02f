"""A4 pages of text in any script: fonts, headings, paragraphs, tables, a QR code.

fpdf2 shapes text with HarfBuzz (uharfbuzz), so Arabic letters join and
Bengali conjuncts form, runs each script in its direction (Unicode bidi), and
falls back from font to font for characters the main font lacks (a Latin name
inside Arabic text, Arabic inside French): see `fonts`. Fonts are embedded
(subsets) so the PDF reads the same everywhere. A paragraph is written in the
direction of its language, so that an Arabic sentence that starts with a
number or a Latin word still reads from the right.

Answers are the applicant's own text: nothing in them is interpreted. fpdf2's
markdown is off everywhere, and its page-count alias is disabled (it would
turn an answer containing ``{nb}`` into a number).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from . import fonts
from .fonts import FALLBACKS, LATIN, SPLIT_VOWELS, ClusterMappedFont, Face, find_font
from .fonts import FontsMissing as FontsMissing  # re-exported: callers catch it from here

log = logging.getLogger(__name__)
MARGIN = 15.0  # mm
INK = (11, 12, 12)
MUTED = (72, 73, 73)
RULE = (200, 200, 200)


@dataclass(frozen=True)
class Style:
    """A text style: size in points, bold or not, colour."""

    size: float = 10.0
    bold: bool = False
    colour: tuple[int, int, int] = INK


class Document(FPDF):
    """An A4 PDF that writes any script the kiosk speaks.

    `uncovered` collects the characters no installed font could draw (they
    would be missing from the page); the tests require it to stay empty.
    """

    def __init__(self, title: str, font_dirs: Sequence[Path] | None = None) -> None:
        super().__init__(format="A4", unit="mm")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.set_title(title)
        self.set_producer("Guichet")
        self.set_creator("Guichet")
        # Looked up when used, not when defined: a test points it at an empty folder.
        self.font_dirs = tuple(fonts.FONT_DIRS if font_dirs is None else font_dirs)
        self.fallbacks: list[str] = []
        self.uncovered: set[str] = set()
        self._load(LATIN)
        self.main_family = LATIN.family
        self.set_text_shaping(use_shaping_engine=True)
        self.alias_nb_pages(None)  # type: ignore[arg-type]  # fpdf2 documents None as "off"
        self.add_page()

    def _load(self, face: Face) -> None:
        """Add a face's regular and bold fonts (the regular one twice if it has no bold)."""
        for style, name in (("", face.regular), ("B", face.bold or face.regular)):
            path = find_font(name, self.font_dirs, face.package)
            index = face.collection_index
            self.add_font(face.family, style, str(path), collection_font_number=index)
            # Same fields, one method changed: what a PDF reader extracts (see fonts).
            self.fonts[f"{face.family.lower()}{style}"].__class__ = ClusterMappedFont
        if face is not LATIN:
            self.fallbacks.append(face.family)
            self.set_fallback_fonts(self.fallbacks, exact_match=False)

    def _drawable(self, char: str) -> bool:
        return any(ord(char) in font.cmap for font in self.fonts.values())  # type: ignore[union-attr]

    def normalize_text(self, text: str) -> str:
        """Every text fpdf2 writes comes here: load the fonts its scripts need."""
        text = super().normalize_text(text).translate(SPLIT_VOWELS)
        for char in set(text):
            if char.isspace() or not char.isprintable() or self._drawable(char):
                continue
            face = next((f for f in FALLBACKS if f.covers(char)), None)
            if face is not None and face.family not in self.fallbacks:
                self._load(face)
            if not self._drawable(char):
                self.uncovered.add(char)
        return text

    def direction(self, rtl: bool | None) -> None:
        """Write from now on right to left, left to right, or (None) as each text starts."""
        direction = None if rtl is None else "rtl" if rtl else "ltr"
        self.set_text_shaping(use_shaping_engine=True, direction=direction)

    @property
    def usable_width(self) -> float:
        """Width between the margins, in mm."""
        return float(self.w - self.l_margin - self.r_margin)

    def style(self, style: Style) -> None:
        """Switch to a text style."""
        self.set_font(self.main_family, "B" if style.bold else "", style.size)
        self.set_text_color(*style.colour)
        self._establish_font()

    def header(self) -> None:
        """Called by fpdf2 at the top of every page, the first and each page break."""
        self._establish_font()

    def _establish_font(self) -> None:
        """Set the current font for the whole page, outside any line of text.

        fpdf2 2.8.9 (its issue #1772): when the first line written in a font
        starts with a fallback font (an Arabic or Chinese word), fpdf2 sets the
        main font inside that line's own q…Q and then believes it set for the
        page; the next line in the main font is drawn with no font at all and
        vanishes from the page. Setting it at page level first avoids that.
        """
        if self.page and self.current_font is not None and not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))

    def paragraph(
        self,
        text: str,
        style: Style | None = None,
        rtl: bool = False,
        gap: float = 1.5,
        width: float = 0,
    ) -> None:
        """A block of text across the page (or `width` mm), aligned to its reading direction."""
        style = style or Style()
        self.style(style)
        self.direction(rtl)
        self.multi_cell(
            width,
            style.size * 0.5,
            text,
            align="R" if rtl else "L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            markdown=False,
        )
        self.ln(gap)

    def heading(self, text: str, rtl: bool = False, size: float = 13.0) -> None:
        """A section heading with a rule under it."""
        self.ln(2)
        self.paragraph(text, Style(size, True), rtl, gap=0.5)
        y = self.get_y()
        self.set_draw_color(*INK)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(2)

    def rows(
        self,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        aligns: Sequence[str],
        header: Sequence[str] | None = None,
    ) -> None:
        """A table: each cell wraps, each row is as tall as its tallest cell."""
        self.style(Style(9))
        self.set_draw_color(*RULE)
        # French and translated cells side by side: each reads in its own direction.
        self.direction(None)
        with self.table(
            col_widths=tuple(widths),
            text_align=tuple(aligns),
            first_row_as_headings=header is not None,
            line_height=4.6,
            borders_layout="HORIZONTAL_LINES",
            padding=1.2,
            markdown=False,
        ) as table:
            if header is not None:
                heading_row = table.row()
                for cell in header:
                    heading_row.cell(cell)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.ln(2)

    def qr(self, data: str, x: float, y: float, size: float) -> None:
        """A QR code of `data` (here only the dossier's reference)."""
        image = io.BytesIO()
        # A full QR code (not Micro QR, which many phone readers ignore), with its
        # four-module quiet zone.
        segno.make(data, error="m", micro=False).save(image, kind="png", scale=8, border=4)
        image.seek(0)
        self.image(image, x=x, y=y, w=size, h=size)

    def output_bytes(self) -> bytes:
        """The finished PDF."""
        if self.uncovered:
            # Printed anyway: the rest of the dossier is still needed.
            log.warning(
                "no installed font draws %s: missing from the printed page",
                " ".join(f"U+{ord(c):04X}" for c in sorted(self.uncovered)),
            )
        return bytes(self.output())
