"""Read printed PDFs back with Poppler: their text in reading order, their lines, their pages."""

from __future__ import annotations

import re
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import cv2
import numpy as np

#: Bidi controls pdftotext wraps right-to-left lines in (RLE, LRE, PDF, …).
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: Arabic presentation forms: text extracted from shaped glyphs with no
#: proper mapping comes out as these instead of the letters.
PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
LINE = re.compile(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">')
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
)
POINTS_PER_MM = 72 / 25.4


def pdftotext(data: bytes, *options: str) -> str:
    """Poppler's text of a PDF."""
    result = subprocess.run(
        ["pdftotext", *options, "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def reading_text(data: bytes) -> str:
    """The text in reading order, bidi controls removed, in NFC (as typed)."""
    return unicodedata.normalize("NFC", BIDI_CONTROLS.sub("", pdftotext(data)))


def squeezed(text: str) -> str:
    """Text without any white space: lines wrap at different places in each script."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def lines(data: bytes, page: int = 1) -> list[tuple[float, float, float, float]]:
    """The boxes (x min, y min, x max, y max, in points) of a page's lines, top first."""
    layout = pdftotext(data, "-bbox-layout", "-f", str(page), "-l", str(page))
    return [tuple(float(v) for v in match.groups()) for match in LINE.finditer(layout)]  # type: ignore[misc]


def words(data: bytes, page: int = 1) -> list[tuple[float, float, str]]:
    """The words of a page: x min, x max (points) and text as Poppler groups them."""
    layout = pdftotext(data, "-bbox", "-f", str(page), "-l", str(page))
    return [(float(a), float(b), text) for a, b, text in WORD.findall(layout)]


def rendered_pages(data: bytes, dpi: int = 50) -> list[np.ndarray]:
    """Every page rendered by Poppler, in grey; fails on any rendering error."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        result = subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), str(Path(folder) / "p")],
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stderr == "", result.stderr  # e.g. "No font in show": text lost
        pages = []
        for path in sorted(Path(folder).glob("p-*.png")):
            image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            assert image is not None
            pages.append(image)
    return pages


def ink(page: np.ndarray) -> float:
    """The share of a rendered page that is printed on."""
    return float(np.count_nonzero(page < 160)) / page.size
