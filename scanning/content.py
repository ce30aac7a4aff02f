"""Does an outline hold printed matter? The check that tells a document from a patch of desk.

A document carries print — letters, the lines of a form, a photo — made of
many small separate marks. A sticky note, a phone or a patch of desk has
hardly any edges, and floor tiles have long grout lines but no marks.

Print is judged on the outline's interior flattened to a fixed size, as blur
is (capture.md §2): on the detector's working copy a small page's letters are
narrower than a pixel and vanish, and a big page's are needlessly fine. Ink
is a share of the paper's reflectance, so the edges looked for are steps of
a share of the paper's brightness: a page in a dim room shows its print as
well as one in daylight, at a lower level.

Ink is darker than its paper. Where the sample departs from its own
surroundings, a page mostly shows darker spots — letters, rules, a photo's
features. Print needs more dark departures than light ones: this leaves out
what departs mostly lighter — a black keyboard's letters, light grout, a
screen's reflections — and what departs either way about as often, like the
texture of a dark desk. Departures are counted from a step clear of the
noise, which departs both ways too. Wood grain, darker streaks on lighter
wood, passes it, as it passes the edge and mark counts. A document printed
light on dark (a white-on-navy card) would not count as print; identity
documents and letters are dark on light.

Print is laid out: lines of text, a form's rows and boxes, a table's rules,
a card's bands, all along the page's sides. Averaged along each row of the
flattened page (or each column), its departures leave a profile that varies
from row to row: a line of text, then the paper between lines. Departures
scattered over the surface average out. For independent ones, the variance
of a row's mean is a pixel's divided by the row's length; scaled back by that
length, the ratio (`_layout`) is 1, and about b for blobs b pixels wide. The
noise of a blank phone screen, its JPEG blocks, the grain of a floor tile
stay under 4 on the corpora; printed pages measure about 9 and more, most
over 20. Print needs `MIN_LAYOUT`. A page holding nothing but a photograph,
with no line of print, would not count; the documents the kiosk asks for
all carry lines of text.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from scanning.types import Image, Quad

#: Long side, in pixels, of the flattened interior in which print is sought:
#: an A4 page's letters (2 mm high) span about 1.5 pixels there, a card's 3.
SAMPLE_LONG_SIDE = 320
#: Share of the outline kept around its centre: the outline itself is left out.
INTERIOR = 0.85
#: An edge is a step of at least this share of the paper's brightness: ink
#: reflects a fraction of what paper does, and even pale print, once blurred to
#: the sample's scale, keeps a fifth of the paper's brightness as contrast.
MIN_STEP = 0.05
#: A mark has at least this many edge pixels per pixel of its extent.
MARK_SHAPE = 1.5
#: A printed page has at least this share of edge pixels, and this many small
#: marks (letters, boxes) per 10 000 sample pixels.
MIN_EDGE_SHARE = 0.03
MIN_MARKS = 0.5
#: Width (sample pixels) of the window in which the paper's brightness is read.
PAPER_PX = 15
#: Width (sample pixels) of the median that print departs from: well wider
#: than a stroke at the sample's scale (letters 1.5 pixels high, rules 1 or 2
#: wide, more where the page is blurred). A median over 5 pixels, or over 10
#: on a sample halved in size, told print from desk less well on the corpora;
#: over 7 it costs 2 ms, OpenCV's median being slow past 5.
INK_WINDOW = 7
#: Print is laid out in lines: the departures' row (or column) means vary at
#: least this many times more than those of scattered departures (1).
MIN_LAYOUT = 6.0


def flattened_interior(image: Image, quad: Quad) -> Image:
    """The outline's interior, in grey (green), flattened to `SAMPLE_LONG_SIDE` pixels."""
    centre = quad.mean(axis=0)
    inner = (centre + (quad - centre) * INTERIOR).astype(np.float64)
    sides = np.linalg.norm(np.roll(inner, -1, axis=0) - inner, axis=1)
    width, height = max(sides[0], sides[2]), max(sides[1], sides[3])
    # Shrink by a whole factor first (averaging, so noise falls), then warp almost 1:1.
    factor = max(1, int(max(width, height) // SAMPLE_LONG_SIDE))
    frame_h, frame_w = image.shape[:2]
    x0, y0 = np.floor(np.clip(inner.min(axis=0), 0, [frame_w - 1, frame_h - 1])).astype(int)
    x1, y1 = np.ceil(np.clip(inner.max(axis=0), 0, [frame_w - 1, frame_h - 1])).astype(int) + 1
    if y1 - y0 < factor or x1 - x0 < factor:
        return np.zeros((1, 1), np.uint8)
    grey = shrunk_green(image, (x0, y0, x1, y1), factor)
    scale = SAMPLE_LONG_SIDE / max(width, height)
    out_w, out_h = max(8, round(width * scale)), max(8, round(height * scale))
    source = ((inner - [x0, y0]) + 0.5) / factor - 0.5
    target = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]])
    matrix = cv2.getPerspectiveTransform(source.astype(np.float32), target.astype(np.float32))
    flat = cv2.warpPerspective(
        grey, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(flat, dtype=np.uint8)


def shrunk_green(image: Image, box: tuple[int, int, int, int], factor: int) -> Image:
    """The green channel of `image[y0:y1, x0:x1]`, shrunk by a whole `factor` (area averaging).

    Green alone stands for brightness: ink of any usual colour (black, blue,
    red) absorbs it, and it is the sensor's least noisy channel. Shrunk pixel
    (u, v) covers frame pixels from (x0 + u·factor, y0 + v·factor), `factor`
    each way; the rows and columns past the last whole block are left out.
    """
    x0, y0, x1, y1 = box
    small_size = (max(1, (x1 - x0) // factor), max(1, (y1 - y0) // factor))
    crop = image[y0 : y0 + small_size[1] * factor, x0 : x0 + small_size[0] * factor]
    # (OpenCV's channel copy: the same bytes as numpy's strided one, faster.)
    grey: Image = np.asarray(cv2.extractChannel(crop, 1)) if crop.ndim == 3 else crop
    if factor > 1:
        grey = np.asarray(cv2.resize(grey, small_size, interpolation=cv2.INTER_AREA), np.uint8)
    return grey


def printed_content(image: Image, quad: Quad) -> tuple[float, float, float, float]:
    """How much print a quad's interior holds.

    Returns the share of edge pixels, the small marks per 10 000 pixels, the
    share of darker spots among the spots departing from their surroundings
    (`INK_WINDOW`), and how much those departures are laid out in lines
    (`_layout`).
    """
    sample = _sample(image, quad)
    if sample is None:
        return 0.0, 0.0, 0.0, 0.0
    flat, smooth, paper = sample
    departure = _departure(flat, smooth)
    return (*_edges_and_marks(*sample), _darker_share(departure, paper), _layout(departure))


def has_print(image: Image, quad: Quad) -> bool:
    """Tell whether a quad's interior (frame pixels) looks printed (see `printed_content`)."""
    sample = _sample(image, quad)
    if sample is None:
        return False
    edges, marks = _edges_and_marks(*sample)
    if edges < MIN_EDGE_SHARE or marks < MIN_MARKS:
        return False
    # The departures last: their median costs more than the rest together.
    flat, smooth, paper = sample
    departure = _departure(flat, smooth)
    return _darker_share(departure, paper) > 0.5 and _layout(departure) >= MIN_LAYOUT


def _sample(image: Image, quad: Quad) -> tuple[Image, Image, float] | None:
    """The flattened interior, smoothed, and its paper's brightness (None when too small)."""
    flat = flattened_interior(image, quad)
    if min(flat.shape) < 8:
        return None
    smooth = np.asarray(cv2.GaussianBlur(flat, (3, 3), 0), dtype=np.uint8)
    # The paper's brightness around each pixel (print is thinner than the
    # window), and its median: a glare spot or the lit part of a page half in
    # shadow would set too high a level for the print elsewhere.
    window = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (PAPER_PX, PAPER_PX))
    around = np.asarray(cv2.dilate(smooth, window), dtype=np.uint8)
    return flat, smooth, _median_level(around)


def _edges_and_marks(flat: Image, smooth: Image, paper: float) -> tuple[float, float]:
    """Share of edge pixels, and small marks per 10 000 pixels."""
    edges, marks = edges_and_marks(smooth, paper)
    area = flat.shape[0] * flat.shape[1]
    return float(np.count_nonzero(edges) / area), float(len(marks) / area * 10_000)


def edges_and_marks(smooth: Image, paper: float) -> tuple[Image, NDArray[np.float64]]:
    """The edge map of a smoothed sample, and the centres (x, y) of its small marks."""
    # Sobel's response to a step of h levels is 4·h — 3·h on the sample
    # smoothed by the 3 × 3 Gaussian, where this asks for steps of 4/3 of
    # `MIN_STEP`. At 3·h, a patch of desk was taken for print in 7 frames
    # with no document on the five corpora (IoU sum −0.37).
    high = max(4.0 * MIN_STEP * paper, 8.0)
    edges = cv2.Canny(smooth, high / 2, high, L2gradient=True)
    # The sample's own border is no mark: a line cut by it would count as several.
    edges[:2], edges[-2:], edges[:, :2], edges[:, -2:] = 0, 0, 0, 0
    # Grana's labelling (BBDT) finds the same components as the default one,
    # in about half the time here; only their statistics are read, in any order.
    count, _, stats, centres = cv2.connectedComponentsWithStatsWithAlgorithm(
        edges, 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    extent = np.maximum(stats[1:count, cv2.CC_STAT_WIDTH], stats[1:count, cv2.CC_STAT_HEIGHT])
    area = smooth.shape[0] * smooth.shape[1]
    pixels = stats[1:count, cv2.CC_STAT_AREA]
    # A mark is small, and has strokes in two directions (a letter, a box's
    # corner): a straight piece of a long line — grout, a rule — has as many
    # pixels as its extent.
    marks = (extent < 0.15 * np.sqrt(area)) & (pixels >= 3) & (pixels >= MARK_SHAPE * extent)
    return np.asarray(edges, dtype=np.uint8), np.asarray(centres[1:count][marks], dtype=np.float64)


def _departure(flat: Image, smooth: Image) -> NDArray[np.int16]:
    """How far each pixel departs from the median around it (`INK_WINDOW`), in levels."""
    return np.asarray(
        smooth.astype(np.int16) - cv2.medianBlur(flat, INK_WINDOW).astype(np.int16), np.int16
    )


def _darker_share(departure: NDArray[np.int16], paper: float) -> float:
    """Share of darker departures among the departures from the median around each pixel."""
    # The same step as the edges', and clear of the noise (three of its
    # standard deviations, from the median departure): a dark page's faint
    # print would otherwise be outnumbered by its noise, which departs both ways.
    noise = 1.4826 * _median_level(np.abs(departure))
    step = max(MIN_STEP * paper, 2.0, 3.0 * noise)
    darker = np.count_nonzero(departure < -step)
    lighter = np.count_nonzero(departure > step)
    return darker / (darker + lighter) if darker + lighter else 0.0


def _layout(departure: NDArray[np.int16]) -> float:
    """How many times more the departures' row (or column) means vary than scattered ones would.

    For departures independent from pixel to pixel, the variance of the mean
    of a row of n is n times less than a pixel's: the ratio, scaled by n, is 1.
    Lines of print make whole rows darker than the paper between them.
    """
    values = departure.astype(np.float32)
    spread = float(values.var())
    if spread == 0.0:
        return 0.0
    rows = float(values.mean(axis=1).var() * values.shape[1])
    columns = float(values.mean(axis=0).var() * values.shape[0])
    return max(rows, columns) / spread


def _median_level(levels: NDArray[np.integer[Any]]) -> float:
    """Median of whole levels 0–255, from their histogram (faster than sorting)."""
    counts = np.cumsum(np.bincount(levels.ravel(), minlength=256))
    return float(np.searchsorted(counts, 0.5 * counts[-1]))
