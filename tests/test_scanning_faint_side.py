"""A page's faint side, where its other sides end and its format puts it, counts as a fair side."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanning import detect, geometry
from scanning.outline import ENDS_HERE, UNSEEN_SIDE, closed_by_format
from tests.samples import corner_lines_miss, detected_in_scene, running_sides_miss

#: Side scores of a page with three clear sides and a faint one (side 1).
CLEAR, FAINT = 0.8, 0.1


POINTS = 24


def _closed(
    plain: list[float],
    before: list[float],
    after: list[float],
    match: float = 1.0,
    supported: np.ndarray | None = None,
) -> list[bool]:
    """`closed_by_format` of one quad (its sides edge all along unless `supported` says)."""
    on_edge = np.ones((1, 4, POINTS), bool) if supported is None else supported[None]
    closed = closed_by_format(
        np.array([plain]), on_edge, (np.array([before]), np.array([after])), np.array([match])
    )
    return [bool(side) for side in closed[0]]


def test_a_faint_side_where_its_neighbours_end_is_closed_by_format() -> None:
    # Side 0 ends at corner 1, side 2 starts at corner 2: both stop there.
    plain = [CLEAR, FAINT, CLEAR, CLEAR]
    assert _closed(plain, [0.0] * 4, [0.0] * 4) == [False, True, False, False]


@given(st.floats(ENDS_HERE + 0.01, 1.0), st.sampled_from(["side before", "side after"]))
def test_a_faint_side_across_lines_running_on_is_not(share: float, which: str) -> None:
    # A neighbour whose edge runs on past the faint side's corner is a longer
    # line (a tile joint, another sheet's edge): the page need not end there.
    plain = [CLEAR, FAINT, CLEAR, CLEAR]
    after, before = [0.0] * 4, [0.0] * 4
    if which == "side before":
        after[0] = share  # side 0 runs on past its end, corner 1
    else:
        before[2] = share  # side 2 runs on past its start, corner 2
    assert not any(_closed(plain, before, after))


@given(st.integers(POINTS // 10 + 1, POINTS // 2), st.sampled_from(["side before", "side after"]))
def test_a_faint_side_beyond_where_its_neighbours_end_is_not(gap: int, which: str) -> None:
    # A side placed on the desk past the page: the neighbours' edges stop
    # short of its corners, and no page ends there.
    plain = [CLEAR, FAINT, CLEAR, CLEAR]
    supported = np.ones((4, POINTS), bool)
    if which == "side before":
        supported[0, POINTS - gap :] = False  # side 0 stops short of corner 1
    else:
        supported[2, :gap] = False  # side 2 starts short of corner 2
    assert not any(_closed(plain, [0.0] * 4, [0.0] * 4, supported=supported))


def test_a_faint_side_needs_fair_neighbours_and_a_format() -> None:
    nothing = [0.0] * 4
    assert not any(_closed([FAINT, FAINT, CLEAR, CLEAR], nothing, nothing))
    assert not any(_closed([CLEAR, FAINT, CLEAR, CLEAR], nothing, nothing, match=0.2))
    # Past the picture's border nothing can be told: no end is seen there.
    unseen = [np.nan] * 4
    assert not any(_closed([CLEAR, FAINT, CLEAR, CLEAR], unseen, unseen))
    # A side at least fair already is left as it is.
    assert not any(_closed([CLEAR, UNSEEN_SIDE, CLEAR, CLEAR], nothing, nothing))


def _page_beside_a_sheet(seed: int, sheet_level: int) -> np.ndarray:
    """A printed A4 page on a brown desk, its right side against a printed sheet of its paper.

    The page (x 700–1199, y 186–893, level 240) and the sheet (from x 1200 to
    the frame's right border, `sheet_level`) differ by less than an edge step.
    """
    rng = np.random.default_rng(seed)
    frame = np.empty((1080, 1920, 3), np.uint8)
    frame[:] = (60, 85, 120)

    def print_lines(x0: int, x1: int, y0: int, y1: int) -> None:
        for y in range(y0 + 60, y1 - 60, 34):
            x = x0 + 50
            while x < x1 - 90:
                word = int(rng.integers(20, 80))
                cv2.rectangle(frame, (x, y), (min(x + word, x1 - 50), y + 12), (50, 50, 50), -1)
                x += word + 14

    frame[:, 1200:] = sheet_level
    print_lines(1200, 2100, -30, 1110)
    cv2.rectangle(frame, (700, 186), (1199, 893), (240, 240, 240), -1)
    print_lines(700, 1200, 186, 893)
    frame = cv2.GaussianBlur(frame, (0, 0), 1.2)
    return np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("seed", "sheet_level"), [(0, 237), (1, 238), (2, 237)])
def test_a_page_against_a_sheet_of_its_own_paper_is_found(seed: int, sheet_level: int) -> None:
    # Its right side hardly shows. Its top and bottom sides stop there, and
    # A4 puts the side there: without that, the page and the sheet beside it,
    # closed by the frame's border, won as a cut page (IoU 0.42).
    page = np.array([[700, 186], [1199, 186], [1199, 893], [700, 893]], dtype=np.float64)
    found = detect.detect(_page_beside_a_sheet(seed, sheet_level))
    assert found.quad is not None
    assert geometry.iou(found.quad, page) > 0.95
    assert geometry.corners_outside(found.quad, 1920, 1080) == 0


@pytest.mark.parametrize(
    ("seed", "size"),
    [
        corner_lines_miss(
            100,
            (1280, 720),
            "passport-on-tiles",
            "the passport's photo, with its corners, is a candidate, and the passport "
            "around it, its faint side unsupported, does not take its place (IoU 0.16)",
        ),
        running_sides_miss(
            7000256,
            (1280, 720),
            "passport-beside-a-phone",
            "an outline with the passport's top right corner 54 px off (IoU 0.92)",
        ),
        pytest.param(1000293, (1920, 1080), id="card-on-dark-desk"),
    ],
)
def test_pages_with_a_faint_side_are_found(seed: int, size: tuple[int, int]) -> None:
    # Corpus scenes (seed 0 frame 101, seed 7 frame 257, seed 1 frame 294) in
    # which a side of the document hardly showed: its text block, nothing,
    # and half the card were found instead (IoU 0.07, 0 and 0.60).
    assert detected_in_scene(seed, size, camera="webcam")[1] > 0.95
