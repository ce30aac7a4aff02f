"""Complete a page cut by the frame, from its visible sides and its known format.

When a page runs out of the picture across one side, the detector sees three
of its sides — the two that run to the frame's border and the one opposite
the cut — and the frame's border closes the rest. The page's real outline is
larger: its fourth side lies beyond the border. Pages come in a few formats
(A4 and the passport page about 1.41, the identity card 1.586), so the length
of the running sides is a known multiple of the full side's: the fourth side
is placed there, measured on the page's plane as the camera sees it
(`on_the_page`, the camera model `scanning.aspect` uses): a page tilted away
from the lens shows its running sides shorter than the full side's image
says. Where the corners do not fit that model, the lengths are laid off
along the image's lines, shrinking towards their vanishing point (`_along`).

Which format, and whether the full side is the short or the long one, is not
seen. The smallest completion that reaches past the frame is taken: it claims
the least unseen page, and an applicant holds most of the page in view. The
result is an estimate, and the page is reported as not fully visible.

A completion may also put one corner of the fourth side within the picture:
the page is cut across that side, a corner in view (the border then closes
its visible part with a fifth side). Only the picture can tell whether that
corner is there, so it is taken when a check the caller gives says so
(`scanning.cut_page.corner_shows`: the running side stops there, the
fourth side leaves it as an edge).

The same placing helps with whole pages (`placed_by_format`): when one side
of a page is too faint to be among the candidate lines, the side a format
puts opposite the other three is tried in its stead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from scanning import geometry
from scanning.aspect import NOMINAL_FIELD
from scanning.types import Quad

#: Formats a cut page may be completed to: those the kiosk is asked to scan
#: (US letter is not in use where it runs).
COMPLETION_FORMATS = ("A4", "ID-3", "ID-1")
#: Proportions closer than this (relative) are one hypothesis.
SAME_RATIO = 0.02
#: A side counts as lying on the frame's border within this many pixels.
BORDER_TOLERANCE = 1.5
#: Corner orders of a quad rolled by each side, and back (index arrays:
#: `np.roll`'s overhead shows on these tiny arrays, scored many per frame).
_ROLLED = [(np.arange(4) + side) % 4 for side in range(4)]
_UNROLLED = [(np.arange(4) - side) % 4 for side in range(4)]

#: A check of the picture for a corner a completion places in view:
#: `(corner, far, beyond)` — the corner, the far end of its running side, and
#: the fourth side's other end, out of the picture — tells whether it shows.
CornerCheck = Callable[[Quad, Quad, Quad], bool]


@functools.cache
def format_ratios(formats: tuple[str, ...]) -> NDArray[np.float64]:
    """Length of the running sides in units of the full side, for every hypothesis."""
    longs = [geometry.FORMATS[name][1] / geometry.FORMATS[name][0] for name in formats]
    every = sorted(longs + [1 / r for r in longs])
    # Formats closer than the placing's precision (A4 and the passport page,
    # 0.4 % apart) make one hypothesis: the first, the smaller.
    kept = [every[0]]
    for ratio in every[1:]:
        if ratio > kept[-1] * (1 + SAME_RATIO):
            kept.append(ratio)
    return np.array(kept)


def cut_side(quad: Quad, width: int, height: int) -> int | None:
    """Index of the only side lying along the frame's border, if exactly one does."""
    on = np.flatnonzero(geometry.sides_along_border(quad[None], width, height, BORDER_TOLERANCE)[0])
    return int(on[0]) if len(on) == 1 else None


def along_side(start: Quad, toward: Quad, vanishing: Quad | None, length: float) -> Quad:
    """The image of the point `length` page units from `start`, one unit being one pixel at `start`.

    On the image of a straight line, equal steps on the page shrink towards
    the line's vanishing point: a point at distance d from `start` appears at
    d / (1 + d / v) pixels, v being the distance from `start` to the vanishing
    point (negative when it lies behind, infinite when the sides are parallel).
    """
    return np.asarray(_along(start, toward, vanishing, np.array([length]))[0], dtype=np.float64)


def complete(
    quad: Quad,
    width: int,
    height: int,
    formats: tuple[str, ...] = COMPLETION_FORMATS,
    corner_shows: CornerCheck | None = None,
) -> Quad | None:
    """The whole page of which `quad` is the part the frame shows, or None.

    Only a quad with exactly one side on the frame's border is completed (two
    sides on the border show a corner of the page: both lengths are unknown).
    A completion whose fourth side reaches past the border on one running
    side and ends the other within the picture is taken only if
    `corner_shows` says that corner is there (never without it).
    Returns the corners clockwise from the top-left, some outside the frame.
    """
    quad = geometry.order_clockwise(np.asarray(quad, dtype=np.float64))
    side = cut_side(quad, width, height)
    if side is None:
        return None
    # Side 0 runs along the border from q0 to q1; q3 → q0 and q2 → q1 run out of the picture.
    q = quad[_ROLLED[side]]  # np.roll(quad, -side, axis=0), without its overhead
    full = float(np.linalg.norm(q[2] - q[3]))
    seen_a, seen_b = float(np.linalg.norm(q[0] - q[3])), float(np.linalg.norm(q[1] - q[2]))
    if full < 1.0 or min(seen_a, seen_b) < 1.0:
        return None
    # Every format at once; the first (smallest) that reaches past the border wins.
    ends_a, ends_b = running_ends(q, format_ratios(formats), width, height)
    reach_a = ((ends_a - q[3]) @ (q[0] - q[3])) / seen_a
    reach_b = ((ends_b - q[2]) @ (q[1] - q[2])) / seen_b
    # The fourth side lies beyond the border on both running sides, or on
    # one, with the other's end — a corner — in view where the picture shows it.
    beyond_a = reach_a >= seen_a - BORDER_TOLERANCE
    beyond_b = reach_b >= seen_b - BORDER_TOLERANCE
    limit = np.array([width - 1.0, height - 1.0])
    in_view_a, in_view_b = (
        np.all((ends >= 0) & (ends <= limit), axis=1) for ends in (ends_a, ends_b)
    )
    for index in range(len(ends_a)):
        whole = np.array([ends_a[index], ends_b[index], q[2], q[3]])
        if beyond_a[index] and beyond_b[index]:
            shown = True
        elif corner_shows is not None and beyond_b[index] and in_view_a[index]:
            shown = corner_shows(ends_a[index], q[3], ends_b[index])
        elif corner_shows is not None and beyond_a[index] and in_view_b[index]:
            shown = corner_shows(ends_b[index], q[2], ends_a[index])
        else:
            continue
        if shown and geometry.is_convex(whole):
            return geometry.order_clockwise(whole)
    return None


def placed_by_format(
    quad: Quad, width: int, height: int, formats: tuple[str, ...] = COMPLETION_FORMATS
) -> NDArray[np.float64]:
    """Variants of a quad with one side moved to where a known format puts it (M, 4, 2).

    A side may be missing from the candidates' lines — too faint against the
    desk, under a finger — while the quad built on the three others borrows a
    desk's seam or another object's edge for it. Each side in turn is placed
    from the three others by every format's proportions, as for a cut page;
    the scores then tell whether the edge is there, so only sides placed
    within the picture are kept (beyond it, `complete` decides). The variants
    keep the quad's order of corners; they are not checked for convexity.
    """
    quad = np.asarray(quad, dtype=np.float64)
    ratios = format_ratios(formats)
    inside = np.array([width - 1.0, height - 1.0])
    # Each side in turn is the one placed (the quad rolled by `_ROLLED`), all four at once.
    rolled = quad[np.stack(_ROLLED)]
    ends_a, ends_b, fits = on_the_page(
        rolled[:, 3], rolled[:, 2], rolled[:, 0], rolled[:, 1], ratios, width, height
    )
    variants = []
    for side in range(4):
        q = rolled[side]
        if float(np.linalg.norm(q[2] - q[3])) < 1.0:
            continue
        if fits[side]:
            placed = np.stack([ends_a[side], ends_b[side]], axis=1)  # (R, 2 corners, 2)
        else:
            placed = np.stack(_in_the_image(q, ratios), axis=1)
        seen = np.all(np.isfinite(placed) & (placed >= 0) & (placed <= inside), axis=(1, 2))
        rest = np.broadcast_to(q[2:], (len(ratios), 2, 2))
        # Back to the quad's own order: the moved side runs from corner `side` to the next.
        variant = np.concatenate([placed, rest], axis=1)[:, _UNROLLED[side]]
        variants.append(variant[seen])
    return np.concatenate(variants) if variants else np.zeros((0, 4, 2))


def running_ends(
    q: Quad, ratios: NDArray[np.float64], width: int, height: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Where running sides q3 → q0 and q2 → q1 end, `ratios` times the full side q3–q2 long.

    On the page's plane as the camera sees it (`on_the_page`); when the
    corners do not fit that model, equal lengths are laid off along the
    image's lines, shrinking towards their vanishing point (`_along`).
    Returns (R, 2) arrays; an end beyond the plane's horizon is not finite.
    """
    ends_a, ends_b, fits = on_the_page(
        q[None, 3], q[None, 2], q[None, 0], q[None, 1], ratios, width, height
    )
    if fits[0]:
        return ends_a[0], ends_b[0]
    return _in_the_image(q, ratios)


def _in_the_image(
    q: Quad, ratios: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """`running_ends` laid off along the image's lines, shrinking towards their vanishing point."""
    vanishing = geometry.intersect(
        geometry.line_through(q[3], q[0]), geometry.line_through(q[2], q[1])
    )
    lengths = ratios * float(np.linalg.norm(q[2] - q[3]))
    return _along(q[3], q[0], vanishing, lengths), _along(q[2], q[1], vanishing, lengths)


def on_the_page(
    start_a: NDArray[np.float64],
    start_b: NDArray[np.float64],
    toward_a: NDArray[np.float64],
    toward_b: NDArray[np.float64],
    ratios: NDArray[np.float64],
    width: int,
    height: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Ends of N pairs of running sides (start → toward, (N, 2) each), `ratios` times the base long.

    The base runs from `start_a` to `start_b`. The page's plane is recovered
    with the camera model `scanning.aspect` uses (a nominal focal length,
    the lens axis through the picture's centre; Zhang & He 2007): the
    running sides' vanishing point gives their direction in space, the
    base's image its own direction, at right angles to it, and the two the
    plane. The base is measured on that plane, the ends laid off along the
    running direction at each ratio of it, then seen again by the camera. A
    page tilted away from the lens shows its running sides shorter than the
    base's image says, by about the cosine of the tilt: equal lengths on a
    page only look equal across the tilt's axis.

    Returns the ends (N, R, 2) on each running side — not finite beyond the
    plane's horizon — and which pairs fit the model (corners in front of
    the lens, on a plane that is not seen edge on).
    """
    focal = width / (2.0 * np.tan(np.radians(NOMINAL_FIELD) / 2.0))
    centre = np.array([width / 2.0, height / 2.0])

    def rays(points: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.concatenate([(points - centre) / focal, np.ones((len(points), 1))], axis=1)

    ray_a, ray_b, ray_ta, ray_tb = (rays(p) for p in (start_a, start_b, toward_a, toward_b))
    cross = geometry.cross_rows
    # Each side's plane through the lens; the running sides' direction lies in both.
    running = cross(cross(ray_a, ray_ta), cross(ray_b, ray_tb))
    across = cross(cross(ray_a, ray_b), running)
    normal = cross(running, across)
    normal *= np.where(np.einsum("nj,nj->n", normal, ray_a) < 0, -1.0, 1.0)[:, None]
    depths = [np.einsum("nj,nj->n", normal, ray) for ray in (ray_a, ray_b, ray_ta, ray_tb)]
    size = np.linalg.norm(running, axis=1)
    fits = np.all([d > 1e-12 for d in depths], axis=0) & (size > 1e-12)
    fits &= np.all(np.isfinite(depths), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # On the plane normal·X = 1: lengths on the page, up to one scale.
        on_a, on_b, on_ta = (
            ray / d[:, None] for ray, d in zip((ray_a, ray_b, ray_ta), depths, strict=False)
        )
        unit = running / size[:, None]
        unit *= np.where(np.einsum("nj,nj->n", on_ta - on_a, unit) < 0, -1.0, 1.0)[:, None]
        base = np.linalg.norm(on_b - on_a, axis=1)
        steps = ratios[None, :, None] * (base[:, None] * unit)[:, None, :]

        def seen(start: NDArray[np.float64]) -> NDArray[np.float64]:
            ends = start[:, None, :] + steps
            image = ends[..., :2] / ends[..., 2:] * focal + centre
            return np.where(ends[..., 2:] > 1e-9, image, np.nan)

        return seen(on_a), seen(on_b), fits


def _along(
    start: Quad, toward: Quad, vanishing: Quad | None, lengths: NDArray[np.float64]
) -> NDArray[np.float64]:
    """`along_side` for many lengths at once (R,) → (R, 2)."""
    direction = (toward - start) / (np.linalg.norm(toward - start) + 1e-12)
    steps = lengths
    if vanishing is not None:
        v = float(np.dot(vanishing - start, direction))
        if abs(v) >= 1e-9:
            steps = foreshortened(lengths, v)
    # An end past the plane's horizon has no image: not finite (inf · 0 is NaN).
    with np.errstate(invalid="ignore"):
        return np.asarray(start + steps[:, None] * direction, dtype=np.float64)


def foreshortened(
    lengths: NDArray[np.float64], ahead: float | NDArray[np.float64]
) -> NDArray[np.float64]:
    """Image distances of `lengths` along a line, its vanishing point `ahead` pixels on.

    Lengths are in pixels at the line's start; `ahead` is negative when the
    vanishing point lies behind (see `along_side`). Then a length of `-ahead`
    or more reaches the plane's horizon: its image is not finite.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = 1.0 + lengths / ahead
        return np.asarray(np.where(shrink > 0, lengths / shrink, np.inf), dtype=np.float64)
