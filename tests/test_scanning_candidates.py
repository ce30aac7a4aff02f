"""Candidate outlines: straight lines that keep a faint side's votes, and regions of paper."""

from __future__ import annotations

import cv2
import numpy as np

from scanning import geometry
from scanning.edges import edge_maps
from scanning.lines import strong_lines
from scanning.regions import desk_colour, region_quads

#: A working copy's size (a 1080p frame shrunk five times) and a tilted page on it.
W, H = 384, 216
PAGE = np.array([[110, 40], [290, 60], [275, 185], [95, 165]], dtype=np.float64)


def _desk_with_page(
    step: float, light_slope: float, noise: float, seed: int, desk_bgr: tuple[int, int, int]
) -> np.ndarray:
    """A desk lit unevenly, and a page `step` levels lighter with soft sides, plus sensor noise."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    light = light_slope * (0.4 * xx - 0.3 * yy)
    mask = np.zeros((H, W), np.float32)
    cv2.fillConvexPoly(mask, PAGE.astype(np.int32), 1.0)
    mask = cv2.GaussianBlur(mask, (0, 0), 1.0)
    rng = np.random.default_rng(seed)
    image = np.asarray(desk_bgr, np.float32)[None, None, :] + (light + step * mask)[..., None]
    image += rng.normal(0.0, noise, (H, W, 1)).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def _sides_found(lines: np.ndarray) -> int:
    """How many of the page's sides have a line within 3° and 2.5 px of them."""
    found = 0
    for k in range(4):
        a, b = PAGE[k], PAGE[(k + 1) % 4]
        normal = np.array([a[1] - b[1], b[0] - a[0]]) / np.linalg.norm(b - a)
        middle = (a + b) / 2
        along = [abs(line[:2] @ normal) > np.cos(np.radians(3)) for line in lines]
        near = [abs(line[:2] @ middle + line[2]) < 2.5 for line in lines]
        found += any(a and n for a, n in zip(along, near, strict=True))
    return found


def test_a_faint_side_keeps_its_votes() -> None:
    """A page 12 levels lighter than its desk, under noise that turns each edge pixel's direction.

    Voting only within one angle step of each pixel's direction scatters a
    faint side's votes: about 25 of these 40 sides were found that way.
    """
    found = []
    for seed in range(10):
        image = _desk_with_page(12.0, 0.5, 2.0, seed, (150, 150, 150))
        lines, _ = strong_lines(edge_maps(image))
        found.append(_sides_found(lines))
    assert sum(found) >= 36, found


def test_paper_unlike_the_desk_is_outlined_as_a_region() -> None:
    """White paper with print on a blue-grey desk: one region, fitted with the page's corners."""
    image = _desk_with_page(0.0, 0.0, 1.5, 0, (120, 100, 90))
    page = np.zeros((H, W), np.uint8)
    cv2.fillConvexPoly(page, PAGE.astype(np.int32), 255)
    image[page > 0] = (235, 235, 232)
    for y in range(70, 160, 12):  # lines of print
        cv2.line(image, (125, y), (260, y + 12), (40, 40, 40), 2)
    image = cv2.GaussianBlur(image, (3, 3), 0)
    quads = region_quads(edge_maps(image), 0.02 * W * H)
    best = max(geometry.iou(geometry.order_clockwise(q), PAGE) for q in quads)
    assert best >= 0.95


def test_desk_colour_is_read_along_the_border_even_where_a_page_touches_it() -> None:
    image = _desk_with_page(0.0, 0.0, 0.0, 0, (60, 110, 160))
    cv2.rectangle(image, (0, 60), (120, 180), (240, 240, 240), -1)  # a sheet cut by the left border
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(np.float32)
    desk = cv2.cvtColor(np.uint8([[[60, 110, 160]]]), cv2.COLOR_BGR2LAB)[0, 0].astype(np.float32)
    assert np.abs(desk_colour(lab) - desk).max() <= 1.0
