"""A4 pages of text in any script: fonts, headings, paragraphs, tables, a QR code.

fpdf2 shapes text with HarfBuzz (uharfbuzz), so Arabic letters join and run
right to left, and falls back from font to font for characters the main font
lacks (a Latin name inside Arabic text, Arabic inside French). Fonts are
embedded (subsets) so the PDF reads the same everywhere.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

#: Where Debian puts the Noto fonts (fonts-noto-core); more folders can be configured.
FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
#: Font families, in fallback order: Latin first, then the other scripts.
FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("NotoSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("NotoNaskhArabic", "NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
)
RTL_LANGUAGES = frozenset({"ar", "fa", "fa_AF", "ps", "ur"})
MARGIN = 15.0  # mm
INK = (11, 12, 12)
MUTED = (72, 73, 73)
RULE = (200, 200, 200)


class FontsMissing(RuntimeError):
    """The fonts needed to print in a script are not installed."""


def find_font(name: str, directories: Sequence[Path]) -> Path:
    """Find a font file by name in the font folders."""
    for directory in directories:
        for candidate in (directory / name, *directory.rglob(name)):
            if candidate.is_file():
                return candidate
    raise FontsMissing(f"font {name} not found in {', '.join(map(str, directories))}")


@dataclass(frozen=True)
class Style:
    """A text style: size in points, bold or not, colour."""

    size: float = 10.0
    bold: bool = False
    colour: tuple[int, int, int] = INK


class Document(FPDF):
    """An A4 PDF with every configured script available."""

    def __init__(self, title: str, font_dirs: Sequence[Path] = FONT_DIRS) -> None:
        super().__init__(format="A4", unit="mm")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.set_title(title)
        self.set_producer("Guichet")
        self.set_creator("Guichet")
        fallbacks = []
        for family, regular, bold in FAMILIES:
            self.add_font(family, "", str(find_font(regular, font_dirs)))
            self.add_font(family, "B", str(find_font(bold, font_dirs)))
            fallbacks.append(family)
        self.main_family = fallbacks[0]
        self.set_fallback_fonts(fallbacks[1:], exact_match=False)
        self.set_text_shaping(use_shaping_engine=True)
        self.add_page()

    @property
    def usable_width(self) -> float:
        """Width between the margins, in mm."""
        return float(self.w - self.l_margin - self.r_margin)

    def style(self, style: Style) -> None:
        """Switch to a text style."""
        self.set_font(self.main_family, "B" if style.bold else "", style.size)
        self.set_text_color(*style.colour)

    def paragraph(
        self, text: str, style: Style | None = None, rtl: bool = False, gap: float = 1.5
    ) -> None:
        """A block of text across the page, aligned to its reading direction."""
        style = style or Style()
        self.style(style)
        self.multi_cell(
            0,
            style.size * 0.5,
            text,
            align="R" if rtl else "L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
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
        with self.table(
            col_widths=tuple(widths),
            text_align=tuple(aligns),
            first_row_as_headings=header is not None,
            line_height=4.6,
            borders_layout="HORIZONTAL_LINES",
            padding=1.2,
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
        return bytes(self.output())
