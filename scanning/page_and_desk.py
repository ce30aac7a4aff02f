"""Is a larger outline a page and the desk beside it? Tells a page from page-plus-desk.

A page holds rectangles of its own — a photo, a printed frame, a coloured
band — and the larger outline around them wins (`scanning.detect.choose`).
The reverse happens too: an outline made of a page's two sides, run on past
its corners, and two lines of the desk (tile joints, a plank's seam, the
frame's border) holds the page and a stretch of desk. Its sides are clear,
it holds print, and it is larger: on a small card, the discount for small
outlines ranks it first.

What tells them apart is the part of the larger outline outside the smaller
one (the ring). Around a page's own photo or band, it is the rest of the
page: print, laid out as in the rest of the page. Beside a page, it is desk:
no print, and the desk's colour, as seen all round the larger outline.
Both are read: the ring's marks (letters, boxes) on the flattened outline,
as `scanning.content` counts them, and its colours on the working copy.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from scanning import geometry
from scanning.content import SAMPLE_LONG_SIDE, edges_and_marks, shrunk_green
from scanning.edges import EdgeMaps, sample
from scanning.outline import NEAR
from scanning.types import Image, Quad

#: The ring holds no print when it has less than this share of the smaller
#: outline's density of marks: desk has next to none (the card on tiles of
#: the tests: none, against 19 per 10 000 pixels on the card), the rest of a
#: printed page has print of its own.
RING_MARKS = 0.3
#: Share of the flattened outline's size left out along its sides and around
#: the smaller outline: their own edges are no marks.
EDGE_BAND = 0.03
#: How far around the smaller outline the ring is read, as a share of its size each way.
AROUND = 0.5
#: Below this share of the smaller outline's size, the ring is too thin to judge.
MIN_RING = 0.05
#: Samples across each side of the working-copy grid laid over the larger outline.
GRID = 16

#: A smaller outline flattened with what lies around it: the sample, the
#: homography from frame pixels to it, which of its pixels the frame shows,
#: and the centres of its marks (`_surroundings`).
Surroundings = tuple[Image, NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]
#: Points laid over a larger outline, their Lab colours, and the desk's colour (`_grid`).
Grid = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


class PageBesideDesk:
    """Tells, for outlines of one frame, whether a larger one is a smaller one and desk beside it.

    Each smaller outline's surroundings are flattened once, at the scale at
    which `scanning.content` looks for print on it, however many larger
    outlines it is compared with.
    """

    def __init__(self, image: Image, maps: EdgeMaps) -> None:
        self.image, self.maps = image, maps
        self._around: list[tuple[Quad, Surroundings]] = []
        self._grids: dict[bytes, Grid | None] = {}

    def desk_colour_beside(self, outer: Quad, inner: Quad) -> bool:
        """Tell whether the ring between two outlines (working-copy corners) is desk-coloured."""
        key = np.asarray(outer, dtype=np.float64).tobytes()
        if key not in self._grids:
            self._grids[key] = _grid(self.maps, outer)
        grid = self._grids[key]
        return grid is not None and _desk_colour_in_ring(grid, inner)

    def no_print_beside(self, outer: Quad, inner: tuple[Quad, Quad]) -> bool:
        """Tell whether the ring between two outlines holds no print.

        `outer` is in frame pixels; `inner` in frame pixels, then in working-copy pixels.
        """
        return _no_print_in_ring(self._surroundings_of(*inner), outer)

    def _surroundings_of(self, inner_frame: Quad, inner_work: Quad) -> Surroundings:
        # Outlines within a working-copy pixel of one already flattened (the
        # snapped variants of a candidate) share its sample.
        for seen, around in self._around:
            if np.abs(seen - inner_work).max() <= 1.0:
                return around
        around = _surroundings(self.image, inner_frame)
        self._around.append((np.asarray(inner_work, dtype=np.float64), around))
        return around


def _surroundings(image: Image, quad: Quad) -> Surroundings:
    """An outline and what lies around it (`AROUND` of its size each way), flattened.

    The outline fills the middle of the sample at `SAMPLE_LONG_SIDE` pixels,
    as in `scanning.content`. Returns the grey (green) sample, the homography
    from frame pixels to it, which of its pixels lie in the frame, and the
    centres of its marks (`content.edges_and_marks`, the paper read inside
    the outline).
    """
    quad = np.asarray(quad, dtype=np.float64)
    sides = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)
    width, height = max(sides[0], sides[2]), max(sides[1], sides[3])
    scale = SAMPLE_LONG_SIDE / max(width, height)
    out_w, out_h = max(8, round(width * scale)), max(8, round(height * scale))
    mx, my = round(AROUND * out_w), round(AROUND * out_h)
    size = (out_w + 2 * mx, out_h + 2 * my)
    target = np.array(
        [[mx, my], [mx + out_w - 1, my], [mx + out_w - 1, my + out_h - 1], [mx, my + out_h - 1]]
    )
    to_sample = cv2.getPerspectiveTransform(quad.astype(np.float32), target.astype(np.float32))
    # The frame's part that the sample shows (all of it when the sample reaches its horizon).
    frame_h, frame_w = image.shape[:2]
    canvas = np.array([[0, 0, 1], [size[0], 0, 1], [size[0], size[1], 1], [0, size[1], 1]], float)
    back = canvas @ np.linalg.inv(to_sample).T
    x0, y0, x1, y1 = 0, 0, frame_w, frame_h
    if np.all(back[:, 2] > 0):
        corners = back[:, :2] / back[:, 2:]
        x0, y0 = np.clip(np.floor(corners.min(axis=0)).astype(int), 0, [frame_w - 1, frame_h - 1])
        x1, y1 = np.clip(np.ceil(corners.max(axis=0)).astype(int) + 1, 1, [frame_w, frame_h])
    if x1 <= x0 or y1 <= y0:
        x0, y0, x1, y1 = 0, 0, frame_w, frame_h
    # Shrink by a whole factor first (averaging, so noise falls), as `content` does.
    factor = max(1, int(max(width, height) // SAMPLE_LONG_SIDE))
    grey = shrunk_green(image, (x0, y0, x1, y1), factor)
    # Shrunk-crop pixels to frame pixels (pixel centres), then to the sample's.
    to_frame = np.array(
        [[factor, 0, (factor - 1) / 2 + x0], [0, factor, (factor - 1) / 2 + y0], [0, 0, 1]]
    )
    matrix = to_sample @ to_frame
    flat = cv2.warpPerspective(grey, matrix, size, flags=cv2.INTER_LINEAR)
    seen = cv2.warpPerspective(
        np.ones(grey.shape[:2], np.uint8), matrix, size, flags=cv2.INTER_NEAREST
    )
    smooth = np.asarray(cv2.GaussianBlur(flat, (3, 3), 0), dtype=np.uint8)
    # The paper's level: the outline's light parts (print covers less than a tenth).
    paper = float(np.percentile(smooth[my : my + out_h, mx : mx + out_w], 90))
    _, marks = edges_and_marks(smooth, paper)
    return smooth, np.asarray(to_sample, dtype=np.float64), seen > 0, marks


def _no_print_in_ring(around: Surroundings, outer: Quad) -> bool:
    """Tell whether the ring has far fewer marks, for its size, than the smaller outline."""
    sample, to_sample, seen, marks = around
    height, width = sample.shape
    inner_w, inner_h = round(width / (1 + 2 * AROUND)), round(height / (1 + 2 * AROUND))
    mx, my = (width - inner_w) // 2, (height - inner_h) // 2
    band = max(2, round(EDGE_BAND * max(inner_w, inner_h)))
    kernel = np.ones((2 * band + 1, 2 * band + 1), np.uint8)
    outer_mask = np.zeros((height, width), np.uint8)
    outer_in_sample = cv2.perspectiveTransform(np.asarray(outer, np.float64)[None], to_sample)[0]
    cv2.fillConvexPoly(outer_mask, np.rint(outer_in_sample).astype(np.int32), 1)
    # Clear of the outer outline's sides, of the frame's edge and of the inner outline's sides.
    usable = cv2.erode(outer_mask & seen.view(np.uint8), kernel) > 0
    inside = np.zeros((height, width), bool)
    inside[my + band : my + inner_h - band, mx + band : mx + inner_w - band] = True
    near_inner = np.zeros((height, width), bool)
    near_inner[max(0, my - band) : my + inner_h + band, max(0, mx - band) : mx + inner_w + band] = (
        True
    )
    ring = usable & ~near_inner
    if ring.sum() < MIN_RING * inner_w * inner_h or not inside.any():
        return False
    x = np.clip(np.rint(marks[:, 0]).astype(np.intp), 0, width - 1)
    y = np.clip(np.rint(marks[:, 1]).astype(np.intp), 0, height - 1)
    in_ring = np.count_nonzero(ring[y, x]) / np.count_nonzero(ring)
    in_inner = np.count_nonzero(inside[y, x]) / np.count_nonzero(inside)
    return bool(in_inner > 0 and in_ring < RING_MARKS * in_inner)


def _grid(maps: EdgeMaps, outer: Quad) -> Grid | None:
    """Points laid over the larger outline (those in the picture), their colours, and the desk's.

    The desk is read just outside the outline, all round (None when too
    little of it is in the picture).
    """
    steps = (np.arange(GRID) + 0.5) / GRID
    across, down = (grid.reshape(-1, 1) for grid in np.meshgrid(steps, steps))
    points = geometry.spread_over(outer, across, down)
    points = points[_in_view(points, maps)]
    around = _just_outside(outer, maps)
    if len(around) < 8:
        return None
    colours = sample(maps.lab, points).astype(np.float64)
    return points, colours, np.median(sample(maps.lab, around), axis=0)


def _desk_colour_in_ring(grid: Grid, inner: Quad) -> bool:
    """Tell whether most of the ring is nearer the desk's colour than the inner outline's paper.

    The paper is the lighter half of the inner outline's points (print is
    darker than its paper).
    """
    points, colours, desk = grid
    depth = geometry.depth_inside(points, inner)
    ring, inside = colours[depth < -NEAR], colours[depth > NEAR]
    if min(len(ring), len(inside)) < 8:
        return False
    paper = np.median(inside[inside[:, 0] >= np.median(inside[:, 0])], axis=0)
    nearer_desk = np.linalg.norm(ring - desk, axis=1) < np.linalg.norm(ring - paper, axis=1)
    return bool(np.mean(nearer_desk) >= 0.5)


def _just_outside(quad: Quad, maps: EdgeMaps) -> NDArray[np.float64]:
    """Points just outside each side of a quad (at `NEAR` and twice that), those in the picture."""
    centre = quad.mean(axis=0)
    t = np.linspace(0.1, 0.9, 12)[:, None]
    points = []
    for index in range(4):
        a, b = quad[index], quad[(index + 1) % 4]
        outward = -geometry.inward_normal(a, b, centre)
        points += [a + (b - a) * t + outward * offset for offset in (NEAR, 2 * NEAR)]
    stacked = np.concatenate(points)
    return np.asarray(stacked[_in_view(stacked, maps)], dtype=np.float64)


def _in_view(points: NDArray[np.float64], maps: EdgeMaps) -> NDArray[np.bool_]:
    """Which points lie in the working copy."""
    x, y = points[:, 0], points[:, 1]
    return np.asarray((x >= 0) & (x <= maps.width - 1) & (y >= 0) & (y <= maps.height - 1))
