"""Is a larger outline around the best one the page, or the best one and a strip beside it?

A page holds rectangles of its own (a photo, a printed frame, a coloured
band), so a well supported outline around the best one is usually the page
(`detect.choose`). But an outline that shares sides with the best one and
only moves one of them — out to another sheet's edge, a seam, the frame's
border — is also well supported, on the shared sides, without being a page:
the best one's sides stop at its corners, where the larger one's run on
over paper or desk. A page's sides run on past a rectangle printed on it,
and past a band across it, as edges: there the larger outline is the page.

Seen from the best one, the same evidence can carry a larger outline whose
weakest side is faint, or which the border closes: when two of the best
one's sides run on into it as the same edges — the same polarity, the
same paper on their inner hand — the best one is part of it, as the part
of a cut page below its band is (`sides_run_into`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scanning.cut_page import CORNER_CLEARANCE, CORNER_POINTS
from scanning.edges import EdgeMaps
from scanning.outline import ENDS_HERE, colour_distance, colours_beside, edge_support, in_view
from scanning.types import Quad

#: Where a side is read for its polarity and colours (shares of its length),
#: as `outline.score_sides` reads it.
_ALONG = np.linspace(0.04, 0.96, 24)[:, None]
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


def sides_run_into(outer: Quad, inner: Quad, maps: EdgeMaps) -> int:
    """Count the sides of `inner` that run on, as the same edges, past its corners into `outer`.

    See `SidesRunningOn`, which reads the inner one once for many outer ones.
    """
    return SidesRunningOn(inner, maps).into(outer)


class SidesRunningOn:
    """What lies past the corners of an outline's sides, read once for any larger outline around it.

    Past each corner of a side, from `CORNER_CLEARANCE` on, the points in view
    are read up to the side's own length. A point carries the side on when it
    is edge of the side's polarity (its inside lighter, or darker, than its
    outside) with, on the inner hand, a colour nearer the side's inside than
    its outside: the same paper goes on — not a seam or the grain of the
    desk in line with the side, whose polarity changes from one line to the
    next and which has desk on both hands. (The outside may change: a page's
    side passes by another sheet.) Only the parts that can carry a side on
    into some outline — more than `ENDS_HERE` of their first `CORNER_POINTS`
    points or more carry it on — are kept: most outlines have none or one,
    and a frame may ask about hundreds of larger ones.
    """

    def __init__(self, inner: Quad, maps: EdgeMaps) -> None:
        start, end = inner, np.roll(inner, -1, axis=0)
        #: The parts past the sides' ends that can carry a side on: each a
        #: run of points a pixel apart (the picture, convex, holds one run of a
        #: line), kept as its first point, its direction and its length, with
        #: its side and the share of its first n points that carry it on.
        self.firsts = np.zeros((0, 2))
        self.directions = np.zeros((0, 2))
        self.lengths = np.zeros(0, dtype=np.intp)
        self.sides: list[int] = []
        self.carried: list[NDArray[np.float64]] = []
        # Every point read — along each side, past its start, past its end —
        # in one array, read at once: an outline is read for each choice.
        pieces: list[NDArray[np.float64]] = []
        sides: list[int] = []
        for k in range(4):
            length = float(np.linalg.norm(end[k] - start[k]))
            if length < 1e-9:
                continue
            unit = (end[k] - start[k]) / length
            steps = CORNER_CLEARANCE + np.arange(0.0, length if length >= 1.0 else 0.0, 1.0)
            pieces.append(start[k] + (end[k] - start[k]) * _ALONG)
            pieces.append(start[k] - steps[:, None] * unit)
            pieces.append(end[k] + steps[:, None] * unit)
            sides.append(k)
        if not sides:
            return
        unit = (end - start) / (np.linalg.norm(end - start, axis=1, keepdims=True) + 1e-12)
        normal = np.stack([-unit[:, 1], unit[:, 0]], axis=1)
        raw = np.concatenate(pieces)
        piece_of = np.repeat(np.arange(len(pieces)), [len(points) for points in pieces])
        # Past the corners, the points in view only (along the sides, all).
        kept = in_view(raw[:, 0], raw[:, 1], maps) | (piece_of % 3 == 0)
        points, piece_of = raw[kept], piece_of[kept]
        sizes = np.bincount(piece_of, minlength=len(pieces))
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        side_of = piece_of // 3
        normals = normal[np.asarray(sides)][side_of]
        _, on_edge, gradient = edge_support(points, normals, maps)
        plus, minus = colours_beside(points, normals, maps)
        # The sides' own points, (sides, 24, …), for their colours and polarity at once.
        along = piece_of % 3 == 0
        shape = (len(sides), len(_ALONG))
        polarity = np.sign((np.sign(gradient[along]) * on_edge[along]).reshape(shape).sum(axis=1))
        inside = np.median(plus[along].reshape(*shape, 3), axis=1)
        outside = np.median(minus[along].reshape(*shape, 3), axis=1)
        same = (
            on_edge
            & (np.sign(gradient) == polarity[side_of])
            & (colour_distance(plus, outside[side_of]) > colour_distance(plus, inside[side_of]))
        )
        runs: list[NDArray[np.float64]] = []
        for piece in np.flatnonzero((np.arange(len(pieces)) % 3 != 0) & (sizes >= CORNER_POINTS)):
            n = piece // 3
            if polarity[n] == 0:
                continue
            part = slice(bounds[piece], bounds[piece + 1])
            carried = np.cumsum(same[part]) / np.arange(1, sizes[piece] + 1)
            if np.any(carried[CORNER_POINTS - 1 :] > ENDS_HERE):
                runs.append(points[part])
                self.sides.append(sides[n])
                self.carried.append(carried)
        if runs:
            self.firsts = np.array([run[0] for run in runs])
            self.directions = np.array([run[1] - run[0] for run in runs])
            self.lengths = np.array([len(run) for run in runs])

    def into(self, outer: Quad) -> int:
        """Count the sides that run on into `outer`.

        A side does when, past either end, its points from the corner on up
        to where they leave `outer` (to `SHARED` pixels: along its sides
        too) are at least `CORNER_POINTS`, and more than `ENDS_HERE` of them
        carry it on.
        """
        if not self.sides:
            return 0
        # Along a run, each side's depth changes linearly: the run leaves the
        # outline (to `SHARED` pixels) at the first side it crosses.
        direction = np.roll(outer, -1, axis=0) - outer
        normal = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
        normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-12
        # Each side's normal turned towards the centre, as `geometry.inward_normal` turns it.
        normal *= np.where(np.sum((outer.mean(axis=0) - outer) * normal, axis=1) < 0, -1.0, 1.0)[
            :, None
        ]
        depth = self.firsts @ normal.T - np.sum(outer * normal, axis=1) + SHARED
        rate = self.directions @ normal.T
        with np.errstate(divide="ignore", invalid="ignore"):
            reach = np.where(rate < 0, depth / -rate, np.inf).min(axis=1)
        within = np.where(
            (depth >= 0).all(axis=1), np.minimum(np.floor(reach) + 1, self.lengths), 0
        ).astype(np.intp)
        running = {
            side
            for side, count, carried in zip(self.sides, within, self.carried, strict=True)
            if count >= CORNER_POINTS and carried[count - 1] > ENDS_HERE
        }
        return len(running)


def _points_in_view(start: Quad, unit: Quad, length: float, maps: EdgeMaps) -> NDArray[np.float64]:
    """Points a pixel apart from `start` along `unit` for `length`, those clear of the border."""
    if length < 1.0:
        return np.zeros((0, 2))
    points = start + np.arange(0.0, length, 1.0)[:, None] * unit
    return points[in_view(points[:, 0], points[:, 1], maps)]
