"""A page cut across one side with a corner of that side in view is completed to its format."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanning import complete, cut_page, detect, geometry
from scanning.edges import edge_maps, working_copy
from tests.samples import corner_lines_miss, detected_in_scene

WIDTH, HEIGHT = 1920, 1080
#: An A4 page (600 × 848.5 px, portrait), turned 15°: its left side leaves
#: the picture through the left border, its top-left corner stays in view,
#: and about an eighth of it lies beyond the border.
PAGE_SIZE = (600.0, 600.0 * 1.4142)
ANGLE = np.radians(15.0)
_TURN = np.array([[np.cos(ANGLE), -np.sin(ANGLE)], [np.sin(ANGLE), np.cos(ANGLE)]])
_UPRIGHT = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=np.float64) * PAGE_SIZE
PAGE = _UPRIGHT @ _TURN.T + [40, 60]


def _visible(page: np.ndarray) -> np.ndarray:
    """The quad the detector sees: the page's sides, its cut side replaced by the left border."""
    border = geometry.line_through(np.array([0.0, 0.0]), np.array([0.0, 1.0]))
    top = geometry.intersect(geometry.line_through(page[0], page[1]), border)
    bottom = geometry.intersect(geometry.line_through(page[3], page[2]), border)
    assert top is not None and bottom is not None
    return geometry.order_clockwise(np.array([top, page[1], page[2], bottom]))


def _drawn(page: np.ndarray, seed: int = 0, run_on: bool = False) -> np.ndarray:
    """A printed white page on a brown desk; `run_on`: a white strip continues its top side."""
    rng = np.random.default_rng(seed)
    frame = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    frame[:] = (60, 85, 120)
    if run_on:
        # Paper beyond the top-left corner, up to the border: the page's top
        # side runs on, as the side of a larger page would.
        back = 400 * (page[1] - page[0]) / np.linalg.norm(page[1] - page[0])
        strip = np.array([page[0] - back, page[0], page[3], page[3] - back])
        cv2.fillConvexPoly(frame, np.int32(np.rint(strip)), (240, 240, 240))
    cv2.fillConvexPoly(frame, np.int32(np.rint(page)), (240, 240, 240))
    # Lines of words, laid out on the page's own axes.
    along = (page[1] - page[0]) / PAGE_SIZE[0]
    down = (page[3] - page[0]) / PAGE_SIZE[1]
    for row in range(70, int(PAGE_SIZE[1]) - 70, 34):
        x = 50
        while x < PAGE_SIZE[0] - 90:
            word = int(rng.integers(20, 80))
            box = [(x, row), (x + word, row), (x + word, row + 12), (x, row + 12)]
            corners = [page[0] + along * u + down * v for u, v in box]
            cv2.fillConvexPoly(frame, np.int32(np.rint(corners)), (50, 50, 50))
            x += word + 14
    frame = cv2.GaussianBlur(frame, (0, 0), 1.2)
    return np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)


#: The drawn page's working-copy maps, for the checks that only need a picture.
_MAPS = edge_maps(working_copy(_drawn(PAGE))[0])


def test_the_page_scene_is_cut_with_one_corner_in_view() -> None:
    # The scene's premise: three corners in view, the bottom-left one out.
    outside = [not (0 <= x <= WIDTH - 1 and 0 <= y <= HEIGHT - 1) for x, y in PAGE]
    assert outside == [False, False, False, True]


def test_a_corner_in_view_is_taken_only_where_the_picture_shows_it() -> None:
    visible = _visible(PAGE)
    asked: list[np.ndarray] = []

    def shows(corner: np.ndarray, far: np.ndarray, beyond: np.ndarray) -> bool:
        """A picture showing the page's corner, and no other."""
        asked.append(corner)
        return bool(np.linalg.norm(corner - PAGE[0]) < 6.0)

    whole = complete.complete(visible, WIDTH, HEIGHT, corner_shows=shows)
    assert whole is not None and geometry.iou(whole, PAGE) > 0.99
    # The card's proportions, smaller, put a corner in view first: asked, and refused.
    assert len(asked) == 2 and asked[0][0] > PAGE[0][0] + 20
    # Without the check, or when it says no, the smallest completion reaching
    # past the border on both running sides is taken: a landscape page.
    for larger in (
        complete.complete(visible, WIDTH, HEIGHT),
        complete.complete(visible, WIDTH, HEIGHT, corner_shows=lambda *points: False),
    ):
        assert larger is not None and geometry.iou(larger, PAGE) < 0.7


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_corner_shows_where_the_page_ends_there(seed: int) -> None:
    work, scale = working_copy(_drawn(PAGE, seed))
    maps = edge_maps(work)
    corner, far, beyond = (detect.to_work(p, scale) for p in (PAGE[0], PAGE[1], PAGE[3]))
    assert cut_page.corner_shows(corner, far, beyond, maps)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_corner_shows_where_the_side_runs_on_or_no_side_leaves(seed: int) -> None:
    corner, far, beyond = PAGE[0], PAGE[1], PAGE[3]
    # The top side runs on past the corner: a larger page.
    work, scale = working_copy(_drawn(PAGE, seed, run_on=True))
    maps = edge_maps(work)
    at = [detect.to_work(p, scale) for p in (corner, far, beyond)]
    assert not cut_page.corner_shows(*at, maps)
    # A point halfway along the top side: the side runs on, and no side leaves it.
    work, scale = working_copy(_drawn(PAGE, seed))
    maps = edge_maps(work)
    middle = (corner + far) / 2
    start, end, side = (detect.to_work(p, scale) for p in (middle, far, middle + beyond - corner))
    assert not cut_page.corner_shows(start, end, side, maps)


def test_a_corner_too_near_the_border_is_not_judged() -> None:
    # One working-copy pixel from the left border: nothing to read past it.
    assert not cut_page.corner_shows(
        np.array([1.0, 40.0]), np.array([150.0, 20.0]), np.array([-60.0, 230.0]), _MAPS
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_a_page_cut_with_a_corner_in_view_is_found_whole(seed: int) -> None:
    # Before the check, the page was completed landscape (IoU 0.50):
    # portrait A4 put its top-left corner in view, which was refused.
    found = detect.detect(_drawn(PAGE, seed))
    assert found.quad is not None
    assert geometry.iou(found.quad, PAGE) > 0.95


@pytest.mark.parametrize(
    ("seed", "size"),
    [
        pytest.param(1000261, (1920, 1080), id="letter-on-tiles"),
        corner_lines_miss(
            1000310,
            (1280, 720),
            "letter-on-desk",
            "an outline with its lower right corner short of the page's (IoU 0.91)",
        ),
        corner_lines_miss(
            11000081,
            (1920, 1080),
            "passport",
            "the passport closed above its machine-readable zone, by a line through the "
            "zone's corner, instead of the cut page (IoU 0.83)",
        ),
    ],
)
def test_corpus_pages_cut_with_a_corner_in_view_are_found_whole(
    seed: int, size: tuple[int, int]
) -> None:
    # Corpus scenes (seed 1 frames 262 and 311, seed 11 frame 82) completed
    # to a larger format than theirs: IoU 0.56, 0.62 and 0.48.
    assert detected_in_scene(seed, size, camera="webcam")[1] > 0.95


_POINT = st.tuples(st.floats(-500, 2500), st.floats(-500, 1500)).map(np.array)


@settings(max_examples=60, deadline=None)
@given(_POINT, _POINT, _POINT)
def test_the_corner_check_answers_for_any_points(
    corner: np.ndarray, far: np.ndarray, beyond: np.ndarray
) -> None:
    # Coinciding points, corners out of the picture or on its border: an
    # answer, never an error (the check runs inside every frame's detection).
    answer = cut_page.corner_shows(corner / 5, far / 5, beyond / 5, _MAPS)
    assert isinstance(answer, bool)
    assert not cut_page.corner_shows(corner / 5, corner / 5, beyond / 5, _MAPS)
