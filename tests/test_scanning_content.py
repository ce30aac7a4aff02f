"""Telling print from a patch of desk (`scanning.content`): ink darker than its paper, in lines."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bench.capture_corpus import render_scene
from scanning import detect
from scanning.content import MIN_EDGE_SHARE, MIN_LAYOUT, MIN_MARKS, has_print, printed_content
from tests.samples import clutter_text_miss, detected_in_scene

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
    page_edges, page_marks, page_darker, _ = printed_content(page, QUAD)
    keys_edges, keys_marks, keys_darker, _ = printed_content(keys, QUAD)
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
        clutter_text_miss(
            7000070, (1280, 720), "dark-wood", "a sticky note with its script, in a dim frame"
        ),
        clutter_text_miss(
            7000245, (1920, 1080), "short-receipt", "a till receipt with its lines, 1.9 : 1"
        ),
        (91, (1920, 1080)),
        (255, (1920, 1080)),
        (3000135, (1920, 1080)),
        (1000185, (1920, 1080)),
        (3000049, (1920, 1080)),
        (7000289, (1920, 1080)),
        (7000149, (1920, 1080)),
        (1000219, (1920, 1080)),
        (1000286, (1280, 720)),
        (1000331, (1920, 1080)),
        (1000333, (1920, 1080)),
        (1000342, (1280, 720)),
    ],
    ids=[
        "dark-wood",
        "short-receipt",
        "receipt-on-fabric",
        "receipt-under-a-pen",
        "receipt-on-dark-planks",
        "receipt-on-pale-planks-cut-by-the-frame",
        "receipt-on-tiles-cut-by-the-frame",
        "tiles-and-a-phone",
        "keyboard-on-fabric",
        "phone-on-tiles",
        "tile",
        "pale-tile",
        "phone-on-pale-desk",
        "phone-on-dark-desk",
    ],
)
def test_desks_with_no_document_show_no_page(seed: int, size: tuple[int, int]) -> None:
    # Corpus scenes with no document. Seed 7 frames 71, 246, 290 and 150: an
    # outline on the desk's seams, its tiles or a black keyboard passed for a
    # page with print. Seed 1 frames 220, 287, 332, 334 and 343: a phone's
    # dark screen or one floor tile, outlines as clear as a small page's,
    # passed for pages once small outlines were judged on their sides alone,
    # before print had to be laid out in lines. Seed 0 frames 92 and 256,
    # seed 3 frames 136 and 50, seed 1 frame 186: a till receipt, lines of
    # print on a strip of paper, passed for a page until outlines in view had
    # to have a document's proportions — the last two, cut by the frame, found
    # inside an outline of the receipt and the desk beside it. A shorter one
    # still passes (seed 7 frame 246).
    image, truth = render_scene(seed, size)
    assert truth["quad"] is None
    assert detect.detect(image).quad is None


def _blank_screen(seed: int) -> np.ndarray:
    """A dark blank surface (a phone's screen) as a webcam gives it: noise, blurred, JPEG."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0.0, 1.0, (HEIGHT, WIDTH)).astype(np.float32), (0, 0), 1.2)
    level = np.clip(38.0 + noise * (3.0 / float(noise.std())), 0, 255).astype(np.uint8)
    _, jpeg = cv2.imencode(".jpg", cv2.merge([level, level, level]), [cv2.IMWRITE_JPEG_QUALITY, 75])
    return np.asarray(cv2.imdecode(jpeg, cv2.IMREAD_COLOR))


def test_print_is_laid_out_in_lines_and_noise_is_not() -> None:
    # A blank screen's noise passes the edge and mark counts, and departs
    # darker about as often as lighter: the dark share alone is a toss-up.
    # Its departures are scattered; a page's lie in lines.
    darker, layouts = [], []
    for seed in range(16):
        screen = _blank_screen(seed)
        edges, marks, share, layout = printed_content(screen, QUAD)
        assert edges >= MIN_EDGE_SHARE and marks >= MIN_MARKS
        darker.append(share)
        layouts.append(layout)
        assert not has_print(screen, QUAD), seed
    assert max(darker) > 0.51
    assert max(layouts) < 4.0
    assert printed_content(_printed(ink=30, paper=225), QUAD)[3] > 4 * MIN_LAYOUT


@pytest.mark.parametrize(
    ("seed", "size"),
    [
        (7000083, (1920, 1080)),
        (7000243, (1920, 1080)),
        pytest.param(
            51,
            (1920, 1080),
            marks=pytest.mark.xfail(
                strict=True,
                reason="known miss since the plane-based completion (corpus v5 frame 52 too): the "
                "card and the light strip it lies on, cut by the frame, complete to a page in view",
            ),
        ),
        (1000386, (1280, 720)),
    ],
    ids=["letter-on-pale-desk", "card-on-tiles", "card-on-pale-desk", "passport-on-pale-desk"],
)
def test_small_pages_are_found(seed: int, size: tuple[int, int]) -> None:
    # Corpus scenes (seed 7 frames 84 and 244, seed 0 frame 52, seed 1 frame
    # 387) of a document covering 4 to 10 % of the frame, with clear sides.
    # The discount for small outlines, which ranks candidates, used to decide
    # whether a page was there at all, and left these frames without one.
    assert detected_in_scene(seed, size)[1] >= 0.9
