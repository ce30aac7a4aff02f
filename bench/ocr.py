"""Readability of a PDF page: Tesseract's text against the text that was printed.

``cer(ocr, truth)`` is the character error rate: the Levenshtein distance between the two
texts, both normalised (NFC, every run of whitespace made one space, stripped), over the
length of the truth. ``pdf_ocr`` reads a PDF with the Tesseract binary (French model,
automatic page segmentation), either on the images the PDF embeds, at their own resolution,
or on the page rendered by Poppler at a fixed DPI. Only Debian's ``tesseract``, ``pdfimages``
and ``pdftoppm`` are needed: the binaries are called with a list of arguments, no shell.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import numpy as np

#: Tesseract's language and page segmentation mode (3: fully automatic, no OSD).
LANGUAGE = "fra"
PSM = 3
#: Resolution at which ``pdf_ocr(..., method="render")`` rasterises a page.
RENDER_DPI = 300

_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFC, every run of whitespace (newlines included) as one space, no space at either end."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions of one code point each).

    The classic dynamic programme, one row at a time in numpy: substitutions and deletions
    come from the previous row elementwise, insertions within the row are a running minimum
    (``row[j] = min over k <= j of tmp[k] + j - k``). The loop runs over the shorter string,
    so two 2,000-character texts take a few tens of milliseconds.
    """
    if a == b:
        return 0
    if len(a) > len(b):
        a, b = b, a
    if not a:
        return len(b)
    columns = _codes(b)
    index = np.arange(len(b) + 1, dtype=np.int64)
    previous = index.copy()
    current = np.empty_like(previous)
    for i, code in enumerate(_codes(a), start=1):
        current[0] = i
        np.minimum(previous[1:] + 1, previous[:-1] + (columns != code), out=current[1:])
        current -= index
        np.minimum.accumulate(current, out=current)
        current += index
        previous, current = current, previous
    return int(previous[-1])


def cer(ocr: str, truth: str) -> float:
    """Character error rate of ``ocr`` against ``truth``, both normalised.

    Raises:
        ValueError: the truth is empty once normalised (the rate has no denominator).
    """
    expected = normalise(truth)
    if not expected:
        raise ValueError("the truth text is empty")
    return levenshtein(normalise(ocr), expected) / len(expected)


def _run(arguments: list[str]) -> str:
    # One thread per Tesseract process: the benchmark runs several side by side.
    environment = os.environ | {"OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(
        arguments, capture_output=True, text=True, check=True, env=environment, timeout=600
    )
    return done.stdout


def image_ocr(path: Path, language: str = LANGUAGE, psm: int = PSM) -> str:
    """The text Tesseract reads in one image file."""
    return _run(["tesseract", str(path), "-", "-l", language, "--psm", str(psm)])


def pdf_images(pdf: Path, folder: Path) -> list[Path]:
    """Extract every embedded image, decoded but not resampled, as PNG files in page order."""
    _run(["pdfimages", "-png", str(pdf), str(folder / "img")])
    return sorted(folder.glob("img-*.png"))


def pdf_render(pdf: Path, folder: Path, dpi: int = RENDER_DPI) -> list[Path]:
    """Render every page in grey at ``dpi`` as PGM files, in page order."""
    _run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), str(folder / "page")])
    return sorted(folder.glob("page-*.pgm"))


def pdf_ocr(data: bytes, method: str = "images") -> str:
    """Tesseract's text for a whole PDF, pages in order.

    Args:
        data: the PDF.
        method: ``"images"`` reads the embedded images at their own resolution (what the file
            really holds); ``"render"`` reads the pages as Poppler draws them at 300 DPI.
    """
    if method not in ("images", "render"):
        raise ValueError(f"unknown method {method!r}")
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as name:
        folder = Path(name)
        pdf = folder / "input.pdf"
        pdf.write_bytes(data)
        pictures = pdf_images(pdf, folder) if method == "images" else pdf_render(pdf, folder)
        return "\n".join(image_ocr(picture) for picture in pictures)
