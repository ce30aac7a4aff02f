"""Does an outline reaching out of the picture show a page cut by the frame?

A quad with a side along the frame's border, or a corner out of the
picture, claims a page that runs out of it. The border cannot show that
page's fourth side, so the claim is checked on what can be seen: the sides
that leave the picture are edges right up to the border, the paper differs
from the desk along every visible side, the page reaches the border with
its paper, and a known format completes it to a page mostly in view. A
stretch of floor between tile joints or planks, closed by the border, fails
one or the other.

When the format puts a corner of the cut side within the picture (the page
crosses the border with that side, one of its corners in view),
`corner_shows` reads whether the corner is there: the running side stops at
it, and the cut side leaves it as an edge.
"""

from __future__ import annotations

import functools
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from scanning import geometry
from scanning.complete import complete
from scanning.edges import EDGE_STEP, EdgeMaps, sample
from scanning.outline import ENDS_HERE, NEAR, edge_support, on_border
from scanning.types import Quad

#: An outline closed by the frame's border is a page cut by the frame only if
#: the sides running to the border are edges on at least half of their part
#: nearest to it (from this share of their length on), a finger allowing.
RUN_CHECKED = 0.6
RUN_SUPPORT = 0.5
#: …and they are edges right up to the border: at most this share of the
#: part of each read, next to the border, shows none (its last 5 % is not
#: read: the last pixels are blurred into the frame's edge;
#: `_reach_the_border`). A page whose corner lies a little inside the
#: picture, closed by the border on the working copy, has its sides stop at
#: its corners, with desk between them and the border.
END_GAP = 0.06
#: A cut page's paper differs from the desk (medians just inside and just
#: outside) by an edge step along each visible side, and by this many edge
#: steps over all of them together.
STANDS_OUT = 2.0
#: A document being shown has at least this share of its area in the picture.
MIN_IN_VIEW = 0.5
#: A corner that completion places in view is judged from this far past it
#: (clear of its blur), one point a working-copy pixel, up to a pixel from
#: the border; with fewer points than `CORNER_POINTS` on either line, it
#: cannot be told from the border and is not taken.
CORNER_CLEARANCE = 1.5
CORNER_POINTS = 3
#: A page cut by the frame shows its paper, between its print, at this share
#: of the points along the border at least; a stretch of desk at none, or at
#: one or two (a light speck). A share rather than the median colour: print
#: along the border (a table, a passport's machine-readable lines) darkens
#: the median away from the paper's colour.
PAPER_AT_BORDER = 0.15


def runs_out(quad: Quad, maps: EdgeMaps) -> bool:
    """Tell whether an outline reaching out of the picture shows a page cut by the frame.

    A quad with a side along the frame's border, or a corner out of the
    picture, claims a page that runs out of it. Such a page shows the sides
    that leave the picture as edges right up to the border, and reaches the
    border with its paper: along the border, inside the quad, the colour is
    at places the paper's (inside the running sides near the far side, where
    the page surely is) rather than the desk's (outside them). An outline
    closed by the border around a stretch of desk fails one or the other.
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
                running.append((side, start, end, geometry.inward_normal(start, end, centre)))
    if not running:
        return True
    # All running sides must be edges up to the border: checked in one reading.
    if not _mostly_edge(
        np.stack([start + (end - start) * t for _, start, end, _ in running]),
        np.stack([np.broadcast_to(inward, t.shape[:1] + (2,)) for *_, inward in running]),
        maps,
    ) or not _reach_the_border(running, maps):
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
        along = sample(maps.lab, strip)
        to_paper = np.linalg.norm(along - _median(np.concatenate(paper)), axis=1)
        to_desk = np.linalg.norm(along - _median(np.concatenate(desk)), axis=1)
        if np.mean(to_paper <= to_desk) < PAPER_AT_BORDER:
            return False
    return True


def corner_shows(corner: Quad, far: Quad, beyond: Quad, maps: EdgeMaps) -> bool:
    """Tell whether a cut page's corner, placed in view by its format, is there (working copy).

    The page's running side, from its `far` end, stops at the corner: past
    it, up to the border, at most `outline.ENDS_HERE` of it is edge (a longer
    line runs on: the page is larger). Its fourth side leaves the corner
    towards `beyond`, out of the picture, as an edge on at least
    `RUN_SUPPORT` of its part in view.
    """
    past, run_normal = _to_the_border(corner, corner - far, maps)
    side, side_normal = _to_the_border(corner, beyond - corner, maps)
    if len(past) < CORNER_POINTS or len(side) < CORNER_POINTS:
        return False
    # The last points lie within two pixels of the border, where no gradient is
    # read: they count as no edge. Judging only the points clear of it lost
    # two frames on the corpora (IoU sum -0.61): the corner check has few points.
    _, past_edge, _ = edge_support(past, np.broadcast_to(run_normal, past.shape), maps)
    _, side_edge, _ = edge_support(side, np.broadcast_to(side_normal, side.shape), maps)
    return bool(past_edge.mean() <= ENDS_HERE and side_edge.mean() >= RUN_SUPPORT)


def _to_the_border(start: Quad, direction: Quad, maps: EdgeMaps) -> tuple[Quad, Quad]:
    """Points a pixel apart, from `CORNER_CLEARANCE` past `start` to a pixel from the border.

    Along `direction`; returned with the line's unit normal.
    """
    size = float(np.linalg.norm(direction))
    if not (np.isfinite(size) and size > 1e-9 and np.all(np.isfinite(start))):
        return np.zeros((0, 2)), np.zeros(2)  # no line: nothing to read
    unit = direction / size
    # The ray, as long as the picture's diagonal, clipped to the picture.
    reach = float(np.hypot(maps.width, maps.height))
    span = _visible_span(start, start + unit * reach, maps.width, maps.height)
    length = (span[1] * reach if span is not None and span[0] == 0.0 else 0.0) - 1.0
    steps = np.arange(CORNER_CLEARANCE, max(length, 0.0) + 1e-9, 1.0)
    return start + steps[:, None] * unit, np.array([-unit[1], unit[0]])


def _reach_the_border(running: list[tuple[Any, Quad, Quad, Quad]], maps: EdgeMaps) -> bool:
    """Tell whether each running side (from its far end to the border) is edge up to the border.

    Its last edge point lies within `END_GAP` of the part read from the border
    (the side's last 5 % left out: about a tenth of the side in all).
    """
    along = np.linspace(0.0, 1.0, 41)[:, None]
    points = np.stack([start + (end - start) * along for _, start, end, _ in running])
    normals = np.stack([np.broadcast_to(inward, points.shape[1:]) for *_, inward in running])
    _, on_edge, _ = edge_support(points, normals, maps)
    # The last two points (the side's last 5 %) are left out: on a short
    # side they lie within the border's blur. The gap is a share of the
    # points read, so a side may show no edge on up to about a tenth of its
    # length next to the border. Counted over the whole side, from the last
    # point in view, as END_GAP alone would say, it refused more cut pages
    # than false ones on the five corpora (IoU sum −2.09, 2 frames better, 6 worse).
    on_edge = on_edge[:, :-2]
    count = on_edge.shape[1]
    last = np.where(on_edge.any(axis=1), count - 1 - np.argmax(on_edge[:, ::-1], axis=1), -count)
    return bool(np.all(1.0 - last / (count - 1) <= END_GAP))


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
        inward = geometry.inward_normal(a, b, centre)
        inside.append(sample(maps.lab, points + inward * NEAR))
        outside.append(sample(maps.lab, points - inward * NEAR))
        step = _median(inside[-1]) - _median(outside[-1])
        if np.linalg.norm(step) < EDGE_STEP:
            return False
    if not inside:
        return False
    paper = _median(np.concatenate(inside))
    desk = _median(np.concatenate(outside))
    return bool(np.linalg.norm(paper - desk) >= STANDS_OUT * EDGE_STEP)


def _median(colours: NDArray[np.float32]) -> NDArray[np.float32]:
    """Median of colours (n, 3) per channel, as `np.median(axis=0)` gives it.

    Sorted, and the middle one or the mean of the middle two (as numpy takes
    it, in the colours' own type): the same values, without `np.median`'s
    overhead, which shows on these few samples read for many outlines.
    """
    ordered = np.sort(colours, axis=0)
    half = len(ordered) // 2
    middle = ordered[half] if len(ordered) % 2 else (ordered[half - 1] + ordered[half]) / 2
    return np.asarray(middle, dtype=np.float32)


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
    whole = complete(
        quad, maps.width, maps.height, corner_shows=functools.partial(corner_shows, maps=maps)
    )
    if whole is None:
        return False
    frame = np.array(
        [[0, 0], [maps.width - 1, 0], [maps.width - 1, maps.height - 1], [0, maps.height - 1]],
        dtype=np.float32,
    )
    # OpenCV clips two convex polygons in one call (this runs on every
    # outline the frame's border closes that is examined for the choice).
    inside, _ = cv2.intersectConvexConvex(whole.astype(np.float32), frame)
    return bool(inside >= MIN_IN_VIEW * geometry.polygon_area(whole))
