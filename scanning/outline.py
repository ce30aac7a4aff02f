"""Score candidate outlines, and refine the chosen one at full resolution.

A page's side is seen as: a strong gradient across it at most points, with
the same sign all along (the page is lighter — or darker — than the desk), and
a colour difference between just inside and both just and further outside (a
dark band printed across a form has the same paper again beyond it). Sides
outside the frame cannot be judged; the weakest judged side weighs in, so one
good edge cannot carry a quad.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from scanning import geometry
from scanning.edges import EDGE_STEP, SCHARR_GAIN, EdgeMaps, sample
from scanning.types import Image, Quad

#: The score given to a side that lies outside the picture.
UNSEEN_SIDE = 0.5
#: Points sampled along each side by the full score.
SAMPLES_PER_SIDE = 24
#: Offsets (working-copy pixels) at which the inside and the outside are read.
NEAR = 4.0
FAR_OUTSIDE = 12.0
#: A side supported on only part of its length is probably a page side
#: extended past the page: the share counts more than linearly.
SUPPORT_POWER = 2.0
_ACROSS = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
_RATIOS = np.array([long / short for short, long in geometry.FORMATS.values()])


@dataclass(frozen=True)
class Evidence:
    """What the maps say at points along a line, for either side being inside."""

    visible: NDArray[np.bool_]
    supported: NDArray[np.bool_]
    flips: NDArray[np.float64]  # 1 where the edge's polarity differs from the last supported point
    contrast_plus: NDArray[np.float32]  # when the inside is along +normal
    contrast_minus: NDArray[np.float32]  # when the inside is along -normal


def evidence(
    points: NDArray[np.float64],
    normal: NDArray[np.float64],
    maps: EdgeMaps,
    across_offsets: NDArray[np.float64] = _ACROSS,
) -> Evidence:
    """Read edge evidence at `points` (…, 2) across lines of unit `normal` (…, 2)."""
    visible = (
        (points[..., 0] >= 2)
        & (points[..., 0] <= maps.width - 3)
        & (points[..., 1] >= 2)
        & (points[..., 1] <= maps.height - 3)
    )
    probes = points[..., None, :] + normal[..., None, :] * across_offsets[:, None]
    gx, gy = sample(maps.gx, probes), sample(maps.gy, probes)
    across = gx * normal[..., None, 0] + gy * normal[..., None, 1]
    along = np.abs(gx * normal[..., None, 1] - gy * normal[..., None, 0])
    best = np.argmax(np.abs(across), axis=-1)[..., None]
    strength = np.take_along_axis(across, best, axis=-1)[..., 0]
    sideways = np.take_along_axis(along, best, axis=-1)[..., 0]
    supported = (
        (np.abs(strength) > SCHARR_GAIN * EDGE_STEP) & (np.abs(strength) > sideways) & visible
    )
    plus = sample(maps.lab, points + normal * NEAR)
    minus = sample(maps.lab, points - normal * NEAR)
    plus_far = sample(maps.lab, points + normal * FAR_OUTSIDE)
    minus_far = sample(maps.lab, points - normal * FAR_OUTSIDE)
    near = np.linalg.norm(plus - minus, axis=-1)
    contrast_plus = np.minimum(near, np.linalg.norm(plus - minus_far, axis=-1))
    contrast_minus = np.minimum(near, np.linalg.norm(minus - plus_far, axis=-1))
    return Evidence(
        visible,
        supported,
        _flips(np.where(supported, np.sign(strength), 0.0)),
        np.asarray(contrast_plus, dtype=np.float32),
        np.asarray(contrast_minus, dtype=np.float32),
    )


def _flips(signs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mark each supported point whose polarity differs from the previous supported one.

    A page's side keeps its polarity (lighter one side) and changes it only
    where the page's own colour changes — a card's dark band, once or twice;
    a line of text or a texture changes it all the time.
    """
    index = np.where(signs != 0, np.arange(signs.shape[-1]), 0)
    last = np.maximum.accumulate(index, axis=-1)
    previous = np.concatenate([np.zeros_like(last[..., :1]), last[..., :-1]], axis=-1)
    before = np.take_along_axis(signs, previous, axis=-1)
    return np.asarray((signs != 0) & (before != 0) & (before != signs), dtype=np.float64)


def side_scores(
    visible: NDArray[np.float64],
    supported: NDArray[np.float64],
    flips: NDArray[np.float64],
    contrast: NDArray[np.float64],
    samples: float | NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Score sides from counts along them; return scores and which could be judged.

    Arguments are sums over each side's points: how many are visible, how
    many support an edge, how often the polarity flips, the sum of contrasts.
    """
    judged = visible >= 0.25 * samples
    safe = np.maximum(visible, 1.0)
    support = supported / safe
    consistency = np.clip(1.0 - flips / np.maximum(supported - 1.0, 1.0), 0.0, 1.0)
    colour = np.minimum(contrast / safe / 20.0, 1.0)
    return support**SUPPORT_POWER * (0.5 + 0.5 * consistency) * (0.4 + 0.6 * colour), judged


def combine(sides: NDArray[np.float64], judged: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Quad evidence from its 4 side scores (N, 4)."""
    count = judged.sum(axis=1)
    # A side out of the picture cannot be checked: it counts as a fair side, not
    # a perfect one, so a page seen whole wins over one closed by the frame.
    filled = np.where(judged, sides, UNSEEN_SIDE)
    edge = 0.6 * filled.mean(axis=1) + 0.4 * filled.min(axis=1)
    return np.asarray(np.where(count >= 3, edge, 0.0), dtype=np.float64)


def areas(quads: NDArray[np.float64]) -> NDArray[np.float64]:
    """Areas of a stack of quads (N, 4, 2)."""
    x, y = quads[..., 0], quads[..., 1]
    return np.asarray(
        0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=1) - y * np.roll(x, -1, axis=1), axis=1)),
        dtype=np.float64,
    )


def format_prior(quads: NDArray[np.float64]) -> NDArray[np.float64]:
    """How close each quad's proportions are to a known document format, in [0, 1]."""
    sides = np.linalg.norm(np.roll(quads, -1, axis=1) - quads, axis=2)
    width = np.maximum(sides[:, 0], sides[:, 2])
    height = np.maximum(sides[:, 1], sides[:, 3])
    ratio = np.maximum(width, height) / np.maximum(np.minimum(width, height), 1e-6)
    error = np.min(np.abs(ratio[:, None] - _RATIOS[None, :]) / _RATIOS[None, :], axis=1)
    return np.asarray(np.exp(-((error / 0.12) ** 2)), dtype=np.float64)


def finish(
    edge: NDArray[np.float64], quads: NDArray[np.float64], maps: EdgeMaps
) -> NDArray[np.float64]:
    """Final score: evidence, discounted for tiny quads, nudged by the format prior."""
    fraction = areas(quads) / (maps.width * maps.height)
    size = np.minimum(1.0, fraction / 0.15) ** 0.5
    return np.asarray(edge * size * (0.8 + 0.2 * format_prior(quads)), dtype=np.float64)


def order_many(quads: NDArray[np.float64]) -> NDArray[np.float64]:
    """`geometry.order_clockwise` for a stack of quads of shape (N, 4, 2)."""
    centre = quads.mean(axis=1, keepdims=True)
    angles = np.arctan2(quads[..., 1] - centre[..., 1], quads[..., 0] - centre[..., 0])
    ordered = np.take_along_axis(quads, np.argsort(angles, axis=1)[..., None], axis=1)
    start = np.argmin(ordered[..., 0] + ordered[..., 1], axis=1)
    index = (np.arange(4)[None, :] + start[:, None]) % 4
    return np.take_along_axis(ordered, index[..., None], axis=1)


def plausible(
    quads: NDArray[np.float64], width: int, height: int, min_area: float
) -> NDArray[np.bool_]:
    """Which ordered quads could be a document seen by the camera (shape, size, place)."""
    finite = np.all(np.isfinite(quads), axis=(1, 2))
    quads = np.where(finite[:, None, None], quads, 0.0)
    edges = np.roll(quads, -1, axis=1) - quads
    following = np.roll(edges, -1, axis=1)
    cross = edges[..., 0] * following[..., 1] - edges[..., 1] * following[..., 0]
    lengths = np.linalg.norm(edges, axis=2)
    cosines = -np.einsum("nij,nij->ni", edges, following) / (
        lengths * np.roll(lengths, -1, axis=1) + 1e-12
    )
    angles = np.degrees(np.arccos(np.clip(cosines, -1, 1)))
    inside = (
        (quads[..., 0] > -0.35 * width)
        & (quads[..., 0] < 1.35 * width)
        & (quads[..., 1] > -0.35 * height)
        & (quads[..., 1] < 1.35 * height)
    )
    return np.asarray(
        finite
        & np.all(cross > 0, axis=1)
        & np.all((angles > 35) & (angles < 145), axis=1)
        & np.all(inside, axis=1)
        & (lengths.min(axis=1) > 0.06 * max(width, height))
        & (areas(quads) >= min_area),
        dtype=np.bool_,
    )


def score_quads(
    quads: NDArray[np.float64], maps: EdgeMaps, samples: int = SAMPLES_PER_SIDE
) -> NDArray[np.float64]:
    """Score in [0, 1] how well each ordered quad (N, 4, 2) follows a page outline."""
    return score_sides(quads, maps, samples)[0]


def score_sides(
    quads: NDArray[np.float64], maps: EdgeMaps, samples: int = SAMPLES_PER_SIDE
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Scores of the quads, and of their weakest judged side."""
    start, end = quads, np.roll(quads, -1, axis=1)
    t = np.linspace(0.04, 0.96, samples)
    points = start[:, :, None, :] + (end - start)[:, :, None, :] * t[None, None, :, None]
    direction = end - start
    normal = np.stack([-direction[..., 1], direction[..., 0]], axis=-1)
    # Clockwise on screen (y down), so this normal points into the quad.
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True) + 1e-12
    normals = np.broadcast_to(normal[:, :, None, :], points.shape)
    seen = evidence(points, normals, maps)
    sides, judged = side_scores(
        seen.visible.sum(axis=2).astype(np.float64),
        seen.supported.sum(axis=2).astype(np.float64),
        seen.flips.sum(axis=2),
        (seen.contrast_plus * seen.visible).sum(axis=2).astype(np.float64),
        float(samples),
    )
    weakest = np.where(judged, sides, np.inf).min(axis=1)
    return finish(combine(sides, judged), quads, maps), np.where(np.isinf(weakest), 0.0, weakest)


def refine(image: Image, quad: Quad, radius: float) -> Quad:
    """Move each side onto the strongest edge across it, at full resolution.

    Samples short profiles across every side, finds where the colour changes
    most (with sub-pixel precision), fits a line through those points robustly
    and intersects neighbouring lines. A side without a clear edge (occluded,
    out of frame) keeps its position.
    """
    height, width = image.shape[:2]
    quad = geometry.order_clockwise(quad)
    steps = np.arange(-radius, radius + 1.0)
    t = np.linspace(0.06, 0.94, 32)
    lines = []
    for side in range(4):
        start, end = quad[side], quad[(side + 1) % 4]
        direction = (end - start) / (np.linalg.norm(end - start) + 1e-12)
        normal = np.array([-direction[1], direction[0]])
        centres = start[None, :] + (end - start)[None, :] * t[:, None]
        keep = (
            (centres[:, 0] > radius)
            & (centres[:, 0] < width - radius)
            & (centres[:, 1] > radius)
            & (centres[:, 1] < height - radius)
        )
        original = geometry.line_through(start, end)
        if keep.sum() < 8:
            lines.append(original)
            continue
        centres = centres[keep]
        probes = centres[:, None, :] + normal[None, None, :] * steps[None, :, None]
        profiles = cv2.remap(
            image,
            probes[..., 0].astype(np.float32),
            probes[..., 1].astype(np.float32),
            cv2.INTER_LINEAR,
        ).astype(np.float32)
        change = np.abs(np.diff(profiles, axis=1)).sum(axis=2)  # (n, 2r)
        peak = np.clip(np.argmax(change, axis=1), 1, change.shape[1] - 2)
        rows = np.arange(len(peak))
        left, mid, right = change[rows, peak - 1], change[rows, peak], change[rows, peak + 1]
        denominator = left - 2 * mid + right
        offset = np.divide(
            0.5 * (left - right),
            denominator,
            out=np.zeros_like(denominator),
            where=np.abs(denominator) > 1e-6,
        )
        position = steps[0] + peak + 0.5 + np.clip(offset, -0.5, 0.5)
        strong = mid > 3 * 12  # a step of ~12 levels summed over the 3 channels
        if strong.sum() < 8:
            lines.append(original)
            continue
        edge_points = centres[strong] + normal[None, :] * position[strong, None]
        vx, vy, x0, y0 = cv2.fitLine(edge_points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01)
        lines.append(
            geometry.line_through(
                np.array([float(x0[0]), float(y0[0])]),
                np.array([float(x0[0] + vx[0]), float(y0[0] + vy[0])]),
            )
        )
    refined = geometry.quad_from_lines(lines)
    if refined is None or not geometry.is_convex(refined) or geometry.iou(refined, quad) < 0.9:
        return quad
    return geometry.order_clockwise(refined)


def _moved_sides(
    quad: Quad, offsets: NDArray[np.float64], turns: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Every variant of a quad with one side shifted along its normal and turned slightly."""
    variants = []
    for side in range(4):
        start, end = quad[side], quad[(side + 1) % 4]
        middle = (start + end) / 2
        direction = (end - start) / (np.linalg.norm(end - start) + 1e-12)
        normal = np.array([-direction[1], direction[0]])  # into the quad
        before = geometry.line_through(quad[side - 1], quad[side])
        after = geometry.line_through(quad[(side + 1) % 4], quad[(side + 2) % 4])
        for turn in turns:
            c, s = np.cos(turn), np.sin(turn)
            turned = np.array(
                [c * direction[0] - s * direction[1], s * direction[0] + c * direction[1]]
            )
            for offset in offsets:
                centre = middle + normal * offset
                moved = geometry.line_through(centre, centre + turned)
                a = geometry.intersect(before, moved)
                b = geometry.intersect(moved, after)
                if a is None or b is None:
                    continue
                variant = quad.copy()
                variant[side], variant[(side + 1) % 4] = a, b
                variants.append(variant)
    return np.array(variants) if variants else np.zeros((0, 4, 2))


def polish(quad: Quad, maps: EdgeMaps, rounds: int = 3) -> tuple[Quad, float]:
    """Move one side at a time to where the evidence is best (a local search).

    A candidate often has three sides right and the fourth on a printed band,
    a fold or another sheet; shifting and slightly turning each side in turn,
    keeping the best quad each round, walks it onto the page's real edge.
    """
    best = np.asarray(quad, dtype=np.float64)
    best_score = float(score_quads(best[None], maps, samples=12)[0])
    extent = max(maps.width, maps.height)
    offsets = np.linspace(-0.12, 0.12, 13) * extent
    turns = np.radians(np.array([-3.0, 0.0, 3.0]))
    for _ in range(rounds):
        variants = _moved_sides(best, offsets, turns)
        if not len(variants):
            break
        variants = order_many(variants)
        variants = variants[plausible(variants, maps.width, maps.height, 0.0)]
        if not len(variants):
            break
        scores = score_quads(variants, maps, samples=12)
        index = int(np.argmax(scores))
        if scores[index] <= best_score + 1e-3:
            break
        best, best_score = variants[index], float(scores[index])
    return best, best_score
