"""Score candidate outlines on the working copy.

A page's side is seen as: a strong gradient across it at most points, with
the same sign all along (the page is lighter — or darker — than the desk), and
a colour difference between just inside and both just and further outside (a
dark band printed across a form has the same paper again beyond it). It ends
at the page's corners: a line that runs on past them is a shadow, a seam or
another sheet (`continuation`). Sides outside the frame, and the parts of
sides outside it, cannot be judged and count as fair ones; so does a side
that hardly shows where the page visibly ends — its neighbours' edges run up
to its corners and stop there — at the place the page's format puts it
(`closed_by_format`: white paper against a white sheet, a side in shadow).
The weakest judged side weighs in, so one good edge cannot carry a quad. Last,
the quad's real proportions are compared with the document formats
(`scanning.aspect`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scanning import geometry
from scanning.aspect import format_match
from scanning.edges import EDGE_STEP, SCHARR_GAIN, EdgeMaps
from scanning.quads import areas

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
#: A page's side ends at its corners: past them lies desk. An edge that runs
#: on past the corners is a longer line — a shadow, a desk's seam, another
#: sheet — and only partly a page's side. Read from this share of the side's
#: length past each corner (clear of a card's rounded corner) to this one.
EXTENSION = (0.03, 0.15)
CONTINUED_PENALTY = 0.5
#: A side's edge stops at a corner when at most this share of its extension
#: past the corner is edge; past that, it runs on: a longer line.
ENDS_HERE = 0.5
#: …and it reaches the corner when at least this share of its last fifth is edge.
ENDS_ON_EDGE = 0.5
_ACROSS = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
_NEXT = geometry.NEXT_CORNER


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
    visible, supported, strength = edge_support(points, normal, maps, across_offsets)
    plus, minus = colours_beside(points, normal, maps)
    plus_far, minus_far = colours_beside(points, normal, maps, FAR_OUTSIDE)
    near = colour_distance(plus, minus)
    contrast_plus = np.minimum(near, colour_distance(plus, minus_far))
    contrast_minus = np.minimum(near, colour_distance(minus, plus_far))
    return Evidence(
        visible,
        supported,
        _flips(np.where(supported, np.sign(strength), 0.0)),
        np.asarray(contrast_plus, dtype=np.float32),
        np.asarray(contrast_minus, dtype=np.float32),
    )


def colours_beside(
    points: NDArray[np.float64],
    normal: NDArray[np.float64],
    maps: EdgeMaps,
    distance: float = NEAR,
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Lab colours (…, 3) `distance` pixels either side of lines at `points`: +normal, then −."""
    px, py = points[..., 0], points[..., 1]
    nx, ny = normal[..., 0], normal[..., 1]
    plus, minus = (
        _colours(maps, _pixel(px + nx * offset, py + ny * offset, maps.width, maps.height))
        for offset in (distance, -distance)
    )
    return plus, minus


def edge_support(
    points: NDArray[np.float64],
    normal: NDArray[np.float64],
    maps: EdgeMaps,
    across_offsets: NDArray[np.float64] = _ACROSS,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.float64]]:
    """Which `points` (…, 2) are in view, which lie on an edge across `normal`, and its gradient.

    The gradient across the line is the strongest among probes at
    `across_offsets`; an edge is a step of at least `EDGE_STEP` levels, more
    across the line than along it.
    """
    # Contiguous copies: the normals are often broadcast, and every probe reads them.
    px, py = np.ascontiguousarray(points[..., 0]), np.ascontiguousarray(points[..., 1])
    nx, ny = np.ascontiguousarray(normal[..., 0]), np.ascontiguousarray(normal[..., 1])
    # The probe with the strongest gradient across the line, the first of
    # equals as `argmax` would pick. One offset at a time, on whole arrays
    # updated in place: numpy is slow along a 3- or 5-long last axis.
    strength = sideways = best = None
    for offset in across_offsets:
        across, along = gradient_across(px + nx * offset, py + ny * offset, nx, ny, maps)
        size = np.abs(across)
        if strength is None or sideways is None or best is None:
            strength, sideways, best = across, along, size
            continue
        stronger = size > best
        np.copyto(strength, across, where=stronger)
        np.copyto(sideways, along, where=stronger)
        np.copyto(best, size, where=stronger)
    assert strength is not None and sideways is not None
    visible = in_view(px, py, maps)
    return visible, is_edge(strength, sideways, visible), strength


def in_view(x: NDArray[np.float64], y: NDArray[np.float64], maps: EdgeMaps) -> NDArray[np.bool_]:
    """Which points lie in the working copy, clear of its border (where gradients are cut)."""
    return np.asarray((x >= 2) & (x <= maps.width - 3) & (y >= 2) & (y <= maps.height - 3))


def gradient_across(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    nx: NDArray[np.float64],
    ny: NDArray[np.float64],
    maps: EdgeMaps,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gradient across lines of unit normal (nx, ny), and its size along them.

    Read at each point's nearest pixel of the working copy.
    """
    pixel = _pixel(x, y, maps.width, maps.height)
    gx, gy = maps.gx.ravel()[pixel], maps.gy.ravel()[pixel]
    across = gx * nx
    across += gy * ny
    along = gx * ny
    along -= gy * nx
    np.abs(along, out=along)
    return across, along


def is_edge(
    across: NDArray[np.float64], along: NDArray[np.float64], visible: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """An edge: a step of at least `EDGE_STEP` levels, more across the line than along it."""
    size = np.abs(across)
    return np.asarray((size > SCHARR_GAIN * EDGE_STEP) & (size > along) & visible)


def _pixel(
    x: NDArray[np.float64], y: NDArray[np.float64], width: int, height: int
) -> NDArray[np.intp]:
    """Index into a flattened map of the pixel nearest each point (clamped to the map)."""
    # In place, and in float64 until the end: whole pixel numbers stay exact
    # there, and one conversion replaces two (this runs on every probe).
    column = np.rint(x)
    np.minimum(np.maximum(column, 0.0, out=column), width - 1.0, out=column)
    row = np.rint(y)
    np.minimum(np.maximum(row, 0.0, out=row), height - 1.0, out=row)
    row *= width
    row += column
    return np.asarray(row.astype(np.intp), dtype=np.intp)


def _colours(maps: EdgeMaps, pixel: NDArray[np.intp]) -> NDArray[np.float32]:
    """Lab colours (…, 3) of flattened pixels, as `maps.lab.reshape(-1, 3)[pixel]`."""
    picked = maps.lab_pixels[np.ravel(pixel)]
    return np.asarray(picked.view(np.float32).reshape(*np.shape(pixel), 3))


def colour_distance(a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.float32]:
    """Euclidean distance between Lab colours along the last axis (broadcast)."""
    # Channel by channel rather than with einsum: the colours are whole Lab
    # levels (uint8 in float32), or medians of them (halves), so the squares
    # and their sum are exact in float32 whatever the order of the additions —
    # the result is the same.
    d = a - b
    total = d[..., 0] * d[..., 0]
    total += d[..., 1] * d[..., 1]
    total += d[..., 2] * d[..., 2]
    return np.asarray(np.sqrt(total), dtype=np.float32)


def _flips(signs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mark each supported point whose polarity differs from the previous supported one.

    A page's side keeps its polarity (lighter one side) and changes it only
    where the page's own colour changes — a card's dark band, once or twice;
    a line of text or a texture changes it all the time.
    """
    length = signs.shape[-1]
    if signs.size == 0:
        return np.zeros(signs.shape, dtype=np.float64)
    rows = np.ascontiguousarray(signs).reshape(-1, length)
    index = np.where(rows != 0, np.arange(length), 0)
    # Along the first axis of the transpose: the running maximum then works on
    # whole rows at a time, not along each short row (same integers).
    last = np.maximum.accumulate(index.T, axis=0).T
    previous = np.zeros_like(last)
    previous[:, 1:] = last[:, :-1]
    previous += (np.arange(len(rows)) * length)[:, None]
    before = rows.ravel()[previous]
    flips = (rows != 0) & (before != 0) & (before != rows)
    return np.asarray(flips.reshape(signs.shape), dtype=np.float64)


def side_scores(
    visible: NDArray[np.float64],
    supported: NDArray[np.float64],
    flips: NDArray[np.float64],
    contrast: NDArray[np.float64],
    samples: float | NDArray[np.float64],
    continued: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Score sides from counts along them; return scores and which could be judged.

    Arguments are sums over each side's points: how many are visible, how
    many support an edge, how often the polarity flips, the sum of contrasts;
    `continued` is the share of the side's extensions past its corners that
    is edge too (`continuation`).
    """
    judged = visible >= 0.25 * samples
    safe = np.maximum(visible, 1.0)
    support = supported / safe
    consistency = np.clip(1.0 - flips / np.maximum(supported - 1.0, 1.0), 0.0, 1.0)
    colour = np.minimum(contrast / safe / 20.0, 1.0)
    score = support**SUPPORT_POWER * (0.5 + 0.5 * consistency) * (0.4 + 0.6 * colour)
    if continued is not None:
        score = score * (1.0 - CONTINUED_PENALTY * np.nan_to_num(continued))
    # The part of a side out of the picture cannot be checked: it counts as a
    # fair side, as a side wholly out of it does (`combine`). Judged on its
    # part in view alone, a side that runs out of the picture would be as
    # sure as one seen whole, and an outline that leaves the picture could
    # outscore the page it borrows sides from. A side of no samples keeps its score.
    in_view = np.where(samples > 0, np.minimum(visible / np.maximum(samples, 1.0), 1.0), 1.0)
    score = in_view * score + (1.0 - in_view) * UNSEEN_SIDE
    return score, judged


def combine(sides: NDArray[np.float64], judged: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Quad evidence from its 4 side scores (N, 4)."""
    # Column by column: numpy reduces slowly along a 4-long last axis, and
    # this runs on tens of thousands of quads a frame. The sum is taken in the
    # order `mean(axis=1)` takes it, so the result is the same.
    count = judged[:, 0].astype(np.intp) + judged[:, 1] + judged[:, 2] + judged[:, 3]
    # A side out of the picture cannot be checked: it counts as a fair side, not
    # a perfect one, so a page seen whole wins over one closed by the frame.
    filled = np.where(judged, sides, UNSEEN_SIDE)
    a, b, c, d = filled[:, 0], filled[:, 1], filled[:, 2], filled[:, 3]
    mean = (a + b + c + d) / 4
    weakest = np.minimum(np.minimum(a, b), np.minimum(c, d))
    edge = 0.6 * mean + 0.4 * weakest
    return np.asarray(np.where(count >= 3, edge, 0.0), dtype=np.float64)


def finish(
    edge: NDArray[np.float64], quads: NDArray[np.float64], maps: EdgeMaps
) -> NDArray[np.float64]:
    """Final score: evidence, discounted for tiny quads, nudged by the format prior."""
    size, prior = shape_factors(quads, maps)
    return np.asarray(edge * size * prior, dtype=np.float64)


def shape_factors(
    quads: NDArray[np.float64], maps: EdgeMaps, match: NDArray[np.float64] | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """What `finish` multiplies evidence by: a discount for tiny quads, the format prior.

    `match` is the quads' `format_match`, when already worked out.
    """
    size = size_factor(quads, maps)
    # A quad closed by the frame's border is only the part of a page in view:
    # its proportions say nothing of the page's, and count as a fair match.
    match = np.where(
        on_border(quads, maps.width, maps.height).any(axis=1),
        UNSEEN_SIDE,
        format_match(quads, maps.width, maps.height) if match is None else match,
    )
    return size, np.asarray(0.8 + 0.2 * match, dtype=np.float64)


def size_factor(quads: NDArray[np.float64], maps: EdgeMaps) -> NDArray[np.float64]:
    """`finish`'s discount for small quads: 1 from 15 % of the picture, its square root below."""
    fraction = areas(quads) / (maps.width * maps.height)
    return np.asarray(np.minimum(1.0, fraction / 0.15) ** 0.5, dtype=np.float64)


def on_border(quads: NDArray[np.float64], width: int, height: int) -> NDArray[np.bool_]:
    """Which sides (N, 4) of working-copy quads run along the picture's border (to half a pixel)."""
    return geometry.sides_along_border(quads, width, height, 0.5)


def continuation(
    start: NDArray[np.float64],
    end: NDArray[np.float64],
    normal: NDArray[np.float64],
    maps: EdgeMaps,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Share of edge past the corners of sides (…, 2): past both, past the start, past the end.

    Past the picture's border nothing can be told: a share is NaN where too
    few of its points are in view (3 of 12 past both corners, 2 of 6 past one).
    """
    low, high = EXTENSION
    t = np.concatenate([-np.linspace(low, high, 6), 1.0 + np.linspace(low, high, 6)])
    points = start[..., None, :] + (end - start)[..., None, :] * t[:, None]
    normals = np.broadcast_to(normal[..., None, :], points.shape)
    in_view, supported, _ = edge_support(points, normals, maps, np.array([-1.0, 0.0, 1.0]))

    def share(part: slice, enough: int) -> NDArray[np.float64]:
        visible = in_view[..., part].sum(axis=-1)
        edge = supported[..., part].sum(axis=-1) / np.maximum(visible, 1)
        return np.asarray(np.where(visible >= enough, edge, np.nan), dtype=np.float64)

    return share(slice(None), 3), share(slice(0, 6), 2), share(slice(6, 12), 2)


def closed_by_format(
    plain: NDArray[np.float64],
    supported: NDArray[np.bool_],
    past: tuple[NDArray[np.float64], NDArray[np.float64]],
    match: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Which sides (N, 4) are faint where the page visibly ends, at its format's place.

    Both neighbouring sides are fair edges that run right up to the side's
    corners and stop there (they do not run on past them), and the quad's
    proportions are a document format's: the page ends there, though its
    edge hardly shows (white paper on a white sheet, a side in shadow).
    `supported` tells which points along each side (N, 4, points) are edge;
    `past` is the share of edge past each side's start, then past its end
    (`continuation`).
    """
    before, after = past
    previous, following = np.roll(plain, 1, axis=1), np.roll(plain, -1, axis=1)
    # The last fifth of the side before, the first fifth of the side after:
    # a side placed on the desk beyond the page has none of their edge.
    reach = max(2, supported.shape[2] // 5)
    up_to = np.roll(supported[..., -reach:].mean(axis=2), 1, axis=1) >= ENDS_ON_EDGE
    from_ = np.roll(supported[..., :reach].mean(axis=2), -1, axis=1) >= ENDS_ON_EDGE
    # The side before ends at this side's first corner; the one after starts at its second.
    stops = (np.roll(after, 1, axis=1) <= ENDS_HERE) & (np.roll(before, -1, axis=1) <= ENDS_HERE)
    return np.asarray(
        (plain < UNSEEN_SIDE)
        & (previous >= UNSEEN_SIDE)
        & (following >= UNSEEN_SIDE)
        & up_to
        & from_
        & stops
        # Within `aspect.TOLERANCE` of a format: match = exp(−(error / TOLERANCE)²).
        & (match[:, None] >= np.exp(-1.0)),
        dtype=np.bool_,
    )


def score_sides(
    quads: NDArray[np.float64], maps: EdgeMaps, samples: int = SAMPLES_PER_SIDE
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Scores of the quads, of their weakest judged side, and their evidence of a page.

    The first score ranks candidates with every cue. The last tells whether a
    page is there: it leaves out whether sides run on past their corners
    (`continuation`), which tells apart outlines along the same edges, and the
    discount for small outlines, which ranks a page above its own photo or
    printed frame: an identity card far from the camera has sides as clear as
    a letter's. (A phone or a floor tile has clear sides too, and no print
    laid out in lines: `scanning.content`.)
    """
    start, end = quads, quads[:, _NEXT]
    t = np.linspace(0.04, 0.96, samples)
    points = start[:, :, None, :] + (end - start)[:, :, None, :] * t[None, None, :, None]
    direction = end - start
    normal = np.stack([-direction[..., 1], direction[..., 0]], axis=-1)
    # Clockwise on screen (y down), so this normal points into the quad.
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True) + 1e-12
    normals = np.broadcast_to(normal[:, :, None, :], points.shape)
    seen = evidence(points, normals, maps)
    counts = (
        seen.visible.sum(axis=2).astype(np.float64),
        seen.supported.sum(axis=2).astype(np.float64),
        seen.flips.sum(axis=2),
        (seen.contrast_plus * seen.visible).sum(axis=2).astype(np.float64),
        float(samples),
    )
    plain, judged = side_scores(*counts)
    continued, before, after = continuation(start, end, normal, maps)
    sides, _ = side_scores(*counts, continued)
    # A faint side where the page visibly ends, at its format's place, counts
    # as a fair side, as one out of the picture does: unseen, not absent.
    match = format_match(quads, maps.width, maps.height)
    # Quads closed by the frame's border are matched on their visible part,
    # which need not be a format's. Measured on the corpora, leaving them out
    # (IoU sum −0.8), closing them without a format (−0.5), or closing only a
    # far side that `complete` completes (−0.5) did no better: they are
    # matched as they are.
    closed = closed_by_format(plain, seen.supported, (before, after), match)
    plain = np.where(closed, UNSEEN_SIDE, plain)
    sides = np.where(closed, np.maximum(sides, UNSEEN_SIDE), sides)
    weakest = np.where(judged, sides, np.inf).min(axis=1)
    # An object's outline ends somewhere: when every side runs on past its
    # corners, the outline is a cell of a grid (tiles, a keyboard), no page.
    known = judged & np.isfinite(continued)
    grid = np.where(known, continued, np.inf).min(axis=1)
    grid = np.where(known.sum(axis=1) >= 2, grid, 0.0)
    # `finish` twice, its factors worked out once.
    size, prior = shape_factors(quads, maps, match)
    return (
        combine(sides, judged) * size * prior,
        np.where(np.isinf(weakest), 0.0, weakest),
        combine(plain, judged) * prior * (1.0 - CONTINUED_PENALTY * grid),
    )
