"""Telling one sheet of paper from a sheet and its desk (`scanning.paper`)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanning import detect, geometry
from scanning.edges import edge_maps
from scanning.paper import MAX_OTHER, one_sheet, other_share
from tests.samples import detected_in_scene

#: A working copy's size (1080p shrunk five times), and BGR colours.
WIDTH, HEIGHT = 384, 216
WOOD = (60, 110, 170)
PAPER = (225, 232, 236)
INK = (40, 40, 40)
#: The page: x 100–220, y 40–180, clockwise from the top-left.
PAGE = np.array([[100.0, 40.0], [220.0, 40.0], [220.0, 180.0], [100.0, 180.0]])


def _printed_page_on(desk: tuple[int, int, int], paper: tuple[int, int, int] = PAPER) -> np.ndarray:
    """A working copy: a printed page (`PAGE`) on a desk of one colour."""
    work = np.full((HEIGHT, WIDTH, 3), desk, np.uint8)
    cv2.rectangle(work, (100, 40), (220, 180), paper, -1)
    for y in range(52, 170, 8):  # lines of text, thinner than the cells
        cv2.line(work, (110, y), (200, y), INK, 1)
    return work


def test_a_printed_page_is_one_sheet() -> None:
    maps = edge_maps(_printed_page_on(WOOD))
    assert other_share(PAGE, maps) == 0.0
    assert one_sheet(PAGE, maps)


def test_a_page_and_as_much_desk_is_not() -> None:
    # The page's top, left and bottom sides closed by a seam in the desk as
    # far again to the right: half the outline is wood.
    maps = edge_maps(_printed_page_on(WOOD))
    with_desk = np.array([[100.0, 40.0], [340.0, 40.0], [340.0, 180.0], [100.0, 180.0]])
    assert other_share(with_desk, maps) > MAX_OTHER
    assert not one_sheet(with_desk, maps)


def test_a_card_with_a_coloured_band_and_a_photo_is_one_sheet() -> None:
    # A residence card: pale tinted paper, a dark green band across the top
    # fifth, a grey photo on the left, on a dark desk.
    work = _printed_page_on((50, 50, 50), paper=(215, 232, 222))
    cv2.rectangle(work, (100, 40), (220, 68), (80, 110, 30), -1)
    cv2.rectangle(work, (106, 76), (140, 130), (150, 150, 150), -1)
    assert one_sheet(PAGE, edge_maps(work))


def test_a_page_half_in_shadow_is_one_sheet_but_not_a_page_and_a_black_keyboard() -> None:
    work = _printed_page_on((90, 90, 90))
    lower = work[110:181, 100:221]
    work[110:181, 100:221] = (lower * 0.5).astype(np.uint8)  # a shadow halves the light
    assert one_sheet(PAGE, edge_maps(work))
    keyboard = _printed_page_on((90, 90, 90))
    cv2.rectangle(keyboard, (221, 40), (340, 180), (25, 25, 25), -1)
    with_keyboard = np.array([[100.0, 40.0], [340.0, 40.0], [340.0, 180.0], [100.0, 180.0]])
    assert not one_sheet(with_keyboard, edge_maps(keyboard))


@settings(max_examples=40, deadline=None)
@given(
    colour=st.tuples(*[st.integers(0, 255)] * 3),
    corners=st.lists(st.tuples(st.floats(0, 60), st.floats(0, 40)), min_size=4, max_size=4),
)
def test_any_outline_over_one_colour_is_one_sheet(
    colour: tuple[int, int, int], corners: list[tuple[float, float]]
) -> None:
    # Each corner moves inwards from its own corner of the frame: any such
    # quad is convex and clockwise; its interior is one colour.
    frame = np.array([[0, 0], [WIDTH - 1, 0], [WIDTH - 1, HEIGHT - 1], [0, HEIGHT - 1]], float)
    inwards = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], float)
    quad = frame + inwards * np.array(corners)
    assert other_share(quad, edge_maps(np.full((HEIGHT, WIDTH, 3), colour, np.uint8))) == 0.0


def test_an_outline_mostly_out_of_the_picture_is_not_judged() -> None:
    # Fewer than four cells wholly in view: nothing to compare.
    maps = edge_maps(_printed_page_on(WOOD))
    beyond = np.array([[330.0, -300.0], [900.0, -300.0], [900.0, 300.0], [330.0, 300.0]])
    assert other_share(beyond, maps) == 0.0


def _card_scene(desk: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A 1080p frame of a residence card turned 8°, and the card's corners.

    A dark band runs across its top fifth, a photo on a saturated blue ground
    covers a quarter of it, lines of text the rest.
    """
    card = np.full((440, 700, 3), (222, 228, 230), np.uint8)
    card[:97] = (130, 60, 20)
    card[114:418, 28:252] = (220, 170, 120)
    cv2.ellipse(card, (140, 280), (36, 48), 0, 0, 360, (120, 150, 200), -1)
    for y in range(130, 410, 26):
        cv2.putText(card, "NOM PRENOM 01 01 1990", (280, y), cv2.FONT_HERSHEY_SIMPLEX, 0.8, INK, 2)
    size = np.float32([[0, 0], [700, 0], [700, 440], [0, 440]])
    turn = np.deg2rad(8.0)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    corners = (size - [350, 220]) @ rotation.T + [960, 540]
    matrix = cv2.getPerspectiveTransform(size, np.float32(corners))
    frame = np.full((1080, 1920, 3), desk, np.uint8)
    inside = cv2.warpPerspective(np.full((440, 700), 255, np.uint8), matrix, (1920, 1080)) > 0
    frame[inside] = cv2.warpPerspective(card, matrix, (1920, 1080))[inside]
    return cv2.GaussianBlur(frame, (3, 3), 0), corners


@pytest.mark.parametrize("desk", [(95, 100, 105), WOOD], ids=["grey-desk", "wood"])
def test_a_card_with_a_band_and_a_photo_on_a_saturated_ground_is_found_whole(
    desk: tuple[int, int, int],
) -> None:
    # The band and the photo's ground together cover near half the card,
    # in two colours unlike its paper: the card is still one sheet.
    frame, corners = _card_scene(desk)
    found = detect.detect(frame)
    assert found.quad is not None
    assert geometry.iou(found.quad, corners) > 0.95


@pytest.mark.parametrize(
    ("seed", "size"),
    [(1000028, (1280, 720)), (1000147, (1920, 1080)), (380, (1280, 720))],
    ids=["letter-in-shadow-and-wood", "card-and-desk", "form-and-desk"],
)
def test_pages_outscored_by_an_outline_with_their_desk_are_found(
    seed: int, size: tuple[int, int]
) -> None:
    # Corpus scenes (seed 1 frames 29 and 148, seed 0 frame 381) where the
    # outline chosen took in the page and a stretch of desk beside it, its
    # sides on the page's edges and the desk's (IoU 0.37, 0.10, 0.47).
    assert detected_in_scene(seed, size)[1] > 0.9
