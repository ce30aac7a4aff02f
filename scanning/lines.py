"""Candidate outlines from straight edges: a polarity-aware Hough transform.

Each edge pixel votes only for lines along its own edge direction, and
separately for each polarity (dark-to-light one way or the other). Texture
rarely lines up, and a line of text — whose letters have edges of both
polarities — splits its votes, while a page's side, lighter on one side all
along, keeps them.

The strongest lines fall in two families roughly at right angles; every
choice of two lines in each family makes a quad whose corners are the
crossings, which may lie outside the frame or under a finger: corners hidden
from view are recreated from the sides. Hundreds of such quads are scored at
once from evidence read along each line only once (cumulative sums along
the line give any segment's totals).
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from scanning.edges import EdgeMaps
from scanning.outline import (
    EXTENSION,
    combine,
    evidence,
    finish,
    order_many,
    plausible,
    side_scores,
)

HOUGH_ANGLE_STEP = 2  # degrees
HOUGH_DISTANCE_STEP = 2.0  # working-copy pixels
#: Strongest lines kept, and at most this many per 15° of orientation.
MAX_LINES = 36
PER_ORIENTATION = 8
#: Pairs of roughly parallel lines combined two by two into quads.
MAX_PAIRS = 120
#: Spacing (working-copy pixels) of the evidence read along each line.
PROFILE_STEP = 2.0
#: Line quads passed on to the full score.
KEEP = 32

Lines = NDArray[np.float64]  # (n, 3): a·x + b·y + c = 0, (a, b) the unit gradient direction


def strong_lines(maps: EdgeMaps) -> tuple[Lines, NDArray[np.float64]]:
    """The strongest straight edges, with their polarity, best first.

    At most `PER_ORIENTATION` lines within each 15° of orientation: the many
    parallel text lines of a page must not crowd out its sides, nor a pen or a
    keyboard the page's other orientation.
    """
    ys, xs = np.nonzero(maps.edges)
    if len(xs) < 10:
        return np.zeros((0, 3)), np.zeros(0)
    angle = np.degrees(np.arctan2(maps.gy[ys, xs], maps.gx[ys, xs])) % 360
    bins = 360 // HOUGH_ANGLE_STEP
    diagonal = float(np.hypot(maps.width, maps.height))
    rho_bins = int(2 * diagonal / HOUGH_DISTANCE_STEP) + 1
    centre = np.rint(angle / HOUGH_ANGLE_STEP).astype(np.intp)
    cosines = np.cos(np.radians(np.arange(bins) * HOUGH_ANGLE_STEP))
    sines = np.sin(np.radians(np.arange(bins) * HOUGH_ANGLE_STEP))
    cells = []
    for spread in (-1, 0, 1):  # an edge's direction is known to a few degrees
        index = (centre + spread) % bins
        rho = xs * cosines[index] + ys * sines[index]
        column = np.rint((rho + diagonal) / HOUGH_DISTANCE_STEP).astype(np.intp)
        cells.append(index * rho_bins + column)
    votes = np.bincount(np.concatenate(cells), minlength=bins * rho_bins)
    accumulator = votes.reshape(bins, rho_bins).astype(np.float32)
    peaks = (accumulator == cv2.dilate(accumulator, np.ones((5, 5), np.uint8))) & (
        accumulator >= max(10.0, 0.06 * max(maps.width, maps.height))
    )
    rows, cols = np.nonzero(peaks)
    order = np.argsort(-accumulator[rows, cols])
    per_orientation: dict[int, int] = {}
    lines = []
    strengths = []
    for row, col in zip(rows[order], cols[order], strict=True):
        orientation = int((row * HOUGH_ANGLE_STEP) % 180 // 15)
        if per_orientation.get(orientation, 0) >= PER_ORIENTATION:
            continue
        per_orientation[orientation] = per_orientation.get(orientation, 0) + 1
        theta = np.radians(row * HOUGH_ANGLE_STEP)
        rho = col * HOUGH_DISTANCE_STEP - diagonal
        lines.append([np.cos(theta), np.sin(theta), -rho])
        strengths.append(float(accumulator[row, col]))
        if len(lines) == MAX_LINES:
            break
    if not lines:
        return np.zeros((0, 3)), np.zeros(0)
    return np.array(lines), np.array(strengths)


class _Profiles:
    """Edge evidence sampled once along whole lines, as cumulative sums."""

    def __init__(self, lines: Lines, maps: EdgeMaps) -> None:
        self.lines = lines
        normal = lines[:, :2]
        self.direction = np.stack([-normal[:, 1], normal[:, 0]], axis=1)
        self.origin = -lines[:, 2:3] * normal
        corners = np.array([[0, 0], [maps.width, 0], [maps.width, maps.height], [0, maps.height]])
        along = corners[None, :, :] - self.origin[:, None, :]
        t = np.einsum("lcj,lj->lc", along, self.direction)
        self.t0 = t.min(axis=1) - 1.0
        length = int(np.ceil((t.max(axis=1) - self.t0).max() / PROFILE_STEP)) + 2
        steps = np.arange(length, dtype=np.float64) * PROFILE_STEP
        points = (
            self.origin[:, None, :]
            + (self.t0[:, None, None] + steps[None, :, None]) * self.direction[:, None, :]
        )
        normals = np.broadcast_to(normal[:, None, :], points.shape)
        # Hough lines are placed to ±1 pixel: three probes across are enough.
        seen = evidence(points, normals, maps, np.array([-1.0, 0.0, 1.0]))

        def running(values: NDArray[np.float64]) -> NDArray[np.float64]:
            total = np.cumsum(values, axis=1, dtype=np.float64)
            return np.concatenate([np.zeros((len(lines), 1)), total], axis=1)

        self.visible = running(seen.visible.astype(np.float64))
        self.supported = running(seen.supported.astype(np.float64))
        self.flips = running(seen.flips)
        self.plus = running((seen.contrast_plus * seen.visible).astype(np.float64))
        self.minus = running((seen.contrast_minus * seen.visible).astype(np.float64))
        self.length = length

    def sides(
        self,
        line: NDArray[np.intp],
        p: NDArray[np.float64],
        q: NDArray[np.float64],
        centre: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Score segments p–q of the given lines, the quad's centre marking the inside."""
        tp = np.einsum("nj,nj->n", p - self.origin[line], self.direction[line]) - self.t0[line]
        tq = np.einsum("nj,nj->n", q - self.origin[line], self.direction[line]) - self.t0[line]
        tp, tq = tp / PROFILE_STEP, tq / PROFILE_STEP
        low, high = np.minimum(tp, tq), np.maximum(tp, tq)
        trim = 0.04 * (high - low)  # leave out the corners' surroundings
        start = np.clip(np.rint(low + trim), 0, self.length).astype(np.intp)
        stop = np.clip(np.rint(high - trim), 0, self.length).astype(np.intp)
        stop = np.maximum(stop, start)

        def total(table: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.asarray(table[line, stop] - table[line, start], dtype=np.float64)

        inside_plus = np.einsum("nj,nj->n", centre, self.lines[line, :2]) + self.lines[line, 2] > 0
        contrast = np.where(inside_plus, total(self.plus), total(self.minus))
        # The same line past both corners (see `outline.continuation`).
        span = high - low
        near, far = EXTENSION
        seen_past = np.zeros(len(line))
        edge_past = np.zeros(len(line))
        for a, b in (
            (low - far * span, low - near * span),
            (high + near * span, high + far * span),
        ):
            first = np.clip(np.rint(a), 0, self.length).astype(np.intp)
            last = np.clip(np.rint(b), 0, self.length).astype(np.intp)
            seen_past += self.visible[line, last] - self.visible[line, first]
            edge_past += self.supported[line, last] - self.supported[line, first]
        return side_scores(
            total(self.visible),
            total(self.supported),
            total(self.flips),
            contrast,
            np.maximum(stop - start, 1).astype(np.float64),
            edge_past / np.maximum(seen_past, 1.0),
        )


def _orientation(lines: Lines) -> NDArray[np.float64]:
    """Orientation of each line modulo π, in radians."""
    return np.asarray(np.arctan2(lines[:, 1], lines[:, 0]) % np.pi, dtype=np.float64)


def _gap(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    gap = np.abs(a - b) % np.pi
    return np.asarray(np.minimum(gap, np.pi - gap), dtype=np.float64)


def line_quads(maps: EdgeMaps, min_area: float) -> NDArray[np.float64]:
    """The best quads made of two pairs of lines, ordered clockwise (≤ `KEEP`).

    A pair is two lines within 30° of each other (perspective makes a page's
    opposite sides converge); two pairs at more than 50° make a quad.
    """
    lines, strengths = strong_lines(maps)
    # The frame's borders close a page that runs out of the picture; sides on
    # them cannot be judged, and the page is reported as not fully visible.
    borders = np.array(
        [
            [1.0, 0.0, 0.0],
            [1.0, 0.0, -(maps.width - 1.0)],
            [0.0, 1.0, 0.0],
            [0.0, 1.0, -(maps.height - 1.0)],
        ]
    )
    lines = np.concatenate([lines, borders])
    strengths = np.concatenate([strengths, np.full(4, strengths.max() if len(strengths) else 1.0)])
    if len(lines) < 4:
        return np.zeros((0, 4, 2))
    theta = _orientation(lines)
    n = len(lines)
    i, j = np.triu_indices(n, 1)
    centre_point = np.array([maps.width / 2, maps.height / 2, 1.0])
    apart = np.abs(
        lines[i] @ centre_point
        - np.sign(np.sum(lines[i, :2] * lines[j, :2], axis=1)) * (lines[j] @ centre_point)
    )
    parallel = (_gap(theta[i], theta[j]) < np.radians(30)) & (
        apart > 0.06 * max(maps.width, maps.height)
    )
    pi, pj = i[parallel], j[parallel]
    # Keep the pairs of strongest lines: the number of quads grows as the
    # square of the number of pairs (a keyboard or tiles give many).
    ranked = np.argsort(-np.minimum(strengths[pi], strengths[pj]))[:MAX_PAIRS]
    pi, pj = pi[ranked], pj[ranked]
    if len(pi) < 2:
        return np.zeros((0, 4, 2))
    mean = np.angle(np.exp(2j * theta[pi]) + np.exp(2j * theta[pj])) / 2
    p, q = np.triu_indices(len(pi), 1)
    crossing = _gap(mean[p], mean[q]) > np.radians(50)
    p, q = p[crossing], q[crossing]
    ia, ja, kb, mb = pi[p], pj[p], pi[q], pj[q]
    distinct = (ia != kb) & (ia != mb) & (ja != kb) & (ja != mb)
    ia, ja, kb, mb = ia[distinct], ja[distinct], kb[distinct], mb[distinct]
    if not len(ia):
        return np.zeros((0, 4, 2))
    crossings = np.cross(lines[:, None, :], lines[None, :, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        points = crossings[..., :2] / crossings[..., 2:3]
    corners = np.stack([points[ia, kb], points[ia, mb], points[ja, mb], points[ja, kb]], axis=1)
    ordered = order_many(np.nan_to_num(corners, nan=1e9, posinf=1e9, neginf=-1e9))
    keep = plausible(ordered, maps.width, maps.height, min_area)
    if not keep.any():
        return np.zeros((0, 4, 2))
    corners, ordered = corners[keep], ordered[keep]
    ia, ja, kb, mb = ia[keep], ja[keep], kb[keep], mb[keep]
    centre = corners.mean(axis=1)
    profiles = _Profiles(lines, maps)
    segments = [
        (ia, corners[:, 0], corners[:, 1]),
        (mb, corners[:, 1], corners[:, 2]),
        (ja, corners[:, 2], corners[:, 3]),
        (kb, corners[:, 3], corners[:, 0]),
    ]
    scores, judged = zip(
        *(profiles.sides(line, start, end, centre) for line, start, end in segments), strict=True
    )
    edge = combine(np.stack(scores, axis=1), np.stack(judged, axis=1))
    # The format prior moves a score by a fifth at most: it is worked out only
    # for the quads best supported by evidence, among which the best end up.
    likely = np.argsort(-edge)[: 4 * KEEP]
    total = finish(edge[likely], ordered[likely], maps)
    best = likely[np.argsort(-total)[:KEEP]]
    return np.asarray(ordered[best], dtype=np.float64)
