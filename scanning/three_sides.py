"""Candidate outlines from three sides of a page and its format.

A page's side can be too faint to be among the strong lines — white paper
over another sheet, a side in shadow — while its three other sides are clear.
Two roughly parallel lines and one across both make a U; a page of known
format (`scanning.complete`) closes it at a known distance along the running
sides, with the perspective their convergence shows. Each U is closed for
every format and either way, and scored on its three real sides only; the
best go on to the full score, which judges the placed side on the picture.

The bases closed are the best supported, and also those best supported with
the start of their running sides — up to where the shortest format would
close the U — as the weakest of the three: a card's side among a desk's
clutter is a weaker line than many that cross a printed page's text, but its
short sides leave it as edges, and the text lines do not.

A U both of whose running sides go on past the placed side is no page's:
its lines are longer edges (tiles, a desk's seam), or the page runs out of
the picture, where the frame's border closes it (`scanning.lines`). Where
only one goes on, the page may lie along another edge — a sheet under it, a
keyboard's row, a shadow — which continues that side: the U is discounted,
as the full score discounts a side that runs on past its corners
(`scanning.outline.CONTINUED_PENALTY`), not dropped.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scanning import geometry
from scanning.complete import COMPLETION_FORMATS, foreshortened, format_ratios, on_the_page
from scanning.edges import EdgeMaps
from scanning.outline import CONTINUED_PENALTY, ENDS_HERE, EXTENSION, side_scores
from scanning.profiles import LineProfiles, Lines, angle_gap, orientation
from scanning.quads import order_many, plausible

#: Bases (a line across a pair, between its crossings) closed: this many best
#: supported, and this many best supported with their running sides' start.
BASES = 100
#: Running sides are read for this many best supported bases (a cost bound:
#: reading them for every base, some 10 000, changed the IoU sum on the
#: corpora by −0.10 and cost 0.8 ms more a frame).
BASES_READ = 10 * BASES
#: U quads passed on to the full score.
KEEP = 16
#: Lines crossing a pair at more than this angle (degrees) can be its base.
CROSSING_DEG = 50


def three_side_quads(
    lines: Lines,
    real: int,
    pairs_of_lines: tuple[NDArray[np.intp], NDArray[np.intp]],
    points: NDArray[np.float64],
    profiles: LineProfiles,
    base_scores: NDArray[np.float64],
    maps: EdgeMaps,
    min_area: float,
) -> NDArray[np.float64]:
    """Quads on three lines, a pair and one across it, their fourth side placed by a format.

    `lines` are those of `scanning.lines`, the first `real` found in the
    picture (the frame's borders follow); `pairs_of_lines` are its pairs of
    roughly parallel lines, `points` the lines' crossings, and `base_scores`
    the best score of each line between each pair's crossings, inside on
    either side (`LineProfiles.table`).
    """
    ratios = format_ratios(COMPLETION_FORMATS)
    theta = orientation(lines)
    pi, pj = pairs_of_lines
    pairs = np.flatnonzero((pi < real) & (pj < real))
    if not len(pairs):
        return np.zeros((0, 4, 2))
    a, b = pi[pairs], pj[pairs]
    mean = np.angle(np.exp(2j * theta[a]) + np.exp(2j * theta[b])) / 2
    # Every pair with every line as its base.
    pp, kk = np.repeat(np.arange(len(pairs)), real), np.tile(np.arange(real), len(pairs))
    ok = (angle_gap(mean[pp], theta[kk]) > np.radians(CROSSING_DEG)) & (kk != a[pp]) & (kk != b[pp])
    pp, kk = pp[ok], kk[ok]
    # The base must be a side: the best supported between the pair are kept,
    # and the best supported with their running sides' start (module docstring).
    base_score = base_scores[kk, pairs[pp]]
    read = np.argsort(-base_score)[:BASES_READ]
    read = read[base_score[read] > 0]
    pp, kk, base_score = pp[read], kk[read], base_score[read]
    ia, ib = a[pp], b[pp]
    with_running = np.minimum(
        base_score, _running_start(lines, points, profiles, (ia, ib, kk), ratios.min())
    )
    best = np.union1d(np.arange(min(BASES, len(read))), np.argsort(-with_running)[:BASES])
    pp, kk = pp[best], kk[best]
    ia, ib = a[pp], b[pp]
    quads = _closed(lines, points, (ia, ib, kk), ratios, (maps.width, maps.height))
    on = np.tile(np.stack([kk, ib, ia], axis=1), (2 * len(ratios), 1))
    starts = np.stack([quads[:, 0], quads[:, 1], quads[:, 0]], axis=1)
    stops = np.stack([quads[:, 1], quads[:, 2], quads[:, 3]], axis=1)
    sides, judged = _segment_scores(
        lines, profiles, on, (starts, stops), geometry.corner_means(quads)
    )
    score = np.where(judged.all(axis=1), 0.6 * sides.mean(axis=1) + 0.4 * sides.min(axis=1), 0.0)
    # A page's running sides end at its corners: where both run on past the
    # placed side, the lines are a longer edge, or a page the frame cuts;
    # where one does, the page may lie along another edge, and is discounted.
    near, far = EXTENSION
    run = stops[:, 1:] - starts[:, 1:]
    past, past_samples = profiles.segments(
        on[:, 1:], stops[:, 1:] + near * run, stops[:, 1:] + far * run
    )
    continued = past[..., 1] / np.maximum(past[..., 0], 1.0)
    seen_past = past[..., 0] >= 0.5 * np.maximum(past_samples, 1.0)
    runs_on = seen_past & (continued > ENDS_HERE)
    score = np.where(runs_on.all(axis=1), 0.0, score)
    score = score * (1.0 - CONTINUED_PENALTY * np.where(runs_on, continued, 0.0).max(axis=1))
    # A page the frame cuts is closed by the border (`line_quads`), not by a side placed here.
    inside = np.all(
        (quads >= 1.0) & (quads <= np.array([maps.width - 2.0, maps.height - 2.0])), axis=(1, 2)
    )
    score = np.where(inside, score, 0.0)
    likely = np.flatnonzero(score > 0)
    likely = likely[np.argsort(-score[likely])[: 8 * KEEP]]
    ordered = order_many(quads[likely])
    keep = plausible(ordered, maps.width, maps.height, min_area)
    return np.asarray(ordered[keep][:KEEP], dtype=np.float64)


def _running_start(
    lines: Lines,
    points: NDArray[np.float64],
    profiles: LineProfiles,
    on: tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]],
    ratio: float,
) -> NDArray[np.float64]:
    """The weaker score of the U's two running sides from its base, `ratio` times its length on.

    Either way from the base, the better; in the image's lines (no perspective:
    a first stretch, not a closure).
    """
    ia, ib, base = on
    ca, cb = points[ia, base], points[ib, base]
    reach = ratio * np.linalg.norm(cb - ca, axis=1)[:, None]
    both = np.stack([ia, ib], axis=1)
    best = np.zeros(len(base))
    for way in (1.0, -1.0):
        da, db = _running_directions(lines, ia, ib, way)
        ends = np.stack([ca + da * reach, cb + db * reach], axis=1)
        centre = (ca + cb + (da + db) * reach / 2) / 2
        sides, judged = _segment_scores(
            lines, profiles, both, (np.stack([ca, cb], axis=1), ends), centre
        )
        best = np.maximum(best, np.where(judged, sides, 0.0).min(axis=1))
    return best


def _running_directions(
    lines: Lines, ia: NDArray[np.intp], ib: NDArray[np.intp], way: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Unit directions along lines `ia` and `ib`, `way` (±1) along `ia`.

    Both running sides leave the base on the same side of it.
    """
    da = np.stack([-lines[ia, 1], lines[ia, 0]], axis=1) * way
    db = np.stack([-lines[ib, 1], lines[ib, 0]], axis=1)
    return da, db * np.sign(np.einsum("nj,nj->n", da, db))[:, None]


def _segment_scores(
    lines: Lines,
    profiles: LineProfiles,
    on: NDArray[np.intp],
    ends: tuple[NDArray[np.float64], NDArray[np.float64]],
    centre: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Side scores of segments on lines `on` (N, K) between `ends`, inside towards `centre`."""
    sums, samples = profiles.segments(on, *ends)
    inside_plus = np.einsum("nkj,nj->nk", lines[on, :2], centre) + lines[on, 2] > 0
    contrast = np.where(inside_plus, sums[..., 3], sums[..., 4])
    sides, judged = side_scores(sums[..., 0], sums[..., 1], sums[..., 2], contrast, samples)
    return sides, judged


def _closed(
    lines: Lines,
    points: NDArray[np.float64],
    on: tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]],
    ratios: NDArray[np.float64],
    size: tuple[int, int],
) -> NDArray[np.float64]:
    """The U's on lines `ia`, `ib` and `base`, closed either way by every ratio (2R·N, 4, 2).

    Corners run base-on-a, base-on-b, then the placed ends on b and a; the
    running sides' length is the ratio times the base's, on the page's
    plane as the camera sees it (`scanning.complete.on_the_page`), or, where
    the lines do not fit that model, foreshortened towards their vanishing
    point (`scanning.complete.along_side`).
    """
    ia, ib, base = on
    ca, cb = points[ia, base], points[ib, base]
    width = np.linalg.norm(cb - ca, axis=1)
    vanishing = points[ia, ib]
    closed = []
    for way in (1.0, -1.0):
        da, db = _running_directions(lines, ia, ib, way)
        ends_a, ends_b, fits = on_the_page(ca, cb, ca + da, cb + db, ratios, *size)
        for index, ratio in enumerate(ratios):
            length = ratio * width
            ends = []
            for start, d, placed in ((ca, da, ends_a), (cb, db, ends_b)):
                ahead = np.einsum("nj,nj->n", vanishing - start, d)
                step = np.where(np.abs(ahead) > 1e-6, foreshortened(length, ahead), length)
                step = np.where(np.isfinite(step) & (step > 0), step, length)
                # Past the plane's horizon, no length on the page reaches: the image's own.
                on_page = fits & np.isfinite(placed[:, index]).all(axis=1)
                ends.append(np.where(on_page[:, None], placed[:, index], start + step[:, None] * d))
            closed.append(np.stack([ca, cb, ends[1], ends[0]], axis=1))
    return np.concatenate(closed)
