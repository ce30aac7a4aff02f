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

from scanning import aspect, geometry
from scanning.types import FlatPage, Image, Quad

MM_PER_INCH = 25.4
#: How far the measured proportions may be from a format to snap to it...
SNAP_TOLERANCE = 0.06
#: ...and from the format of the document the kiosk asked for. The true ratio
#: is measured to 2 % (median), 7 % (90th percentile) on the capture corpus;
#: A4 and an ID-1 card are 11-12 % apart, so a card is never stretched to A4
#: nor a page squeezed into a card.
EXPECTED_TOLERANCE = 0.09
#: Documents whose proportions match no known format are assumed this long, to state a DPI.
DEFAULT_LONG_MM = 297.0


def target_size(
    quad: Quad, frame_size: tuple[int, int] | None = None, expected: str | None = None
) -> tuple[int, int, str | None]:
    """Width and height of the flattened page, and the format it snapped to.

    The side lengths give the size in pixels. Under strong perspective their
    ratio is off by up to a fifth, so when the frame size is known the real
    proportions are measured from the camera geometry (`aspect.true_ratios`)
    and tried first. The format of the document the kiosk asked for is tried
    before any other, with a looser tolerance: an A4 page measured a little
    long must not become an identity card.
    """
    width, height = geometry.page_size(quad)
    estimates = [(width, height)]
    if frame_size is not None:
        ratio = float(aspect.true_ratios(quad[None].astype(np.float64), *frame_size)[0])
        if 1.0 <= ratio < 5:
            # Keep the longer measured side, set the other from the true ratio;
            # the measured sides' own ratio is perspective's, not the page's.
            long_px = max(width, height)
            estimates = [
                (long_px, long_px / ratio) if width >= height else (long_px / ratio, long_px)
            ]
    tries: list[tuple[str | None, float]] = []
    if expected in geometry.FORMATS:
        tries.append((expected, EXPECTED_TOLERANCE))
    tries.append((None, SNAP_TOLERANCE))
    for wanted, tolerance in tries:
        for estimate in estimates:
            name = geometry.snap_format(*estimate, tolerance=tolerance, expected=expected)
            if name is not None and wanted in (None, name):
                short_mm, long_mm = geometry.FORMATS[name]
                long_px = max(estimate)
                short_px = long_px * short_mm / long_mm
                portrait = estimate[1] >= estimate[0]
                size = (short_px, long_px) if portrait else (long_px, short_px)
                return max(1, round(size[0])), max(1, round(size[1])), name
    return max(1, round(width)), max(1, round(height)), None


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
