"""Flatten a page seen in perspective to its real proportions, and say its effective DPI.

The output size follows the pixels the page really covers in the frame (no
up-sampling beyond them), its proportions snap to a known format when they
are close (A4, passport data page ID-3, ID-1 card), and the effective DPI is
the page's long side in pixels over its physical long side in inches: what a
1080p camera really gives an A4 page is about 80 DPI, not 300.
"""

from __future__ import annotations

import cv2
import numpy as np

from scanning import geometry
from scanning.types import FlatPage, Image, Quad

MM_PER_INCH = 25.4
#: How far the measured proportions may be from the expected document's format.
EXPECTED_TOLERANCE = 0.25
#: Documents whose proportions match no known format are assumed this long, to state a DPI.
DEFAULT_LONG_MM = 297.0


def target_size(
    quad: Quad, frame_size: tuple[int, int] | None = None, expected: str | None = None
) -> tuple[int, int, str | None]:
    """Width and height of the flattened page, and the format it snapped to.

    The side lengths give the size in pixels. Under strong perspective their
    ratio is off, so when the frame size is known the real proportions are
    also estimated from the camera geometry (`geometry.true_aspect`, which
    assumes the lens centre at the picture's centre). When the kiosk knows
    which document it asked for, a loose match with its format is enough.
    """
    width, height = geometry.page_size(quad)
    estimates = [(width, height)]
    if frame_size is not None:
        ratio = geometry.true_aspect(quad, *frame_size)
        if ratio is not None and 0.2 < ratio < 5:
            # Keep the longer measured side, set the other from the true ratio.
            if ratio >= width / height:
                estimates.insert(0, (width, width / ratio))
            else:
                estimates.insert(0, (height * ratio, height))
    name = None
    for tolerance in (0.06, EXPECTED_TOLERANCE if expected else 0.06):
        for estimate in estimates:
            name = geometry.snap_format(*estimate, tolerance=tolerance, expected=expected)
            if name is not None and (tolerance == 0.06 or name == expected):
                width, height = estimate
                break
            name = None
        if name is not None:
            break
    if name is not None:
        short_mm, long_mm = geometry.FORMATS[name]
        long_px = max(width, height)
        short_px = long_px * short_mm / long_mm
        width, height = (short_px, long_px) if height >= width else (long_px, short_px)
    else:
        width, height = estimates[0]
    return max(1, round(width)), max(1, round(height)), name


def effective_dpi(long_side_px: float, page_format: str | None) -> float:
    """Pixels per inch of the real document along its long side."""
    long_mm = geometry.FORMATS[page_format][1] if page_format else DEFAULT_LONG_MM
    return long_side_px / (long_mm / MM_PER_INCH)


def rectify(
    image: Image, quad: Quad, known_dpi: float | None = None, expected: str | None = None
) -> FlatPage:
    """Warp the quad's content to an upright rectangle of the document's proportions.

    Args:
        image: the full-resolution frame.
        quad: the outline, 4 corners clockwise from top-left, in frame pixels.
        known_dpi: the scanner's resolution, when the frame comes from one.
        expected: the format of the document asked for ("A4", "ID-1", "ID-3"), if known.
    """
    quad = geometry.order_clockwise(np.asarray(quad, dtype=np.float64))
    width, height, name = target_size(quad, (image.shape[1], image.shape[0]), expected)
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    )
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    flat = cv2.warpPerspective(
        image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    long_side = float(max(width, height))
    dpi = known_dpi if known_dpi else effective_dpi(long_side, name)
    return FlatPage(np.asarray(flat, dtype=np.uint8), name, dpi, long_side)


def whole_image(image: Image, known_dpi: float | None = None) -> FlatPage:
    """Treat the whole frame as the page (a flatbed scan without a visible border)."""
    height, width = image.shape[:2]
    long_side = float(max(width, height))
    name = geometry.snap_format(width, height)
    dpi = known_dpi if known_dpi else effective_dpi(long_side, name)
    return FlatPage(image, name, dpi, long_side)


def rotate(image: Image, quarter_turns: int) -> Image:
    """Rotate by a multiple of 90° clockwise, losslessly."""
    turns = quarter_turns % 4
    if turns == 0:
        return image
    codes = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return np.asarray(cv2.rotate(image, codes[turns]), dtype=np.uint8)
