"""Judge a capture: problem codes, each with the measure behind it.

Codes: ``no_document``, ``not_fully_visible``, ``too_small``, ``too_dark``,
``glare``, ``blurry``. Blur and glare are judged on the flattened page, not
on the whole frame, where the desk's texture would dominate (capture.md §2):
blur as the width of the page's sharpest edges at a fixed page size (a
reflection's soft rim left out), glare as the share of the page washed out
to white by a reflection.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from scanning import geometry
from scanning.types import Detection, FlatPage, Image, Problem, QualitySettings

#: Edge windows must span at least 30 % of the page's contrast, and this many levels.
MIN_EDGE_RANGE_FLOOR = 15
#: Half-length of the window in which an edge's rise is measured, in pixels.
EDGE_WINDOW = 9
#: Pixels at or above this level (in every channel) are clipped to white.
CLIPPED = 250
#: A side running this close (share of the frame) along a frame border is
#: where the frame cuts the page, not the page's own edge.
BORDER_FRACTION = 0.003


def _line_kernel(dx: int, dy: int) -> np.ndarray:
    size = 2 * EDGE_WINDOW + 1
    kernel = np.zeros((size, size), np.uint8)
    for step in range(-EDGE_WINDOW, EDGE_WINDOW + 1):
        kernel[EDGE_WINDOW + step * dy, EDGE_WINDOW + step * dx] = 1
    return kernel


_DIRECTIONS = ((1, 0), (0, 1), (1, 1), (1, -1))
_KERNELS = {direction: _line_kernel(*direction) for direction in _DIRECTIONS}


def edge_width(grey: Image, reference_px: int) -> float:
    """Width, in pixels at the reference page size, of the page's sharper edges.

    Across an edge, the steepest step over the whole rise is about
    rise / width: for a step blurred by a gaussian of σ, width ≈ 2.5 σ; for
    motion blur, the motion length. Measured along four directions (motion blur
    only widens edges along its own direction) and the worst one is kept.
    A reflection is no print: the edges near clipped white, and the white
    itself in the page's contrast, are left out (on a dim page its soft rim
    would otherwise be the only edge tall enough to count).
    Returns infinity when the page shows no clear edge at all.
    """
    long_side = max(grey.shape[:2])
    scale = min(1.0, reference_px / long_side)
    if scale < 1.0:
        size = (round(grey.shape[1] * scale), round(grey.shape[0] * scale))
        grey = np.asarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    measured_long = max(grey.shape[:2])
    page = grey.astype(np.float32)
    near_glare, clipped = _glare(grey)
    seen = page if clipped is None or clipped.all() else page[~clipped]
    # Strong edges relative to the page's own contrast (a dim page has fainter ones).
    low, high = np.percentile(seen, [2, 98])
    minimum_rise = max(MIN_EDGE_RANGE_FLOOR, 0.3 * float(high - low))
    widths = []
    for dx, dy in _DIRECTIONS:
        shifted = np.roll(page, shift=(-dy, -dx), axis=(0, 1))
        step = np.abs(shifted - page)
        kernel = _KERNELS[(dx, dy)]
        rise = cv2.dilate(page, kernel) - cv2.erode(page, kernel)
        steepest = cv2.dilate(step, kernel)
        centres = (step == steepest) & (rise >= minimum_rise) & (step > 0)
        if near_glare is not None:
            centres &= ~near_glare
        centres[:EDGE_WINDOW, :] = centres[-EDGE_WINDOW:, :] = False
        centres[:, :EDGE_WINDOW] = centres[:, -EDGE_WINDOW:] = False
        if np.count_nonzero(centres) < 30:
            return math.inf
        ratio = float(np.percentile(step[centres] / rise[centres], 75))
        pixel = math.hypot(dx, dy)  # a diagonal step is √2 pixels long
        widths.append(pixel / max(ratio, 1e-3))
    return float(max(widths) * reference_px / measured_long)


def paper_level(grey: Image) -> float:
    """Brightness of the paper: the page's 90th percentile."""
    return float(np.percentile(grey, 90))


def _glare(grey: Image) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Where a grey page is near clipped white, and where it is clipped (None, None: nowhere).

    Near: within reach of an edge window (and a pixel more) of clipped white,
    specks under 3 pixels aside. Most pages have no clipped white and pay for
    one comparison.
    """
    white = grey >= CLIPPED
    if not white.any():
        return None, None
    clipped = _white_blobs(white)
    near = cv2.dilate(clipped, np.ones((2 * EDGE_WINDOW + 3,) * 2, np.uint8)) > 0
    return near, clipped > 0


def _white_blobs(white: np.ndarray) -> np.ndarray:
    """Clipped white (a boolean map) as 0/1, specks under 3 pixels across left out."""
    mask = np.ascontiguousarray(white, dtype=np.bool_).view(np.uint8)
    return np.asarray(cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)))


def glare_fraction(page: Image) -> float:
    """Share of the page washed out to white in blobs (specular reflections).

    Small clipped specks (a white label, a hologram glint) are ignored: only
    blobs over 0.2 % of the page count.
    """
    # Every channel at or above CLIPPED: one OpenCV pass, where numpy's
    # minimum over the 3 channels took most of the preview's page checks.
    every_channel = cv2.inRange(page, (CLIPPED,) * 3, (255,) * 3) > 0
    clipped = _white_blobs(every_channel)
    count, _, stats, _ = cv2.connectedComponentsWithStats(clipped, connectivity=8)
    area = page.shape[0] * page.shape[1]
    blobs = stats[1:count, cv2.CC_STAT_AREA]
    return float(np.sum(blobs[blobs >= 0.002 * area]) / area)


def frame_problems(
    detection: Detection, settings: QualitySettings, frame_level: float | None = None
) -> tuple[list[Problem], dict[str, Any]]:
    """Problems visible on the whole frame: no document, cut off, too small, too dark."""
    measures: dict[str, Any] = {"detection_score": round(detection.score, 3)}
    dark = frame_level is not None and frame_level < settings.min_paper_level
    if frame_level is not None:
        measures["frame_level"] = round(frame_level, 1)
    if detection.quad is None:
        # Too dark is reported too, but guidance says no document first
        # (`ordered`): without a page, a black desk in a lit room is as dim
        # as a pale one in a dark room, and the page must be placed either way.
        return [Problem.NO_DOCUMENT] + ([Problem.TOO_DARK] if dark else []), measures
    quad = detection.quad
    area = geometry.polygon_area(quad) / (detection.width * detection.height)
    outside = geometry.corners_outside(quad, detection.width, detection.height)
    cut = geometry.sides_on_border(quad, detection.width, detection.height, BORDER_FRACTION)
    measures.update(area_fraction=round(area, 4), corners_outside=outside, sides_on_border=cut)
    problems = [Problem.TOO_DARK] if dark else []
    if outside or cut:
        problems.append(Problem.NOT_FULLY_VISIBLE)
    if area < settings.min_area_fraction:
        problems.append(Problem.TOO_SMALL)
    return problems, measures


def page_problems(
    page: FlatPage, settings: QualitySettings
) -> tuple[list[Problem], dict[str, Any]]:
    """Problems of the flattened page: too dark, glare, blurry."""
    grey = page_grey(page.image)
    width = edge_width(grey, settings.blur_reference_px)
    level = paper_level(grey)
    glare = glare_fraction(page.image)
    measures: dict[str, Any] = {
        "edge_width": round(width, 2) if math.isfinite(width) else None,
        "paper_level": round(level, 1),
        "glare_fraction": round(glare, 4),
        "effective_dpi": round(page.dpi, 1),
        "format": page.format,
    }
    problems = []
    if level < settings.min_paper_level:
        problems.append(Problem.TOO_DARK)
    if glare > settings.max_glare_fraction:
        problems.append(Problem.GLARE)
    if width > settings.max_edge_width:
        problems.append(Problem.BLURRY)
    return problems, measures


def ordered(problems: list[Problem]) -> list[Problem]:
    """Sort problems in the order guidance reports them (most fundamental first)."""
    rank = {problem: i for i, problem in enumerate(Problem)}
    return sorted(set(problems), key=rank.__getitem__)


def frame_level(image: Image) -> float:
    """Brightness of the brightest parts of a frame (its 95th percentile, grey).

    When even they are dim, the scene is too dark, document or not.
    """
    small = cv2.resize(image, (max(1, image.shape[1] // 8), max(1, image.shape[0] // 8)))
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    return float(np.percentile(grey, 95))


def assess(
    detection: Detection,
    page: FlatPage | None,
    settings: QualitySettings,
    frame: Image | None = None,
) -> tuple[list[Problem], dict[str, Any]]:
    """All problems of a capture, frame and page together, with their measures."""
    level = frame_level(frame) if frame is not None else None
    problems, measures = frame_problems(detection, settings, level)
    if page is not None:
        more, page_measures = page_problems(page, settings)
        problems += more
        measures.update(page_measures)
    return ordered(problems), measures


def page_grey(page: Image) -> Image:
    """Grey version of a page (helper for callers that only have colour)."""
    return np.asarray(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
