"""Pure quad arithmetic, checked with Hypothesis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scanning import geometry

coordinate = st.floats(min_value=-2000, max_value=4000, allow_nan=False)


@st.composite
def convex_quads(draw: st.DrawFn) -> np.ndarray:
    """A rectangle under a random rotation, scale and mild perspective."""
    width = draw(st.floats(50, 1500))
    height = draw(st.floats(50, 1500))
    angle = draw(st.floats(-0.6, 0.6))
    cx, cy = draw(st.floats(0, 2000)), draw(st.floats(0, 1200))
    corners = np.array([[-width, -height], [width, -height], [width, height], [-width, height]]) / 2
    jitter = np.array([draw(st.floats(-0.15, 0.15)) for _ in range(8)]).reshape(4, 2)
    corners = corners * (1 + jitter)
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    quad = corners @ rotation.T + np.array([cx, cy])
    assume(geometry.is_convex(quad))
    return quad


@given(convex_quads(), st.permutations(range(4)))
def test_ordering_is_clockwise_from_top_left(quad: np.ndarray, order: list[int]) -> None:
    ordered = geometry.order_clockwise(quad[list(order)])
    assert np.allclose(ordered, geometry.order_clockwise(quad))
    assert geometry.is_convex(ordered)
    edges = np.roll(ordered, -1, axis=0) - ordered
    following = np.roll(edges, -1, axis=0)
    assert np.all(edges[:, 0] * following[:, 1] - edges[:, 1] * following[:, 0] > 0)
    sums = ordered.sum(axis=1)
    assert sums[0] == pytest.approx(sums.min())


@given(convex_quads())
def test_iou_of_a_quad_with_itself_is_one(quad: np.ndarray) -> None:
    assert geometry.iou(quad, quad) == pytest.approx(1.0, abs=1e-9)


@given(convex_quads(), st.floats(0.2, 0.9))
def test_iou_of_nested_quads_is_the_area_ratio(quad: np.ndarray, factor: float) -> None:
    centre = quad.mean(axis=0)
    inner = centre + (quad - centre) * factor
    assert geometry.iou(inner, quad) == pytest.approx(factor**2, rel=1e-6)


@given(convex_quads(), st.floats(-500, 500), st.floats(-500, 500))
def test_iou_is_symmetric_and_bounded(quad: np.ndarray, dx: float, dy: float) -> None:
    moved = quad + np.array([dx, dy])
    value = geometry.iou(quad, moved)
    assert 0.0 <= value <= 1.0 + 1e-9
    assert value == pytest.approx(geometry.iou(moved, quad), abs=1e-9)


def test_iou_of_known_squares() -> None:
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], dtype=float)
    assert geometry.iou(square, square + [1, 0]) == pytest.approx(1 / 3)
    assert geometry.iou(square, square + [5, 5]) == 0.0


@given(convex_quads())
def test_lines_through_sides_give_back_the_corners(quad: np.ndarray) -> None:
    quad = geometry.order_clockwise(quad)
    lines = [geometry.line_through(quad[i], quad[(i + 1) % 4]) for i in range(4)]
    rebuilt = geometry.quad_from_lines(lines)
    assert rebuilt is not None
    assert np.allclose(rebuilt, quad, atol=1e-6 * max(1.0, float(np.abs(quad).max())))


@given(convex_quads(), st.integers(0, 3), st.floats(0.1, 0.4))
def test_a_cut_corner_is_recreated(quad: np.ndarray, corner: int, cut: float) -> None:
    """A finger over a corner turns the quad into a pentagon; the corner comes back."""
    quad = geometry.order_clockwise(quad)
    before, here, after = quad[corner - 1], quad[corner], quad[(corner + 1) % 4]
    pentagon = np.vstack(
        [
            quad[:corner],
            [here + (before - here) * cut, here + (after - here) * cut],
            quad[corner + 1 :],
        ]
    )
    rebuilt = geometry.reduce_to_quad(pentagon)
    assert rebuilt is not None
    assert geometry.iou(rebuilt, quad) > 0.999


@settings(max_examples=200)
@given(st.floats(50, 3000), st.sampled_from(sorted(geometry.FORMATS)))
def test_formats_snap_by_proportion(long_side: float, name: str) -> None:
    short, long = geometry.FORMATS[name]
    expected_name = name if name != "ID-3" else None
    found = geometry.snap_format(long_side * short / long, long_side, expected=expected_name)
    # A4 and the passport page have the same shape: without a hint, A4 wins.
    assert found == (name if name != "ID-3" else "A4")
    assert geometry.snap_format(long_side * short / long, long_side, expected="ID-3") in (
        "ID-3",
        name,
    )


def test_true_aspect_undoes_perspective() -> None:
    # An A4 page seen at an angle: its sides look nearly equal, its true ratio is 1.414.
    quad = np.array([[700, 120], [1300, 160], [1350, 980], [640, 950]], dtype=float)
    ratio = geometry.true_aspect(quad, 1920, 1080)
    assert ratio is not None
    assert 1 / ratio == pytest.approx(297 / 210, rel=0.02)


@given(convex_quads(), st.integers(100, 4000), st.integers(100, 3000))
def test_corners_outside_counts(quad: np.ndarray, width: int, height: int) -> None:
    count = geometry.corners_outside(quad, width, height)
    inside = [0 <= x <= width - 1 and 0 <= y <= height - 1 for x, y in quad]
    assert 4 - sum(inside) >= count >= 0


def test_centroid_of_a_rectangle_is_its_centre() -> None:
    rectangle = np.array([[10.0, 20.0], [110.0, 20.0], [110.0, 70.0], [10.0, 70.0]])
    assert np.allclose(geometry.centroid(rectangle), [60.0, 45.0])
    # A kite: the area's centroid, not the corners' mean (30): each half's
    # centroid is at x = (0 + 10 + 100) / 3.
    kite = np.array([[0.0, 0.0], [10.0, -10.0], [100.0, 0.0], [10.0, 10.0]])
    assert np.allclose(geometry.centroid(kite), [110.0 / 3.0, 0.0])


@given(convex_quads(), st.floats(-1.5, 1.5), st.floats(-1.5, 1.5))
def test_an_outline_around_most_of_another_holds_its_centroid(
    quad: np.ndarray, dx: float, dy: float
) -> None:
    # `detect.choose` tests containment first by the centroid: any line through
    # a convex outline's centroid leaves at least 4/9 of it on each side
    # (Grünbaum), so an outline without it cannot hold 97 % of it.
    assert geometry.around(quad[None], geometry.centroid(quad))[0]
    size = quad.max(axis=0) - quad.min(axis=0)
    other = quad + np.array([dx, dy]) * size
    if geometry.contains(other, quad, 0.97):
        assert geometry.around(other[None], geometry.centroid(quad))[0]
    if not geometry.around(other[None], geometry.centroid(quad))[0]:
        assert not geometry.contains(other, quad, 0.56)  # more than 5/9


def test_containment_is_the_share_of_the_inner_outline_inside() -> None:
    # A square of 100 whose top 2.7 % pokes out of a rectangle twice as wide:
    # 97.3 % of it is inside. (Judged by IoU against the area ratio, as it
    # was, a larger outer rectangle made the same square "less contained".)
    square = np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]])
    outer = np.array([[-50.0, 2.7], [150.0, 2.7], [150.0, 150.0], [-50.0, 150.0]])
    assert geometry.contains(outer, square, 0.97)
    assert not geometry.contains(outer, square, 0.98)
    assert geometry.contains(square, square, 1.0)
    assert not geometry.contains(square + 200.0, square, 0.01)


@given(convex_quads(), st.floats(0.05, 1.0), st.floats(-1.5, 1.5), st.floats(-1.5, 1.5))
def test_containment_grows_with_the_outer_outline(
    quad: np.ndarray, factor: float, dx: float, dy: float
) -> None:
    centre = quad.mean(axis=0)
    # A shrunk copy lies wholly inside.
    assert geometry.contains(quad, centre + (quad - centre) * factor, 0.999)
    # Grown about a point inside it, an outer outline holds all it held
    # before: more of the outer outline beyond the inner one never counts against it.
    size = quad.max(axis=0) - quad.min(axis=0)
    moved = quad + np.array([dx, dy]) * size
    assume(geometry.around(moved[None], centre)[0])
    grown = centre + (moved - centre) * 2.0
    for share in (0.5, 0.9, 0.97):
        assert not geometry.contains(moved, quad, share) or geometry.contains(grown, quad, share)
