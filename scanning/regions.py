"""Candidate outlines from closed shapes: edge contours, and colour or brightness regions.

Straight lines (`scanning.lines`) miss a side that is faint or broken; a
closed shape may still show the page whole. Two kinds are fitted with quads
here, for the scorer to judge like any other candidate:

- closed contours of the edge map (the classic approach's only cue);
- regions split off by colour: the page's paper is one colour, unlike the
  desk around it (read along the picture's border, where the desk mostly is),
  or lighter than most of the picture. Each cue is thresholded by Otsu's
  method; the print inside a region is filled in, and thin links to its
  neighbours are cut, before its outline is taken.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from scanning import geometry
from scanning.edges import EdgeMaps
from scanning.types import Quad

#: Largest closed edge contours fitted.
CONTOURS = 12
#: Largest regions fitted per colour cue.
REGIONS_PER_CUE = 4
#: Width of the ring along the border where the desk's colour is read (share of the short side).
DESK_RING = 0.04
#: Closing fills print inside a region; opening cuts thin links (working-copy pixels).
FILL_PX, CUT_PX = 5, 5


def quad_from_outline(points: NDArray[np.int32], min_area: float) -> Quad | None:
    """A quad fitted to an outline's convex hull, or None when the hull is small or no quad."""
    hull = cv2.convexHull(points)
    if cv2.contourArea(hull) < min_area:
        return None
    perimeter = cv2.arcLength(hull, True)
    for epsilon in (0.01, 0.02, 0.04):
        polygon = cv2.approxPolyDP(hull, epsilon * perimeter, True).reshape(-1, 2)
        if len(polygon) == 4:
            return polygon.astype(np.float64)
        if 4 < len(polygon) <= 8:
            quad = geometry.reduce_to_quad(polygon.astype(np.float64))
            if quad is not None:
                return quad
    return None


def contour_quads(maps: EdgeMaps, min_area: float) -> list[Quad]:
    """Quads fitted to the largest closed edge contours."""
    closed = cv2.dilate(maps.edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    contours = sorted(contours, key=cv2.contourArea, reverse=True)[:CONTOURS]
    quads = [quad_from_outline(np.asarray(c, dtype=np.int32), min_area) for c in contours]
    return [q for q in quads if q is not None]


def desk_colour(lab: NDArray[np.float32], ring: float = DESK_RING) -> NDArray[np.float32]:
    """The median Lab colour along the picture's border, where the desk mostly is."""
    h, w = lab.shape[:2]
    k = max(2, int(round(ring * min(h, w))))
    border = np.concatenate(
        [
            lab[:k].reshape(-1, 3),
            lab[-k:].reshape(-1, 3),
            lab[k:-k, :k].reshape(-1, 3),
            lab[k:-k, -k:].reshape(-1, 3),
        ]
    )
    return np.asarray(np.median(border, axis=0), dtype=np.float32)


def colour_masks(maps: EdgeMaps) -> list[NDArray[np.uint8]]:
    """Binary masks (255 = maybe page): unlike the desk's colour; lighter than most of the frame."""
    lab = maps.lab
    # OpenCV on whole planes, not numpy along a 3-long last axis: several times faster.
    planes = [plane - level for plane, level in zip(cv2.split(lab), desk_colour(lab), strict=True)]
    unlike = cv2.convertScaleAbs(cv2.magnitude(cv2.magnitude(planes[0], planes[1]), planes[2]))
    lightness = cv2.convertScaleAbs(cv2.extractChannel(lab, 0))
    masks = []
    for cue in (unlike, lightness):
        _, mask = cv2.threshold(cue, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        masks.append(np.asarray(mask, dtype=np.uint8))
    return masks


def region_quads(maps: EdgeMaps, min_area: float) -> list[Quad]:
    """Quads fitted to the largest regions of each colour mask."""
    fill = cv2.getStructuringElement(cv2.MORPH_RECT, (FILL_PX, FILL_PX))
    cut = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (CUT_PX, CUT_PX))
    quads: list[Quad] = []
    for mask in colour_masks(maps):
        shaped = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, fill)
        shaped = cv2.morphologyEx(shaped, cv2.MORPH_OPEN, cut)
        contours, _ = cv2.findContours(shaped, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:REGIONS_PER_CUE]:
            quad = quad_from_outline(np.asarray(contour, dtype=np.int32), min_area)
            if quad is not None:
                quads.append(quad)
    return quads
