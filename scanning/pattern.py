"""Does a pattern of the surface run through an outline? Tells a page from a patch of tiled floor.

Floor tiles, a keyboard's keys, a cutting mat's grid or a checked cloth make
rectangles of their own: their sides are clear straight edges, and the
lines between them — grout, the gaps between keys — run in rows like lines
of print. An outline on them passes the side scores and the print check.
What gives it away is that its lines do not end at its sides. A document's
marks — its text, its rules, its bands — stop at its edge, where the desk
begins; the grout that makes a patch of floor's sides crosses its other
sides and carries on beyond them, into the floor around it, in two
directions and at every tile.

Other lines cross a page's side too: the edge of a shadow or of a light
beam, a pen lying across the page, another sheet's edge. Each crosses one or
two sides, once. A pattern crosses at least three sides (its two families of
lines), each in several places: that is what is counted.

A crossing is an edge running across the side — its gradient along the side
— at the same place just inside and just outside, at two depths each way:
the line carries on through the side. Corners are left out: there the
neighbouring sides themselves cross.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scanning import geometry
from scanning.edges import EdgeMaps
from scanning.outline import gradient_across, in_view, is_edge
from scanning.types import Quad

#: Depths (working-copy pixels) at which a crossing line is looked for, each
#: way from the side: clear of the side's own edge (the 5×5 blur and the
#: gradient spread it over two pixels or so), and near enough that a line
#: within about 10° of square to the side stays within `SLACK` of its place.
DEPTHS = (3.0, 6.0)
#: How far along the side (working-copy pixels) the line may lie at each
#: depth, either way: places are read this far apart.
SLACK = 1.0
#: Share of each side left out at each end: the corners, where the
#: neighbouring sides cross.
CORNER_SHARE = 0.1
#: A side is crossed by a pattern when lines cross it in this many places or more …
MIN_CROSSINGS = 2
#: … and a pattern runs through an outline when this many of its sides are.
CROSSED_SIDES = 3
_NEXT = geometry.NEXT_CORNER


def crossings(quad: Quad, maps: EdgeMaps) -> NDArray[np.intp]:
    """How many lines cross each side (4,) of an outline (working-copy corners) and carry on.

    Places are read all along the side, corners left out; a line that
    crosses is counted once however many pixels wide it is.
    """
    quad = np.asarray(quad, dtype=np.float64)
    start, end = quad, quad[_NEXT]
    length = np.linalg.norm(end - start, axis=1)
    tangent = (end - start) / np.maximum(length, 1e-9)[:, None]
    # Into a clockwise outline; the depths are read on both hands anyway.
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    # Places one pixel apart along each side, corners left out, and one more
    # at each end: a place looks a pixel either way (`SLACK`) by reading its
    # neighbours. Shorter sides are padded to the longest's count.
    last = np.floor((1.0 - 2.0 * CORNER_SHARE) * length).astype(np.intp)
    count = int(max(last.max(), 0)) + 1
    step = np.arange(-1, count + 1, dtype=np.float64) * SLACK
    along = CORNER_SHARE * length[:, None] + step[None, :]  # (4, count + 2)
    places = start[:, None, :] + along[..., None] * tangent[:, None, :]
    # Every depth at once, (depths, 4, count + 2): one gather of the maps.
    depths = np.array([*DEPTHS, *(-d for d in DEPTHS)])[:, None, None, None]
    points = places + depths * normal[:, None, :]
    x, y = points[..., 0], points[..., 1]
    tx = np.broadcast_to(tangent[:, None, 0], x.shape)
    ty = np.broadcast_to(tangent[:, None, 1], x.shape)
    # The gradient along the side is the one across a line crossing it.
    across, sideways = gradient_across(x, y, tx, ty, maps)
    edge = is_edge(across, sideways, in_view(x, y, maps))
    # At this place or a neighbour, at every depth: the line carries on through the side.
    found = edge[..., :-2] | edge[..., 1:-1] | edge[..., 2:]
    through = found.all(axis=0) & (np.arange(count)[None, :] <= last[:, None])
    # One crossing per run of places along the side.
    starts = through[:, 1:] & ~through[:, :-1]
    return np.asarray(starts.sum(axis=1) + through[:, 0], dtype=np.intp)


def runs_through(quad: Quad, maps: EdgeMaps) -> bool:
    """Whether a pattern of the surface runs through an outline (working-copy corners).

    At least `CROSSED_SIDES` of its sides are crossed in `MIN_CROSSINGS`
    places or more.
    """
    return bool(np.count_nonzero(crossings(quad, maps) >= MIN_CROSSINGS) >= CROSSED_SIDES)
