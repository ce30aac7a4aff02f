"""Is a larger outline around the best one the page, or the best one and a strip beside it?

A page holds rectangles of its own (a photo, a printed frame, a coloured
band), so a well supported outline around the best one is usually the page
(`detect.choose`). But an outline that shares sides with the best one and
only moves one of them — out to another sheet's edge, a seam, the frame's
border — is also well supported, on the shared sides, without being a page:
the best one's sides stop at its corners, where the larger one's run on
over paper or desk. A page's sides run on past a rectangle printed on it,
and past a band across it, as edges: there the larger outline is the page.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scanning.cut_page import CORNER_CLEARANCE, CORNER_POINTS
from scanning.edges import EdgeMaps
from scanning.outline import ENDS_HERE, edge_support, in_view
from scanning.types import Quad

#: An inner outline's side lies on an outer one's within this distance at both
#: ends (working-copy pixels): the snapped variants of a side differ by one
#: or two, as in `detect._inside`.
SHARED = 2.0


def sides_run_on(outer: Quad, inner: Quad, maps: EdgeMaps) -> bool:
    """Tell whether the outer outline's sides run on, as edges, past the inner one's corners.

    On each side of `outer` that `inner` shares, the parts beyond the inner
    side's ends — from `CORNER_CLEARANCE` past the corner, clear of its blur
    — are read in view. The outer outline is not the page when every part
    long enough to judge (`CORNER_POINTS` points in view) is edge on at most
    `ENDS_HERE` of its points: its sides there are only the inner one's,
    extended. With nothing to judge, it may be the page.
    """
    judged = stopped = 0
    for k in range(4):
        start, end = outer[k], outer[(k + 1) % 4]
        length = float(np.linalg.norm(end - start))
        if length < 1e-9:
            continue
        unit = (end - start) / length
        normal = np.array([-unit[1], unit[0]])
        for j in range(4):
            a, b = inner[j], inner[(j + 1) % 4]
            if np.linalg.norm(b - a) <= SHARED:
                continue  # a point, not a side: it lies along any line near it
            if max(abs(float((a - start) @ normal)), abs(float((b - start) @ normal))) > SHARED:
                continue
            near, far = sorted((float((a - start) @ unit), float((b - start) @ unit)))
            # The parts before and after the inner side, clear of its corners.
            for first, last in ((0.0, near - CORNER_CLEARANCE), (far + CORNER_CLEARANCE, length)):
                part = _points_in_view(start + unit * first, unit, last - first, maps)
                if len(part) < CORNER_POINTS:
                    continue
                _, on_edge, _ = edge_support(part, np.broadcast_to(normal, part.shape), maps)
                judged += 1
                stopped += bool(on_edge.mean() <= ENDS_HERE)
    return judged == 0 or stopped < judged


def _points_in_view(start: Quad, unit: Quad, length: float, maps: EdgeMaps) -> NDArray[np.float64]:
    """Points a pixel apart from `start` along `unit` for `length`, those clear of the border."""
    if length < 1.0:
        return np.zeros((0, 2))
    points = start + np.arange(0.0, length, 1.0)[:, None] * unit
    return points[in_view(points[:, 0], points[:, 1], maps)]
