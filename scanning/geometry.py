"""Pure arithmetic on quadrilaterals: ordering, areas, angles, lines, aspect ratios.

Everything here works on plain numpy arrays of shape (4, 2) (x, y) and has no
image I/O, so it can be property-tested with Hypothesis.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Points = NDArray[np.float64]
Corner = tuple[float, float]  # one point, as plain floats

#: Index of each corner's successor around a quad: `np.roll(…, -1, axis=1)`
#: without its overhead, which shows on the many small arrays scored per frame.
NEXT_CORNER = np.array([1, 2, 3, 0])
#: The corners' indices 0–3, for index arithmetic on quads.
CORNERS = np.arange(4)

#: Physical formats a flattened page may snap to: name → (short side mm, long side mm).
FORMATS: dict[str, tuple[float, float]] = {
    "A4": (210.0, 297.0),
    "ID-3": (88.0, 125.0),  # passport data page (ICAO 9303 TD3)
    "ID-1": (53.98, 85.6),  # identity and residence cards
}


def order_clockwise(points: Points) -> Points:
    """Order 4 corners clockwise (in image coordinates, y down) from the top-left one.

    The top-left corner is the one with the smallest x + y: the top-left one
    for a page rolled by up to about ±40°.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    ordered = pts[np.argsort(angles)]  # clockwise on screen, since y points down
    start = int(np.argmin(ordered[:, 0] + ordered[:, 1]))
    return ordered[(CORNERS + start) % 4]  # np.roll(ordered, -start, axis=0), without its overhead


def polygon_area(points: Points) -> float:
    """Return the (unsigned) area of a polygon by the shoelace formula."""
    pts = np.asarray(points, dtype=np.float64)
    x, y = pts[:, 0], pts[:, 1]
    # Rolled by slicing (np.roll's overhead shows: contour reduction calls this often).
    y_next, x_next = np.concatenate((y[1:], y[:1])), np.concatenate((x[1:], x[:1]))
    return float(abs(np.dot(x, y_next) - np.dot(y, x_next)) / 2.0)


def side_lengths(quad: Points) -> NDArray[np.float64]:
    """Return the 4 side lengths: top, right, bottom, left for a clockwise quad."""
    return np.asarray(np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1), dtype=np.float64)


def is_convex(quad: Points) -> bool:
    """Tell whether a quad is strictly convex (all turns the same way)."""
    edges = np.asarray(quad)[NEXT_CORNER] - quad
    following = edges[NEXT_CORNER]
    cross = edges[:, 0] * following[:, 1] - edges[:, 1] * following[:, 0]
    return bool(np.all(cross > 0) or np.all(cross < 0))


def parabola_peak(
    left: NDArray[np.floating], mid: NDArray[np.floating], right: NDArray[np.floating]
) -> NDArray[np.floating]:
    """Sub-pixel offset (−0.5 to 0.5) of peaks at `mid`, by a parabola through their neighbours.

    Where the three values lie on a line there is no vertex: the offset is 0.
    """
    curve = left - 2 * mid + right
    flat = np.abs(curve) <= 1e-6
    shift = 0.5 * (left - right) / np.where(flat, 1, curve)
    return np.asarray(np.clip(np.where(flat, 0, shift), -0.5, 0.5))


def line_through(p: Points | Corner, q: Points | Corner) -> NDArray[np.float64]:
    """Return the homogeneous line (a, b, c), normalised so that a² + b² = 1."""
    a = float(p[1] - q[1])
    b = float(q[0] - p[0])
    c = float(p[0] * q[1] - p[1] * q[0])
    norm = math.hypot(a, b)
    if norm > 0:
        a, b, c = a / norm, b / norm, c / norm
    return np.array([a, b, c])


def intersect(l1: NDArray[np.float64], l2: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """Return the intersection of two homogeneous lines, or None when parallel."""
    w = float(l1[0] * l2[1] - l1[1] * l2[0])
    if abs(w) < 1e-9:
        return None
    x = float(l1[1] * l2[2] - l1[2] * l2[1])
    y = float(l1[2] * l2[0] - l1[0] * l2[2])
    return np.array([x / w, y / w])


def quad_from_lines(lines: list[NDArray[np.float64]]) -> Points | None:
    """Intersect 4 lines given in order around the page into a quad."""
    corners = []
    for i in range(4):
        corner = intersect(lines[i - 1], lines[i])
        if corner is None:
            return None
        corners.append(corner)
    return np.array(corners, dtype=np.float64)


def reduce_to_quad(polygon: Points) -> Points | None:
    """Turn a convex polygon with more than 4 vertices into a quad.

    Repeatedly removes the edge whose removal adds the least area: its two
    neighbours are extended to their intersection. Unlike simplifying the
    outline, this recreates a corner hidden by a finger or a fold (the lesson
    FairScan documents); the smallest added triangle is the cut-off corner.
    """
    pts = [np.asarray(p, dtype=np.float64) for p in np.asarray(polygon).reshape(-1, 2)]
    while len(pts) > 4:
        n = len(pts)
        best, best_area, best_corner = -1, math.inf, None
        for i in range(n):
            before = line_through(pts[i - 1], pts[i])
            after = line_through(pts[(i + 1) % n], pts[(i + 2) % n])
            corner = intersect(before, after)
            if corner is None:
                continue
            added = polygon_area(np.array([pts[i], corner, pts[(i + 1) % n]]))
            # The new corner must lie beyond the removed edge, not behind it.
            if added < best_area and _beyond(pts[i], pts[(i + 1) % n], corner, pts):
                best, best_area, best_corner = i, added, corner
        if best_corner is None:
            return None
        pts[best] = best_corner
        del pts[(best + 1) % n]
    if len(pts) != 4:
        return None
    return np.array(pts, dtype=np.float64)


def _beyond(a: Points, b: Points, corner: Points, pts: list[Points]) -> bool:
    """Tell whether `corner` lies on the other side of edge a–b from the polygon's centre."""
    centre = np.mean(pts, axis=0)
    side = (b[0] - a[0]) * (corner[1] - a[1]) - (b[1] - a[1]) * (corner[0] - a[0])
    inner = (b[0] - a[0]) * (centre[1] - a[1]) - (b[1] - a[1]) * (centre[0] - a[0])
    return bool(side * inner < 0)


def page_size(quad: Points) -> tuple[float, float]:
    """Estimate the flattened page's width and height in pixels from its outline.

    Takes the longer of each pair of opposite sides: perspective shrinks the
    far side, never the near one, so the longer side is the better estimate.
    """
    top, right, bottom, left = side_lengths(quad)
    return max(top, bottom), max(left, right)


def true_aspect(quad: Points, width: int, height: int) -> float | None:
    """Estimate a rectangle's real width/height ratio from its perspective image.

    Zhang & He, "Whiteboard scanning and image enhancement" (2007): with the
    principal point at the image centre and square pixels, the focal length
    follows from the four corners, and with it the ratio. Returns None when the
    view is too close to frontal for the focal length to be defined (then the
    side lengths are already right) or the geometry is inconsistent.
    """
    tl, tr, br, bl = np.asarray(quad, dtype=np.float64)
    u0, v0 = width / 2.0, height / 2.0
    m1, m2, m3, m4 = (np.array([p[0], p[1], 1.0]) for p in (tl, tr, bl, br))
    k2 = float(np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3))
    k3 = float(np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2))
    n2 = k2 * m2 - m1
    n3 = k3 * m3 - m1
    if abs(n2[2] * n3[2]) < 1e-9:
        return None
    f2 = -(
        (n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + n2[2] * n3[2] * u0 * u0)
        + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + n2[2] * n3[2] * v0 * v0)
    ) / (n2[2] * n3[2])
    if not math.isfinite(f2) or f2 <= 0:
        return None
    inverse = np.linalg.inv(np.array([[math.sqrt(f2), 0, u0], [0, math.sqrt(f2), v0], [0, 0, 1]]))
    top = n2 @ inverse.T @ inverse @ n2
    side = n3 @ inverse.T @ inverse @ n3
    if top <= 0 or side <= 0:
        return None
    return float(math.sqrt(top / side))


def snap_format(
    width: float, height: float, tolerance: float = 0.06, expected: str | None = None
) -> str | None:
    """Name the known format whose proportions match, if one is close enough.

    A4 (1.414) and a passport page (1.420) cannot be told apart by shape: the
    document the kiosk asked for (`expected`) decides, else A4, the more common.
    """
    if min(width, height) <= 0:
        return None
    ratio = max(width, height) / min(width, height)
    matching = [
        name
        for name, (short, long) in FORMATS.items()
        if abs(ratio - long / short) / (long / short) < tolerance
    ]
    if expected in matching:
        return expected
    return matching[0] if matching else None


def corners_outside(quad: Points, width: int, height: int, margin: float = 1.0) -> int:
    """Count corners lying outside the frame (by more than `margin` pixels)."""
    x, y = quad[:, 0], quad[:, 1]
    outside = (x < -margin) | (y < -margin) | (x > width - 1 + margin) | (y > height - 1 + margin)
    return int(np.count_nonzero(outside))


def sides_along_border(
    quads: NDArray[np.float64], width: int, height: int, margin: float | tuple[float, float]
) -> NDArray[np.bool_]:
    """Which sides (N, 4) of quads (N, 4, 2) run along the picture's border.

    A side does when both its ends lie within `margin` pixels (one value, or
    one per axis x, y) of the same border: there the frame cuts a page off,
    and the side is no page's edge.
    """
    quads = np.asarray(quads, dtype=np.float64)
    near_x, near_y = np.broadcast_to(np.asarray(margin, dtype=np.float64), (2,))
    far_x, far_y = width - 1.0 - near_x, height - 1.0 - near_y
    # Coordinate planes compared one border at a time: the same comparisons
    # as on a stacked (N, 4, 2, 2) array reduced with `all`/`any`, several
    # times faster (numpy reduces slowly along short last axes).
    x, y = quads[..., 0], quads[..., 1]
    x_next, y_next = x[:, NEXT_CORNER], y[:, NEXT_CORNER]
    return np.asarray(
        ((x <= near_x) & (x_next <= near_x))
        | ((y <= near_y) & (y_next <= near_y))
        | ((x >= far_x) & (x_next >= far_x))
        | ((y >= far_y) & (y_next >= far_y)),
        dtype=np.bool_,
    )


def sides_on_border(quad: Points, width: int, height: int, fraction: float) -> int:
    """Count sides lying along a frame border (within `fraction` of the frame size)."""
    margin = (fraction * width, fraction * height)
    return int(sides_along_border(np.asarray(quad)[None], width, height, margin).sum())


def iou(a: Points, b: Points) -> float:
    """Intersection over union of two convex quads, by polygon clipping."""
    inter = _clip(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    inter_area = polygon_area(inter) if len(inter) >= 3 else 0.0
    union = polygon_area(a) + polygon_area(b) - inter_area
    return inter_area / union if union > 0 else 0.0


def centroid(quad: Points) -> Points:
    """The centroid of a quad's area (the shoelace formula's; its corners' mean if it has none)."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad.tolist()
    cross = (x0 * y1 - x1 * y0, x1 * y2 - x2 * y1, x2 * y3 - x3 * y2, x3 * y0 - x0 * y3)
    twice_area = sum(cross)
    if abs(twice_area) < 1e-9:
        return np.asarray(quad.mean(axis=0), dtype=np.float64)
    xs, ys = (x0 + x1, x1 + x2, x2 + x3, x3 + x0), (y0 + y1, y1 + y2, y2 + y3, y3 + y0)
    cx = sum(c * x for c, x in zip(cross, xs, strict=True)) / (3.0 * twice_area)
    cy = sum(c * y for c, y in zip(cross, ys, strict=True)) / (3.0 * twice_area)
    return np.array([cx, cy])


def around(quads: NDArray[np.float64], point: Points) -> NDArray[np.bool_]:
    """Which convex quads (N, 4, 2) have `point` inside or on them."""
    edges = np.roll(quads, -1, axis=1) - quads
    to_point = point - quads
    cross = edges[..., 0] * to_point[..., 1] - edges[..., 1] * to_point[..., 0]
    # Inside a convex quad, the point is on the same hand of every side (either order).
    return np.asarray((cross >= -1e-9).all(axis=1) | (cross <= 1e-9).all(axis=1), dtype=np.bool_)


def contains(outer: Points, inner: Points, share: float) -> bool:
    """Tell whether at least `share` of `inner`'s area lies inside `outer`, both convex."""
    inner_area = polygon_area(inner)
    common = _clip(np.asarray(inner, dtype=np.float64), np.asarray(outer, dtype=np.float64))
    common_area = polygon_area(common) if len(common) >= 3 else 0.0
    return bool(inner_area > 0 and common_area >= share * inner_area)


def _clip(subject: Points, clip: Points) -> Points:
    """Sutherland–Hodgman clipping of a polygon by a convex polygon."""
    if polygon_area(clip) == 0:
        return np.empty((0, 2))
    # Make the clip polygon counter-clockwise in maths orientation for the inside test.
    signed = np.dot(clip[:, 0], np.roll(clip[:, 1], -1)) - np.dot(
        clip[:, 1], np.roll(clip[:, 0], -1)
    )
    clip = clip if signed > 0 else clip[::-1]
    # Corners as tuples of Python floats: the same double arithmetic as on
    # numpy's scalars, without their overhead (this runs per corner and side).
    corners: list[Corner] = [(x, y) for x, y in clip.tolist()]
    output: list[Corner] = [(x, y) for x, y in subject.tolist()]
    for i in range(len(corners)):
        a, b = corners[i], corners[(i + 1) % len(corners)]
        source, output = output, []
        if not source:
            break
        for j in range(len(source)):
            p, q = source[j], source[(j + 1) % len(source)]
            p_in = _inside(p, a, b)
            q_in = _inside(q, a, b)
            if p_in:
                output.append(p)
            if p_in != q_in:
                output.append(_cross_point(p, q, a, b))
    return np.array(output) if output else np.empty((0, 2))


def _inside(p: Corner, a: Corner, b: Corner) -> bool:
    return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) >= 0


def _cross_point(p: Corner, q: Corner, a: Corner, b: Corner) -> Corner:
    point = intersect(line_through(p, q), line_through(a, b))
    return p if point is None else (float(point[0]), float(point[1]))


def inward_normal(a: Points, b: Points, centre: Points) -> Points:
    """The unit normal of the segment a → b that points towards `centre`."""
    direction = (b - a) / (np.linalg.norm(b - a) + 1e-12)
    normal = np.array([-direction[1], direction[0]])
    return np.asarray(normal * (np.sign(np.dot(centre - a, normal)) or 1.0), dtype=np.float64)


def depth_inside(points: NDArray[np.float64], quad: Points) -> NDArray[np.float64]:
    """How far inside a convex quad each point (…, 2) lies: its distance to the nearest side.

    Negative outside.
    """
    quad = np.asarray(quad, dtype=np.float64)
    centre = quad.mean(axis=0)
    depths = [
        (points - quad[i]) @ inward_normal(quad[i], quad[(i + 1) % 4], centre) for i in range(4)
    ]
    return np.asarray(np.min(depths, axis=0), dtype=np.float64)


def spread_over(
    quad: Points, across: NDArray[np.float64], down: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Points laid over a quad between its sides (bilinearly, not in perspective).

    `across` runs from side 3 to side 1, `down` from side 0 to side 2, both
    from 0 to 1, with a last axis of 1 to broadcast against the corners.
    """
    quad = np.asarray(quad, dtype=np.float64)
    top = quad[0] + (quad[1] - quad[0]) * across
    bottom = quad[3] + (quad[2] - quad[3]) * across
    return np.asarray(top + (bottom - top) * down, dtype=np.float64)


def corner_means(quads: NDArray[np.float64]) -> NDArray[np.float64]:
    """The mean of each quad's corners (N, 2), as `quads.mean(axis=1)` gives it.

    Summed corner after corner, the order numpy's reduction over that axis
    takes, then divided by 4: the same values, several times faster.
    """
    return np.asarray((quads[:, 0] + quads[:, 1] + quads[:, 2] + quads[:, 3]) / 4)


def cross_rows(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row-wise cross products of (N, 3) vectors, as `np.cross` works them out.

    The same products and differences, without `np.cross`'s general set-up,
    which costs more than the arithmetic on the few hundred quads scored.
    """
    return np.stack(
        [
            a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1],
            a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
            a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0],
        ],
        axis=1,
    )
