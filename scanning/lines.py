"""Candidate outlines from straight edges: a polarity-aware Hough transform.

Each edge pixel votes only for lines along its own edge direction, and
separately for each polarity (dark-to-light one way or the other). Texture
rarely lines up, and a line of text — whose letters have edges of both
polarities — splits its votes, while a page's side, lighter on one side all
along, keeps them.

At most so many lines are kept in each orientation, so that a page's many
text lines, a keyboard's rows or a floor's joints cannot take all the places
of the strongest lines; the same quota can leave out a page's side lying
along such lines. Straight segments found locally (LSD, the line segment
detector, see ../shared/docs/capture.md §0) do not compete with lines
elsewhere: the longest few that no kept line already follows are added, and
those that meet another end to end at a corner, as a card's sides do.

The strongest lines fall in two families roughly at right angles; every
choice of two lines in each family makes a quad whose corners are the
crossings, which may lie outside the frame or under a finger: corners hidden
from view are recreated from the sides. Hundreds of such quads are scored at
once from evidence read along each line only once (cumulative sums along
the line give any segment's totals, `scanning.profiles`). Where a page's
fourth side is too faint to be a line, its three others and its format
make the quad (`scanning.three_sides`).
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from scanning.edges import EdgeMaps
from scanning.outline import combine, finish, size_factor
from scanning.profiles import LineProfiles, Lines, angle_gap, orientation
from scanning.quads import order_many, plausible
from scanning.three_sides import three_side_quads

HOUGH_ANGLE_STEP = 2  # degrees
HOUGH_DISTANCE_STEP = 2.0  # working-copy pixels
#: Each edge pixel votes for lines within one angle step of its edge's
#: direction, and less for lines up to three steps off: along a faint side
#: (a white page on a pale desk) the light falling across the desk turns the
#: gradient by several degrees, and the side's votes would scatter.
SPREAD_WEIGHTS = {-3: 0.25, -2: 0.5, -1: 1.0, 0: 1.0, 1: 1.0, 2: 0.5, 3: 0.25}
#: Strongest lines kept, and at most this many per 15° of orientation.
MAX_LINES = 36
PER_ORIENTATION = 8
#: Lines added through the longest straight segments (LSD) that no Hough line
#: follows: a page's missing side or two. Each one adds pairs and quads, and
#: the segments of a form's rules or a photo's frame with them: more (8 on
#: the corpora) made more wrong outlines than they recovered sides.
SEGMENT_LINES = 3
#: A segment counts from this share of the working copy's shorter side.
SEGMENT_LENGTH = 0.15
#: Lines added through segments that meet another at a corner — an L: an end
#: of each within `CORNER_JOIN` working-copy pixels of the other's, their
#: directions at least `CORNER_ANGLE` degrees apart — the corners with the
#: longer shorter arm first. A card's or a passport's short sides, among a
#: desk's clutter, get too few votes for the Hough quota; its corners still
#: show as two segments meeting. `CORNER_LINES` is one outline's worth: four
#: corners of two lines. The segment detector stops each arm a pixel or two
#: short of the corner, and a small card's rounded corner parts them by about
#: 3 pixels more; two families of a quad lie more than 50° apart, as in
#: `_two_pair_quads`. An arm counts from `CORNER_ARM` of the working copy's
#: shorter side: 13 pixels, 40 % of the short side of the smallest card
#: considered (2 % of the frame, `detect.MIN_AREA_FRACTION`).
CORNER_LINES = 8
CORNER_JOIN = 4.0
CORNER_ANGLE = 50.0
CORNER_ARM = 0.06
#: A line follows a segment within this angle (degrees) and this distance of
#: both its ends (working-copy pixels): the reach of a Hough peak, which
#: suppresses its neighbours two steps of 2° and of 2 pixels away, and half a
#: step of rounding.
FOLLOW_DEG = 4.0
FOLLOW_PX = 5.0
#: Pairs of roughly parallel lines combined two by two into quads. Every
#: quad's sides are read from one table of segments (`LineProfiles.table`), so
#: quads are cheap: this only bounds the worst case (tiles, a keyboard), and a
#: short side of a small card, with few votes, keeps its pairs.
MAX_PAIRS = 300
#: Line quads passed on to the full score.
KEEP = 32


def strong_lines(maps: EdgeMaps) -> tuple[Lines, NDArray[np.float64]]:
    """The strongest straight edges, with their polarity, best first.

    At most `PER_ORIENTATION` lines within each 15° of orientation: the many
    parallel text lines of a page must not crowd out its sides, nor a pen or a
    keyboard the page's other orientation.
    """
    # OpenCV lists the edge pixels in the same (row-major) order as
    # np.nonzero, several times faster.
    found = cv2.findNonZero(maps.edges)
    pixels = np.zeros((0, 2), np.int32) if found is None else found.reshape(-1, 2)
    xs, ys = pixels[:, 0].astype(np.intp), pixels[:, 1].astype(np.intp)
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
    for spread in SPREAD_WEIGHTS:
        index = (centre + spread) % bins
        rho = xs * cosines[index] + ys * sines[index]
        column = np.rint((rho + diagonal) / HOUGH_DISTANCE_STEP).astype(np.intp)
        cells.append(index * rho_bins + column)
    weights = np.repeat(np.array(list(SPREAD_WEIGHTS.values())), len(xs))
    votes = np.bincount(np.concatenate(cells), weights, minlength=bins * rho_bins)
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


def line_quads(maps: EdgeMaps, min_area: float) -> NDArray[np.float64]:
    """Candidate quads on the picture's strongest lines (`quads_from_lines`)."""
    lines, strengths = segment_lines(maps, *strong_lines(maps))
    return quads_from_lines(maps, lines, strengths, min_area)


def segment_lines(
    maps: EdgeMaps, lines: Lines, strengths: NDArray[np.float64]
) -> tuple[Lines, NDArray[np.float64]]:
    """`lines` and their strengths, plus lines through segments none of them follows.

    The longest segments first (`SEGMENT_LINES`), then those meeting another
    at a corner (`CORNER_LINES`, `_corner_arms`).

    Segments are sought on the lightness (LSD). Each added line takes the
    polarity of the gradient across its segment, as a Hough line does, and
    its length as its strength (a Hough line's votes are about its edge
    pixels, one per pixel of length).
    """
    lightness = np.asarray(np.clip(maps.lab[..., 0], 0, 255), dtype=np.uint8)
    found = cv2.createLineSegmentDetector().detect(lightness)[0]
    if found is None:
        return lines, strengths
    segments = found.reshape(-1, 4).astype(np.float64)
    starts, ends = segments[:, :2], segments[:, 2:]
    length = np.linalg.norm(ends - starts, axis=1)
    keep = length >= SEGMENT_LENGTH * min(maps.width, maps.height)
    longest = np.flatnonzero(keep)[np.argsort(-length[keep])]
    added: list[NDArray[np.float64]] = []
    for order, limit in (
        (longest, SEGMENT_LINES),
        (_corner_arms(maps, starts, ends, length), CORNER_LINES),
    ):
        through = _through_segments(maps, starts[order], ends[order])
        count = 0
        for k, line in zip(order, through, strict=True):
            if count == limit:
                break
            known = np.concatenate([lines.reshape(-1, 3), np.reshape(added, (-1, 3))])
            if not _follows(known, line, starts[k], ends[k]).any():
                added.append(line)
                strengths = np.append(strengths, length[k])
                count += 1
    if not added:
        return lines, strengths
    return np.concatenate([lines.reshape(-1, 3), np.array(added)]), strengths


def _corner_arms(
    maps: EdgeMaps,
    starts: NDArray[np.float64],
    ends: NDArray[np.float64],
    length: NDArray[np.float64],
) -> NDArray[np.intp]:
    """Segments meeting another at a corner, two by two (indices), longer shorter arm first."""
    arms = np.flatnonzero(length >= CORNER_ARM * min(maps.width, maps.height))
    direction = (ends[arms] - starts[arms]) / length[arms, None]
    apart = np.abs(direction @ direction.T) < np.cos(np.radians(CORNER_ANGLE))
    # The nearest ends of every two segments: squared distances between all
    # ends (both ends of segment i are rows 2i and 2i + 1), least of each 2×2 block.
    tips = np.stack([starts[arms], ends[arms]], axis=1).reshape(-1, 2)
    squared = np.einsum("ij,ij->i", tips, tips)
    gaps = squared[:, None] + squared[None, :] - 2.0 * (tips @ tips.T)
    nearest = gaps.reshape(len(arms), 2, len(arms), 2).min(axis=(1, 3))
    first, second = np.nonzero(np.triu(apart & (nearest <= CORNER_JOIN**2), 1))
    shorter = np.minimum(length[arms[first]], length[arms[second]])
    order = np.argsort(-shorter, kind="stable")
    return np.asarray(
        np.stack([arms[first[order]], arms[second[order]]], axis=1).ravel(), dtype=np.intp
    )


def _through_segments(
    maps: EdgeMaps, starts: NDArray[np.float64], ends: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The lines through segments, each normal along the gradient across it (to the lighter side).

    All at once: (N, 3) from starts and ends (N, 2).
    """
    direction = (ends - starts) / np.linalg.norm(ends - starts, axis=1)[:, None]
    normal = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    points = starts[:, None] + (ends - starts)[:, None] * np.linspace(0.1, 0.9, 12)[:, None]
    x = np.clip(np.rint(points[..., 0]).astype(np.intp), 0, maps.width - 1)
    y = np.clip(np.rint(points[..., 1]).astype(np.intp), 0, maps.height - 1)
    across = maps.gx[y, x] * normal[:, :1] + maps.gy[y, x] * normal[:, 1:]
    normal = np.where(np.median(across, axis=1)[:, None] < 0, -normal, normal)
    return np.concatenate([normal, -np.sum(normal * starts, axis=1, keepdims=True)], axis=1)


def _follows(
    lines: Lines, line: Lines, start: NDArray[np.float64], end: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Which of `lines` run along the segment from `start` to `end` (either polarity)."""
    along = np.abs(lines[:, :2] @ line[:2]) >= np.cos(np.radians(FOLLOW_DEG))
    near = np.maximum(
        np.abs(lines[:, :2] @ start + lines[:, 2]), np.abs(lines[:, :2] @ end + lines[:, 2])
    )
    return np.asarray(along & (near <= FOLLOW_PX))


def quads_from_lines(
    maps: EdgeMaps, lines: Lines, strengths: NDArray[np.float64], min_area: float
) -> NDArray[np.float64]:
    """The best quads made of two pairs of lines, ordered clockwise (≤ `KEEP`), then of three.

    A pair is two lines within 30° of each other (perspective makes a page's
    opposite sides converge); two pairs at more than 50° make a quad. The
    best quads on a pair and one line across it follow (`three_side_quads`).
    """
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
    theta = orientation(lines)
    n = len(lines)
    i, j = np.triu_indices(n, 1)
    centre_point = np.array([maps.width / 2, maps.height / 2, 1.0])
    apart = np.abs(
        lines[i] @ centre_point
        - np.sign(np.sum(lines[i, :2] * lines[j, :2], axis=1)) * (lines[j] @ centre_point)
    )
    parallel = (angle_gap(theta[i], theta[j]) < np.radians(30)) & (
        apart > 0.06 * max(maps.width, maps.height)
    )
    pi, pj = i[parallel], j[parallel]
    # Keep the pairs of strongest lines: the number of quads grows as the
    # square of the number of pairs (a keyboard or tiles give many).
    ranked = np.argsort(-np.minimum(strengths[pi], strengths[pj]))[:MAX_PAIRS]
    pi, pj = pi[ranked], pj[ranked]
    if not len(pi):
        return np.zeros((0, 4, 2))
    crossings = np.cross(lines[:, None, :], lines[None, :, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        points = crossings[..., :2] / crossings[..., 2:3]
    points = np.nan_to_num(points, nan=1e9, posinf=1e9, neginf=-1e9)
    profiles = LineProfiles(lines, maps)
    plus, minus, judged = profiles.table(pi, pj)
    fours = _two_pair_quads(lines, theta, (pi, pj), points, (plus, minus, judged), maps, min_area)
    # Pages with a side too faint to be a line: three sides and a format. A
    # single pair may be enough, so they are sought even when no quad of two is.
    base = np.maximum(plus, minus)
    threes = three_side_quads(lines, n - 4, (pi, pj), points, profiles, base, maps, min_area)
    return np.concatenate([fours, threes])


def _two_pair_quads(
    lines: Lines,
    theta: NDArray[np.float64],
    pairs: tuple[NDArray[np.intp], NDArray[np.intp]],
    points: NDArray[np.float64],
    tables: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]],
    maps: EdgeMaps,
    min_area: float,
) -> NDArray[np.float64]:
    """The best quads on two pairs of lines (≤ `KEEP`), ordered clockwise."""
    pi, pj = pairs
    plus, minus, judged_table = tables
    # Pairs whose mean orientations are more than 50° apart cross. As unit
    # vectors at twice the angle (orientations are modulo π), the test is on
    # the cosine of twice the gap, for all pairs of pairs at once. Pairs that
    # cross never share a line: each pair's mean lies within 15° of its lines.
    mean = np.angle(np.exp(2j * theta[pi]) + np.exp(2j * theta[pj])) / 2
    cos2, sin2 = np.cos(2 * mean), np.sin(2 * mean)
    cosine = np.multiply.outer(cos2, cos2) + np.multiply.outer(sin2, sin2)
    p, q = np.nonzero(np.triu(cosine < np.cos(np.radians(100)), 1))
    if not len(p):
        return np.zeros((0, 4, 2))
    ia, ja, kb, mb = pi[p], pj[p], pi[q], pj[q]
    # Corners ia×kb, ia×mb, ja×mb, ja×kb, as flat indices into the crossings;
    # their coordinates are gathered one plane at a time (faster), the
    # corners themselves only for the quads that get that far.
    n = len(lines)
    flat = (ia * n + kb, ia * n + mb, ja * n + mb, ja * n + kb)
    xs = np.ascontiguousarray(points[..., 0]).ravel()
    ys = np.ascontiguousarray(points[..., 1]).ravel()
    # The corners' mean, summed in the order `mean(axis=1)` does, without its overhead.
    centre_x = (xs[flat[0]] + xs[flat[1]] + xs[flat[2]] + xs[flat[3]]) / 4
    centre_y = (ys[flat[0]] + ys[flat[1]] + ys[flat[2]] + ys[flat[3]]) / 4
    # Side k lies on line `on[:, k]`, between its crossings with the lines of
    # the quad's other pair, `bounds[:, k]`.
    on = np.stack([ia, mb, ja, kb], axis=1)
    bounds = np.stack([q, p, q, p], axis=1)
    inside_plus = (
        lines[on, 0] * centre_x[:, None] + lines[on, 1] * centre_y[:, None] + lines[on, 2] > 0
    )
    segment = on * len(pi) + bounds  # flat index into the tables
    sides = np.where(inside_plus, plus.ravel()[segment], minus.ravel()[segment])
    edge = combine(sides.astype(np.float64), judged_table.ravel()[segment])
    # Shape and size are checked on the best supported quads only, enough of
    # them for `KEEP` to remain: most of the others are not even convex.
    likely = np.flatnonzero(edge > 0)
    if len(likely) > 32 * KEEP:
        likely = likely[np.argpartition(-edge[likely], 32 * KEEP)[: 32 * KEEP]]
    corners = np.stack([np.stack([xs[f[likely]], ys[f[likely]]], axis=1) for f in flat], axis=1)
    ordered = order_many(corners)
    keep = plausible(ordered, maps.width, maps.height, min_area)
    if not keep.any():
        return np.zeros((0, 4, 2))
    ordered, edge = ordered[keep], edge[likely[keep]]
    # The format prior moves a score by a fifth at most: it is worked out only
    # for the quads best supported by evidence, among which the best end up —
    # evidence with the discount for small quads, which moves a score more.
    likely = np.argsort(-edge * size_factor(ordered, maps))[: 4 * KEEP]
    total = finish(edge[likely], ordered[likely], maps)
    best = likely[np.argsort(-total)[:KEEP]]
    return np.asarray(ordered[best], dtype=np.float64)
