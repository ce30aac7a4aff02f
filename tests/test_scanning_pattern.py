"""A pattern of the surface that runs through an outline's sides: tiles, not a page."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.capture_corpus import render_scene
from scanning import detect
from scanning.edges import EdgeMaps, edge_maps, working_copy
from scanning.pattern import crossings, runs_through
from tests.samples import detected_in_scene

WIDTH, HEIGHT = 1920, 1080
#: Floor tiles, their grout lines every `TILE` pixels, `GROUT` wide.
TILE, GROUT = 150, 6
#: Four tiles by three, on the middles of grout lines.
FOUR_BY_THREE = np.array([[303.0, 153.0], [903.0, 153.0], [903.0, 603.0], [303.0, 603.0]])
#: A printed page lying on the floor.
PAGE = np.array([[1000.0, 200.0], [1560.0, 200.0], [1560.0, 990.0], [1000.0, 990.0]])


def _camera(frame: np.ndarray, seed: int = 0) -> tuple[EdgeMaps, float]:
    """Blur and noise a drawn frame as a camera does: the working copy's maps, and its scale."""
    rng = np.random.default_rng(seed)
    blurred = cv2.GaussianBlur(frame, (0, 0), 1.2)
    image = np.clip(blurred + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)
    work, scale = working_copy(image)
    return edge_maps(work), scale


def _floor() -> np.ndarray:
    """Grey tiles of slightly different shades, darker grout between them."""
    rng = np.random.default_rng(7)
    frame = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    for top in range(0, HEIGHT, TILE):
        for left in range(0, WIDTH, TILE):
            shade = int(rng.integers(185, 215))
            frame[top : top + TILE, left : left + TILE] = (shade, shade, shade + 5)
    for line in range(0, max(WIDTH, HEIGHT), TILE):
        frame[line : line + GROUT, :] = 95
        frame[:, line : line + GROUT] = 95
    return frame


def _with_page(frame: np.ndarray) -> np.ndarray:
    """The frame with a printed page lying on it."""
    (left, top), (right, bottom) = PAGE[0].astype(int), PAGE[2].astype(int)
    cv2.rectangle(frame, (left, top), (right, bottom), (242, 242, 242), -1)
    rng = np.random.default_rng(3)
    for row in range(top + 80, bottom - 80, 34):
        for x in range(left + 60, right - 120, 70):
            cv2.rectangle(frame, (x, row), (x + int(rng.integers(20, 60)), row + 12), (50,) * 3, -1)
    return frame


def _work(quad: np.ndarray, scale: float) -> np.ndarray:
    return detect.to_work(quad, scale)


def test_grout_lines_cross_every_side_of_a_patch_of_tiles() -> None:
    maps, scale = _camera(_floor())
    # Top and bottom: the three grout lines between four tiles; the sides: two.
    assert crossings(_work(FOUR_BY_THREE, scale), maps).tolist() == [3, 2, 3, 2]
    assert runs_through(_work(FOUR_BY_THREE, scale), maps)


def test_the_floor_lines_stop_at_a_page_lying_on_it() -> None:
    maps, scale = _camera(_with_page(_floor()))
    # The grout reaches the page's sides from outside and stops there.
    assert crossings(_work(PAGE, scale), maps).tolist() == [0, 0, 0, 0]
    assert not runs_through(_work(PAGE, scale), maps)


def test_a_shadow_across_a_page_crosses_two_sides_once() -> None:
    frame = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    frame[:] = (60, 85, 120)
    frame = _with_page(frame)
    # The shadow of something beside the desk: darker below a slanting line.
    below = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.fillPoly(below, [np.array([[0, 500], [WIDTH, 640], [WIDTH, HEIGHT], [0, HEIGHT]])], 1)
    frame[below == 1] = (frame[below == 1] * 0.6).astype(np.uint8)
    maps, scale = _camera(frame)
    assert crossings(_work(PAGE, scale), maps).tolist() == [0, 1, 0, 1]
    assert not runs_through(_work(PAGE, scale), maps)


@pytest.mark.parametrize(
    ("seed", "size"),
    [
        pytest.param(139, (1920, 1080), id="seed-0-frame-140"),
        pytest.param(3_000_051, (1920, 1080), id="seed-3-frame-52"),
        pytest.param(3_000_114, (1280, 720), id="seed-3-frame-115"),
    ],
)
def test_corpus_floors_without_a_document_show_none(seed: int, size: tuple[int, int]) -> None:
    # Corpus scenes of tiled floors, nothing on them: a patch of tiles passed
    # every other check.
    image, truth = render_scene(seed, size, camera="webcam")
    assert truth["quad"] is None
    assert detect.detect(image).quad is None


def test_corpus_letter_on_tiles_is_found_without_the_floor_beside_it() -> None:
    # Seed 7 frame 358: a letter cut by the frame's foot, on a tiled floor. A
    # patch of the floor beside it, up to a keyboard, was taken (IoU 0.22).
    assert detected_in_scene(7_000_357, (1920, 1080), camera="webcam")[1] > 0.8


_MAPS = _camera(_floor())[0]
_QUAD = st.lists(st.tuples(st.floats(-200, 600), st.floats(-200, 400)), min_size=4, max_size=4).map(
    np.array
)


@settings(max_examples=60, deadline=None)
@given(_QUAD)
def test_any_outline_gets_a_count_of_crossings(quad: np.ndarray) -> None:
    # Degenerate, crossed or out of the picture: counts, never an error.
    counts = crossings(quad, _MAPS)
    assert counts.shape == (4,)
    assert (counts >= 0).all()
    assert isinstance(runs_through(quad, _MAPS), bool)
