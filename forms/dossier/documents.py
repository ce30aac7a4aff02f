"""One PDF per supporting document: pages upright, at their real size, within a size limit.

Each page is cleaned (`scanning.enhance`) from the colour master kept at
capture, encoded once as JPEG, and embedded as is by img2pdf (no second
JPEG compression, unlike Pillow's PDF writer). The page size is the
document's physical size (A4, ID-1 card, passport page), so a printout is
life-size. When the file would exceed the limit, the JPEG quality is lowered,
then the resolution, but never under a readability floor; a document that
still does not fit raises `DocumentTooLarge` with the sizes involved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import img2pdf
import numpy as np

from forms.errors import DocumentTooLarge
from scanning import encode, enhance, geometry, rectify
from scanning.types import Image, Mode

MM_PER_INCH = 25.4
POINTS_PER_INCH = 72.0
#: JPEG qualities tried in turn, then resolutions (as a share of the page's).
#: OCR reads a cleaned page as well at quality 70 as at 80, for 40 % fewer
#: bytes (bench/RESULTS.md, "Dossier PDFs"); it starts to suffer under 50.
QUALITIES = (70, 60, 50, 42)  # the last one is the floor
SCALES = (1.0, 0.85, 0.7, 0.55)
#: Pages are never stored above this resolution: 200 pixels per inch of paper
#: keeps 6-pt print sharp on a printout, and more only adds bytes (a page
#: flattened from a 4K photo of a close document can exceed 250).
MAX_DPI = 200.0
#: Never go under this many pixels per inch of the real document, nor the last
#: quality above: below, small print (8 pt) stops being readable.
FLOOR_DPI = 100.0


@dataclass(frozen=True)
class PageImage:
    """A captured page as the dossier needs it."""

    master: bytes  # the flattened page in colour (JPEG), before cleaning
    rotation: int  # quarter turns clockwise
    dpi: float  # effective resolution of the capture
    page_format: str | None  # "A4", "ID-1", "ID-3", or None
    mode: Mode


def _decode(data: bytes) -> Image:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("a page is not a readable JPEG")
    return np.asarray(image, dtype=np.uint8)


def page_size_points(page: PageImage, width_px: int, height_px: int) -> tuple[float, float]:
    """The page's physical size in PDF points, in the orientation of its pixels."""
    if page.page_format in geometry.FORMATS:
        short_mm, long_mm = geometry.FORMATS[page.page_format]
        short, long = (
            short_mm / MM_PER_INCH * POINTS_PER_INCH,
            long_mm / MM_PER_INCH * POINTS_PER_INCH,
        )
        return (short, long) if height_px >= width_px else (long, short)
    dpi = page.dpi or 150.0
    return width_px / dpi * POINTS_PER_INCH, height_px / dpi * POINTS_PER_INCH


def cleaned(page: PageImage) -> Image:
    """The page upright and cleaned for its mode."""
    image = rectify.rotate(_decode(page.master), page.rotation)
    return enhance.enhance(image, page.mode)


def _scaled(image: Image, scale: float) -> Image:
    if scale >= 1.0:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _pdf(jpegs: list[bytes], sizes: list[tuple[float, float]], title: str) -> bytes:
    """Embed the JPEGs as they are, one page each, at the given page sizes."""
    layouts = iter(
        [img2pdf.get_layout_fun(size, None, None, img2pdf.FitMode.into) for size in sizes]
    )

    def layout(width: int, height: int, ndpi: tuple[float, float]) -> tuple[float, ...]:
        # img2pdf asks once per image, in order.
        return tuple(next(layouts)(width, height, ndpi))

    data: bytes = img2pdf.convert(jpegs, layout_fun=layout, title=title, producer="Guichet")
    return data


def document_pdf(
    pages: list[PageImage], title: str, max_bytes: int
) -> tuple[bytes, dict[str, object]]:
    """Assemble the pages of one document into a PDF under `max_bytes`.

    Returns the PDF and how it was encoded (quality, scale, size).

    Raises:
        DocumentTooLarge: even at the readability floor the file is too big.
    """
    if not pages:
        raise ValueError("a document needs at least one page")
    images = [_scaled(cleaned(page), MAX_DPI / page.dpi if page.dpi else 1.0) for page in pages]
    pages = [replace(page, dpi=min(page.dpi, MAX_DPI)) for page in pages]
    sizes = [
        page_size_points(page, image.shape[1], image.shape[0])
        for page, image in zip(pages, images, strict=True)
    ]
    smallest = 0
    for scale in SCALES:
        if scale < 1.0 and any(page.dpi * scale < FLOOR_DPI for page in pages):
            break
        resized = [_scaled(image, scale) for image in images]
        for quality in QUALITIES:
            jpegs = [
                encode.jpeg(image, quality, page.dpi * scale)
                for image, page in zip(resized, pages, strict=True)
            ]
            data = _pdf(jpegs, sizes, title)
            smallest = len(data)  # the last try is the smallest
            if len(data) <= max_bytes:
                return data, {"quality": quality, "scale": scale, "bytes": len(data)}
    raise DocumentTooLarge(title, smallest, max_bytes)
