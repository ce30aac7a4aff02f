"""Find the document's outline in a frame: candidates, scores, refinement, tracking.

Not a single Canny-and-largest-contour pass, which fails on cluttered or pale
desks (see ../shared/docs/capture.md §1, §2). On a small working copy:

1. candidate quadrilaterals come from straight edges (`scanning.lines`: a
   polarity-aware Hough transform, two lines of each family make a quad, or
   three lines and a document format, `scanning.three_sides`),
   from closed edge contours and from regions of one colour unlike the desk
   (`scanning.regions`), plus the previous frame's outline;
2. each is scored on the evidence along its sides (`scanning.outline`), on
   whether its sides end at its corners, and on how close its real
   proportions are to a document format (`scanning.aspect`);
3. among outlines about as well supported, the larger wins, since a page holds
   rectangles of its own (photos, printed frames, bands), never the reverse;
4. the choice must hold print (`scanning.content`, judged at a fixed page
   resolution) and, when it reaches out of the picture, show a page cut by
   the frame — a known format completes it, its sides are edges up to the
   border, its paper differs from the desk along each of them, most of the
   page is in view — or the next best is taken;
5. the chosen one is refined at full resolution by fitting a line to the edge
   found across each side; a page cut by the frame is completed to its whole
   outline from its known format (`scanning.complete`).

`QuadTracker` smooths the outline over frames and counts how long it has
been still, for auto-capture.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scanning import geometry
from scanning.complete import complete, placed_by_format
from scanning.content import has_print
from scanning.edges import EDGE_STEP, EdgeMaps, edge_maps, sample, working_copy
from scanning.lines import line_quads
from scanning.outline import (
    NEAR,
    areas,
    edge_support,
    on_border,
    order_many,
    plausible,
    score_sides,
)
from scanning.refine import refine
from scanning.regions import contour_quads, region_quads
from scanning.types import Detection, Image, Quad

#: Exponent of the preference for larger outlines: doubling the area is worth
#: about 11 % of score.
AREA_PREFERENCE = 0.15
#: A larger candidate around the best one wins if it scores at least this
#: share of the best score, and its weakest side at least this much.
NESTED_SCORE = 0.85
NESTED_WEAKEST_SIDE = 0.85
#: Below this score, an outline is not a document's.
MIN_SCORE = 0.45
#: How many of the best candidates are checked for print, one after the other.
CONTENT_CHECKED = 6
#: An outline closed by the frame's border is a page cut by the frame only if
#: the sides running to the border are edges on at least half of their part
#: nearest to it (from this share of their length on), a finger allowing.
RUN_CHECKED = 0.6
RUN_SUPPORT = 0.5
#: A cut page's paper differs from the desk (medians just inside and just
#: outside) by an edge step along each visible side, and by this many edge
#: steps over all of them together.
STANDS_OUT = 2.0
#: A document being shown has at least this share of its area in the picture.
MIN_IN_VIEW = 0.5
#: How many of the best candidates get variants with a side placed by format.
FORMAT_VARIANTS = 3
#: Smallest page considered, as a share of the frame.
MIN_AREA_FRACTION = 0.02


def choose(
    quads: NDArray[np.float64],
    scores: NDArray[np.float64],
    weakest: NDArray[np.float64],
    min_score: float,
) -> int:
    """Pick the page among scored candidates.

    The best score wins (a little help to the larger), except that a page
    holds rectangles of its own — a photo, a printed frame, a coloured band —
    whose sides are as clear as the page's: when a larger candidate contains
    the best one and is itself well supported on every side, it is the page.
    """
    size = areas(quads)
    best = int(np.argmax(scores * (size / size.max()) ** AREA_PREFERENCE))
    for index in np.argsort(-size):
        if size[index] <= size[best] * 1.05:
            break
        if (
            scores[index] >= max(min_score, NESTED_SCORE * scores[best])
            and weakest[index] >= NESTED_WEAKEST_SIDE
            and _contains(quads[index], quads[best])
        ):
            return int(index)
    return best


def _contains(outer: Quad, inner: Quad) -> bool:
    """Tell whether `inner` lies (almost) entirely inside `outer`."""
    inner_area, outer_area = geometry.polygon_area(inner), geometry.polygon_area(outer)
    # The IoU of a quad with one containing it is the ratio of their areas.
    return bool(outer_area > 0 and geometry.iou(outer, inner) >= 0.97 * inner_area / outer_area)


def runs_out(quad: Quad, maps: EdgeMaps) -> bool:
    """Tell whether an outline reaching out of the picture shows a page cut by the frame.

    A quad with a side along the frame's border, or a corner out of the
    picture, claims a page that runs out of it. Such a page shows the sides
    that leave the picture as edges right up to the border, and reaches the
    border with its paper: along the border, inside the quad, the colour is
    the paper's (inside the running sides near the far side, where the page
    surely is), not the desk's (outside them). An outline closed by the border
    around a stretch of desk fails one or the other.
    """
    if not _edges_where_they_leave(quad, maps):
        return False
    border = on_border(quad[None], maps.width, maps.height)[0]
    centre = quad.mean(axis=0)
    beyond = geometry.corners_outside(quad, maps.width, maps.height, margin=0.0) > 0
    if (border.any() or beyond) and not _stands_out(quad, border, centre, maps):
        return False
    t = np.linspace(RUN_CHECKED, 0.97, 16)[:, None]
    # The running sides of each side on the border, each from its far end to
    # its corner on the border, and which way the page lies from them.
    running = []
    for side in np.flatnonzero(border):
        for other, start, end in (
            ((side + 3) % 4, quad[(side + 3) % 4], quad[side]),
            ((side + 1) % 4, quad[(side + 2) % 4], quad[(side + 1) % 4]),
        ):
            if not border[other]:
                running.append((side, start, end, _inward(start, end, centre)))
    if not running:
        return True
    # All running sides must be edges up to the border: checked in one reading.
    if not _mostly_edge(
        np.stack([start + (end - start) * t for _, start, end, _ in running]),
        np.stack([np.broadcast_to(inward, t.shape[:1] + (2,)) for *_, inward in running]),
        maps,
    ):
        return False
    for side in np.flatnonzero(border):
        # The page itself, and its desk, are surest near the far side.
        paper, desk = [], []
        for _, start, end, inward in (r for r in running if r[0] == side):
            far = start + (end - start) * np.linspace(0.05, 0.4, 8)[:, None]
            paper.append(sample(maps.lab, far + inward * NEAR))
            desk.append(sample(maps.lab, far - inward * NEAR))
        if not paper:
            continue
        a, b = quad[side], quad[(side + 1) % 4]
        strip = a + (b - a) * np.linspace(0.1, 0.9, 16)[:, None]
        strip = strip + (centre - strip) / np.linalg.norm(centre - strip, axis=1)[:, None] * NEAR
        along = np.median(sample(maps.lab, strip), axis=0)
        to_paper = np.linalg.norm(along - np.median(np.concatenate(paper), axis=0))
        to_desk = np.linalg.norm(along - np.median(np.concatenate(desk), axis=0))
        if to_paper > to_desk:
            return False
    return True


def _stands_out(quad: Quad, border: NDArray[np.bool_], centre: Quad, maps: EdgeMaps) -> bool:
    """Tell whether the paper just inside the visible sides differs from the desk just outside.

    An outline reaching out of the picture claims a page cut by the frame:
    only its visible sides and its colour tell it from a stretch of desk
    between seams (planks, tile joints, a sheet's edge). A page's paper
    differs from the desk along each of its sides, and all round by more;
    across a seam the desk is the same on both sides, with steps here and
    there. Compared in median, side by side and over all visible sides.
    """
    inside, outside = [], []
    for side in np.flatnonzero(~border):
        a, b = quad[side], quad[(side + 1) % 4]
        points = a + (b - a) * np.linspace(0.1, 0.9, 16)[:, None]
        in_view = (points >= 0).all(axis=1) & (points[:, 0] <= maps.width - 1)
        points = points[in_view & (points[:, 1] <= maps.height - 1)]
        if len(points) < 4:
            continue
        inward = _inward(a, b, centre)
        inside.append(sample(maps.lab, points + inward * NEAR))
        outside.append(sample(maps.lab, points - inward * NEAR))
        step = np.median(inside[-1], axis=0) - np.median(outside[-1], axis=0)
        if np.linalg.norm(step) < EDGE_STEP:
            return False
    if not inside:
        return False
    paper = np.median(np.concatenate(inside), axis=0)
    desk = np.median(np.concatenate(outside), axis=0)
    return bool(np.linalg.norm(paper - desk) >= STANDS_OUT * EDGE_STEP)


def _inward(a: Quad, b: Quad, centre: Quad) -> Quad:
    """The unit normal of the segment a → b that points towards `centre`."""
    direction = (b - a) / (np.linalg.norm(b - a) + 1e-12)
    normal = np.array([-direction[1], direction[0]])
    return np.asarray(normal * (np.sign(np.dot(centre - a, normal)) or 1.0))


def _edges_where_they_leave(quad: Quad, maps: EdgeMaps) -> bool:
    """Tell whether the sides that leave the picture (to a corner out of it) are edges there."""
    points, normals = [], []
    for index in range(4):
        a, b = quad[index], quad[(index + 1) % 4]
        span = _visible_span(a, b, maps.width, maps.height)
        if span is None or span == (0.0, 1.0):
            continue
        low, high = span
        # The visible part's share nearest to where the side leaves the picture.
        if high < 1.0:
            t = np.linspace(low + RUN_CHECKED * (high - low), high, 16)
        else:
            t = np.linspace(low, high - RUN_CHECKED * (high - low), 16)
        points.append(a + (b - a) * t[:, None])
        direction = (b - a) / (np.linalg.norm(b - a) + 1e-12)
        normals.append(np.broadcast_to(np.array([-direction[1], direction[0]]), (16, 2)))
    return not points or _mostly_edge(np.stack(points), np.stack(normals), maps)


def _mostly_edge(points: Quad, normal: Quad, maps: EdgeMaps) -> bool:
    """Tell whether each stretch (row of `points`) is edge at `RUN_SUPPORT` where visible.

    `points` and `normal` are (stretches, points, 2), or (points, 2) for one stretch.
    """
    in_view, on_edge, _ = edge_support(points, normal, maps)
    supported = on_edge.reshape(-1, points.shape[-2]).sum(axis=1)
    visible = np.maximum(in_view.reshape(-1, points.shape[-2]).sum(axis=1), 1)
    return bool(np.all(supported >= RUN_SUPPORT * visible))


def _visible_span(a: Quad, b: Quad, width: int, height: int) -> tuple[float, float] | None:
    """The part [t0, t1] of segment a + t·(b − a), 0 ≤ t ≤ 1, inside the picture (Liang–Barsky)."""
    low, high = 0.0, 1.0
    delta = b - a
    for p, q in (
        (-delta[0], a[0]),
        (delta[0], width - 1.0 - a[0]),
        (-delta[1], a[1]),
        (delta[1], height - 1.0 - a[1]),
    ):
        if abs(p) < 1e-12:
            if q < 0:
                return None
            continue
        r = q / p
        if p < 0:
            low = max(low, r)
        else:
            high = min(high, r)
    return (float(low), float(high)) if high - low > 1e-6 else None


def mostly_in_view(quad: Quad, maps: EdgeMaps) -> bool:
    """Tell whether the page an outline shows is at least half in the picture.

    A document held up to the camera is mostly in view; a sheet lying at the
    desk's edge, mostly out of the picture, is not the one being shown. Only
    outlines closed by the frame's border can be completed to tell; one that
    the border closes but no known format completes (two sides on the border,
    or sides too short or too long for any format) shows no page we know.
    """
    if not on_border(quad[None], maps.width, maps.height).any():
        return True
    whole = complete(quad, maps.width, maps.height)
    if whole is None:
        return False
    frame = np.array(
        [[0, 0], [maps.width - 1, 0], [maps.width - 1, maps.height - 1], [0, maps.height - 1]],
        dtype=np.float64,
    )
    overlap = geometry.iou(whole, frame)
    area, frame_area = geometry.polygon_area(whole), geometry.polygon_area(frame)
    # IoU = I / (A + F - I), so I = IoU · (A + F) / (1 + IoU).
    inside = overlap * (area + frame_area) / (1.0 + overlap)
    return inside >= MIN_IN_VIEW * area


def to_frame(
    quad: Quad, scale: float, work_size: tuple[int, int], frame_size: tuple[int, int]
) -> Quad:
    """Map working-copy corners to frame pixels.

    Working pixel i covers frame pixels [i/scale, (i+1)/scale): centres map
    with a half-pixel shift. Corners on the working copy's border go exactly
    to the frame's border, where the frame cuts a page off.
    """
    full = (np.asarray(quad, dtype=np.float64) + 0.5) / scale - 0.5
    work_width, work_height = work_size
    width, height = frame_size
    full[:, 0] = np.where(np.abs(quad[:, 0]) < 0.5, 0.0, full[:, 0])
    full[:, 1] = np.where(np.abs(quad[:, 1]) < 0.5, 0.0, full[:, 1])
    full[:, 0] = np.where(np.abs(quad[:, 0] - (work_width - 1)) < 0.5, width - 1.0, full[:, 0])
    full[:, 1] = np.where(np.abs(quad[:, 1] - (work_height - 1)) < 0.5, height - 1.0, full[:, 1])
    return full


def detect(image: Image, prior: Quad | None = None, min_score: float = MIN_SCORE) -> Detection:
    """Find the document outline in a BGR frame.

    Args:
        image: the frame.
        prior: the outline found in the previous frame, if any (full-resolution pixels).
        min_score: below this score, the frame is said to hold no document.
    """
    height, width = image.shape[:2]
    work, scale = working_copy(image)
    maps = edge_maps(work)
    min_area = MIN_AREA_FRACTION * maps.width * maps.height
    found = [line_quads(maps, min_area)]
    others = contour_quads(maps, min_area) + region_quads(maps, min_area)
    if prior is not None:
        others.append((np.asarray(prior, dtype=np.float64) + 0.5) * scale - 0.5)
    if others:
        extra = order_many(np.array(others, dtype=np.float64).reshape(-1, 4, 2))
        found.append(extra[plausible(extra, maps.width, maps.height, min_area)])
    quads = np.concatenate(found)
    if not len(quads):
        return Detection(None, 0.0, width, height, 0)
    scores, weakest, evidence_only = score_sides(quads, maps)
    # The best few again, each side in turn placed by the formats' proportions.
    best_few = np.argsort(-scores)[:FORMAT_VARIANTS]
    more = np.concatenate([placed_by_format(quads[i], maps.width, maps.height) for i in best_few])
    more = order_many(more) if len(more) else more
    more = more[plausible(more, maps.width, maps.height, min_area)] if len(more) else more
    if len(more):
        quads = np.concatenate([quads, more])
        more_scores, more_weakest, more_evidence = score_sides(more, maps)
        scores = np.concatenate([scores, more_scores])
        weakest = np.concatenate([weakest, more_weakest])
        evidence_only = np.concatenate([evidence_only, more_evidence])
    # Outlines with too little evidence of a page are out; the others are
    # ranked with every cue. Only outlines around printed matter can be
    # documents: the choice is checked, and made again without it when it
    # holds no print.
    best = float(evidence_only.max())
    scores = np.where(evidence_only >= min_score, np.maximum(scores, 1e-6), 0.0)
    checked = 0
    while True:
        if not scores.any() or checked == CONTENT_CHECKED:
            return Detection(None, best, width, height, len(quads))
        index = choose(quads, scores, weakest, 0.0)
        full = to_frame(quads[index], scale, (maps.width, maps.height), (width, height))
        # The cheap test first: most outlines the border closes fail it.
        if mostly_in_view(quads[index], maps) and runs_out(quads[index], maps):
            checked += 1
            if has_print(image, full):
                break
        scores[index] = 0.0
    # Two passes: a wide search corrects the working copy's coarse corners,
    # a narrow one settles on the exact edge.
    refined = refine(image, full, radius=max(6.0, 3.0 / scale))
    refined = refine(image, refined, radius=4.0)
    # A page cut by the frame is reported whole, as its format says it is.
    whole = complete(refined, width, height)
    if whole is not None:
        refined = whole
    return Detection(refined, float(evidence_only[index]), width, height, len(quads))


class QuadTracker:
    """Smooths outlines over frames and counts how many frames they stayed still."""

    def __init__(self, smoothing: float = 0.5, still_fraction: float = 0.012) -> None:
        self.smoothing = smoothing
        self.still_fraction = still_fraction
        self.quad: Quad | None = None
        self.still_frames = 0
        self.misses = 0

    def update(self, detection: Detection) -> Quad | None:
        """Take the latest detection; return the smoothed outline (None if lost)."""
        if detection.quad is None:
            self.misses += 1
            self.still_frames = 0
            if self.misses >= 3:
                self.quad = None
            return self.quad
        self.misses = 0
        new = np.asarray(detection.quad, dtype=np.float64)
        if self.quad is None or geometry.iou(self.quad, new) < 0.8:
            self.quad, self.still_frames = new, 0
            return self.quad
        diagonal = float(np.hypot(detection.width, detection.height))
        moved = float(np.max(np.linalg.norm(new - self.quad, axis=1)))
        self.still_frames = self.still_frames + 1 if moved < self.still_fraction * diagonal else 0
        self.quad = self.smoothing * new + (1 - self.smoothing) * self.quad
        return self.quad

    def reset(self) -> None:
        """Forget everything (a new document is coming)."""
        self.quad, self.still_frames, self.misses = None, 0, 0
