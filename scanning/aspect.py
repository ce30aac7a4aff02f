"""Real proportions of candidate outlines, and how well they match document formats.

A rectangle seen in perspective no longer shows its proportions: a page
tilted 30° away from the camera looks up to a fifth shorter than it is. The
ratio of its sides on the page is recovered from the four corners and the
camera's focal length (Zhang & He, "Whiteboard scanning and image
enhancement", 2007): the two vanishing directions of the page's sides are
brought back to the camera's frame and compared.

The focal length is not known for every webcam; a nominal one is used.
Webcams see 55–80° across; the ratio found depends on the focal length only
through the tilt's second-order terms, so a nominal 65° field is close enough
to tell an A4 page (1.414) from an identity card (1.586).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scanning import geometry

#: Nominal horizontal field of view of a webcam, in degrees.
NOMINAL_FIELD = 65.0
#: Formats documents come in: long side / short side.
RATIOS = np.array([long / short for short, long in geometry.FORMATS.values()])
#: Relative error of the measured ratio still counted as a match: the
#: measure is good to a few percent when the lens axis is known, up to 8 %
#: when it is not through the picture's centre (a cropped picture); A4 and
#: ID-1 differ by 12 %, a card without its printed band by 25 %.
TOLERANCE = 0.08
#: Longest proportions an outline wholly in view may measure and still be a
#: document's. The longest format is ID-1's, 1.586. Measured with the
#: nominal field, a document tilted up to 60° from the lens axis, anywhere in
#: view of a camera whose field is anywhere from 55 to 80°, measures at most
#: 1.98 (`tests/test_scanning_outline.py` checks it). A till receipt
#: measures 2.3–2.8, a passport's machine-readable zone about 5.
MAX_DOCUMENT_RATIO = 2.0


def true_ratios(quads: NDArray[np.float64], width: int, height: int) -> NDArray[np.float64]:
    """Long over short side of the rectangles the quads (N, 4, 2) picture, clockwise from top-left.

    `width` and `height` are those of the picture the corners are given in:
    the lens axis is taken through its centre.
    """
    focal = width / (2.0 * np.tan(np.radians(NOMINAL_FIELD) / 2.0))
    centre = np.array([width / 2.0, height / 2.0])
    # Normalised camera coordinates: the calibration matrix's inverse applied to each corner.
    points = np.concatenate([(quads - centre) / focal, np.ones(quads.shape[:2] + (1,))], axis=2)
    m1, m2, m4, m3 = points[:, 0], points[:, 1], points[:, 2], points[:, 3]  # tl, tr, br, bl
    cross = geometry.cross_rows
    cross14 = cross(m1, m4)
    with np.errstate(divide="ignore", invalid="ignore"):
        k2 = np.einsum("ij,ij->i", cross14, m3) / np.einsum("ij,ij->i", cross(m2, m4), m3)
        k3 = np.einsum("ij,ij->i", cross14, m2) / np.einsum("ij,ij->i", cross(m3, m4), m2)
        across = k2[:, None] * m2 - m1  # direction of the top side, in the camera's frame
        down = k3[:, None] * m3 - m1  # direction of the left side
        ratio = np.linalg.norm(across, axis=1) / np.linalg.norm(down, axis=1)
    ratio = np.where(np.isfinite(ratio) & (ratio > 0), ratio, 1.0)
    return np.asarray(np.maximum(ratio, 1.0 / ratio), dtype=np.float64)


def document_proportions(quads: NDArray[np.float64], width: int, height: int) -> NDArray[np.bool_]:
    """Which quads (N, 4, 2) picture a rectangle no longer than a document's.

    No longer than `MAX_DOCUMENT_RATIO` : 1, measured with the nominal field.
    """
    return np.asarray(true_ratios(quads, width, height) <= MAX_DOCUMENT_RATIO)


def format_match(quads: NDArray[np.float64], width: int, height: int) -> NDArray[np.float64]:
    """How close each quad's real proportions are to a known format, in [0, 1]."""
    ratio = true_ratios(quads, width, height)
    error = np.min(np.abs(ratio[:, None] - RATIOS[None, :]) / RATIOS[None, :], axis=1)
    return np.asarray(np.exp(-((error / TOLERANCE) ** 2)), dtype=np.float64)
