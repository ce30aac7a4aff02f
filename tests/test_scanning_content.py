"""Telling print from a patch of desk (`scanning.content`): ink is darker than its paper."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bench.capture_corpus import render_scene
from scanning import detect
from scanning.content import has_print, printed_content

#: A 720p frame, and an outline of a page's size in it, clockwise from the top-left.
WIDTH, HEIGHT = 1280, 720
QUAD = np.array([[400, 120], [880, 130], [870, 620], [410, 610]], dtype=np.float64)


def _printed(ink: int, paper: int) -> np.ndarray:
    """A frame filled with `paper`, lines of text in `ink` across the outline."""
    frame = np.full((HEIGHT, WIDTH, 3), paper, np.uint8)
    for row in range(15):
        text = "Madame, Monsieur, je vous prie"
        cv2.putText(
            frame, text, (440, 170 + 30 * row), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (ink, ink, ink), 2
        )
    return frame


def test_print_is_darker_than_its_paper() -> None:
    # The same text dark on pale paper, then light on a dark ground (a black
    # keyboard's letters): the same edges and marks, only the first is print.
    page, keys = _printed(ink=30, paper=225), _printed(ink=225, paper=30)
    page_edges, page_marks, page_darker = printed_content(page, QUAD)
    keys_edges, keys_marks, keys_darker = printed_content(keys, QUAD)
    assert page_darker > 0.6 and keys_darker < 0.4
    assert keys_edges > 0.5 * page_edges and keys_marks > 0.5 * page_marks
    assert has_print(page, QUAD) and not has_print(keys, QUAD)


def test_a_blank_sheet_or_light_grout_shows_no_dark_marks() -> None:
    blank = np.full((HEIGHT, WIDTH, 3), 225, np.uint8)
    tiles = np.full((HEIGHT, WIDTH, 3), 200, np.uint8)
    tiles[::90] = tiles[:, ::90] = 235
    assert printed_content(blank, QUAD)[2] == 0.0
    assert printed_content(tiles, QUAD)[2] == 0.0
    assert not has_print(blank, QUAD) and not has_print(tiles, QUAD)


@pytest.mark.parametrize(
    ("seed", "size"),
    [
        (7000070, (1280, 720)),
        (7000245, (1920, 1080)),
        (7000289, (1920, 1080)),
        (7000149, (1920, 1080)),
    ],
    ids=["dark-wood", "dark-desk", "tiles-and-a-phone", "keyboard-on-fabric"],
)
def test_desks_with_no_document_show_no_page(seed: int, size: tuple[int, int]) -> None:
    # Corpus scenes with no document (seed 7 frames 71, 246, 290 and 150) in
    # which an outline on the desk's seams, its tiles or a black keyboard
    # passed for a page with print.
    image, truth = render_scene(seed, size)
    assert truth["quad"] is None
    assert detect.detect(image).quad is None
