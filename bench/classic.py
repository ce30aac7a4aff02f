"""The classic document-outline detector (OpenNoteScanner style), kept as a benchmark baseline.

Resize to 500 px high, grey, Gaussian 5x5, Canny 75/200, contours sorted by area, and the first
whose ``approxPolyDP(0.02 * perimeter)`` has four vertices is the page. It is deliberately naive:
the corpus exists to show where it breaks (clutter, pale desks, occluded corners, blur).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

WORK_HEIGHT = 500  # px: the height detection runs at
BLUR_THRESHOLD = 100.0  # variance of the Laplacian over the whole frame; the folk threshold
BORDER_PX = 2  # a corner this close to the border (in the 500 px image) may be cut off


def order_corners(points: np.ndarray) -> np.ndarray:
    """Order four points clockwise (in image coordinates) starting from the smallest x + y.

    Args:
        points: (4, 2) array.

    Returns:
        A (4, 2) float array.
    """
    pts = np.asarray(points, np.float64).reshape(4, 2)
    centre = pts.mean(axis=0)
    # With y pointing down, increasing atan2 turns clockwise on screen.
    pts = pts[np.argsort(np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0]))]
    return np.roll(pts, -int(np.argmin(pts.sum(axis=1))), axis=0)


def classic_detect(image_bgr: np.ndarray) -> dict[str, Any]:
    """Find the document outline and flag capture problems the classic way.

    Args:
        image_bgr: a BGR uint8 frame.

    Returns:
        ``{"quad": [[x, y]] * 4 clockwise from the top-left in frame pixels, or None,
        "problems": codes among "no_document", "not_fully_visible", "blurry",
        "measures": {"laplacian_var": float}}``.
    """
    height, width = image_bgr.shape[:2]
    ratio = height / WORK_HEIGHT
    # Bilinear and a truncated width, as OpenNoteScanner's Imgproc.resize call does.
    small = cv2.resize(image_bgr, (max(1, int(width / ratio)), WORK_HEIGHT))
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(grey, (5, 5), 0), 75, 200)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    quad = None
    for contour in sorted(contours, key=cv2.contourArea, reverse=True):
        approx = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
        if len(approx) == 4:
            quad = approx.reshape(4, 2).astype(np.float64)
            break
    problems: list[str] = []
    if quad is None:
        problems.append("no_document")
    else:
        sw, sh = small.shape[1], small.shape[0]
        near = (quad[:, 0] <= BORDER_PX) | (quad[:, 0] >= sw - 1 - BORDER_PX)
        near |= (quad[:, 1] <= BORDER_PX) | (quad[:, 1] >= sh - 1 - BORDER_PX)
        if near.any():
            problems.append("not_fully_visible")
        quad = order_corners(quad * ratio)
    full_grey = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    laplacian_var = float(cv2.Laplacian(full_grey, cv2.CV_64F).var())
    if laplacian_var < BLUR_THRESHOLD:
        problems.append("blurry")
    return {
        "quad": None if quad is None else quad.tolist(),
        "problems": problems,
        "measures": {"laplacian_var": laplacian_var},
    }
