"""The real capture pipeline on generated photos with known corners."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from bench.capture_corpus import render_scene
from scanning import detect, encode, enhance, geometry, pipeline, quality, rectify
from scanning.sources import DEMO_FRAMES, ReplaySource
from scanning.types import Frame, Mode, Problem, QualitySettings
from tests.samples import PLAIN_SCENE

PLAIN = PLAIN_SCENE


def scene(seed: int, **overrides: object) -> tuple[np.ndarray, dict]:
    return render_scene(seed, (1920, 1080), **{**PLAIN, **overrides})


@pytest.mark.parametrize(
    ("seed", "document", "background"),
    [
        (1, "a4_letter", "dark"),
        (2, "a4_table", "wood"),
        (3, "passport", "fabric"),
        (4, "id_card", "dark"),
        (5, "a4_form", "tiles"),
        (6, "a4_letter", "pale"),
    ],
)
def test_outline_of_a_document_on_a_desk(seed: int, document: str, background: str) -> None:
    image, truth = scene(seed, document=document, background=background)
    found = detect.detect(image)
    assert found.quad is not None
    assert geometry.iou(found.quad, np.array(truth["quad"])) > 0.95
    # Corners come clockwise from the top-left.
    assert np.allclose(found.quad, geometry.order_clockwise(found.quad))


def test_an_empty_desk_has_no_document() -> None:
    image, truth = scene(11, document=None, background="wood")
    assert truth["quad"] is None
    found = detect.detect(image)
    assert found.quad is None


def camera_view(
    tilt_deg: float, roll_deg: float, distance_mm: float, shift: tuple[float, float]
) -> np.ndarray:
    """Where a webcam (65° across, 1920×1080) sees the corners of an A4 page.

    The page is turned by `roll_deg` on the desk, tilted `tilt_deg` away from
    the camera, `distance_mm` in front of it and shifted by `shift` (mm).
    """
    half_w, half_h = 105.0, 148.5
    page = np.array(
        [[-half_w, -half_h, 0], [half_w, -half_h, 0], [half_w, half_h, 0], [-half_w, half_h, 0]]
    )
    roll, tilt = np.radians(roll_deg), np.radians(tilt_deg)
    turn = np.array([[np.cos(roll), -np.sin(roll), 0], [np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
    lean = np.array([[1, 0, 0], [0, np.cos(tilt), -np.sin(tilt)], [0, np.sin(tilt), np.cos(tilt)]])
    points = page @ turn.T @ lean.T + np.array([shift[0], shift[1], distance_mm])
    focal = 1920 / (2 * np.tan(np.radians(65) / 2))
    return np.float32(points[:, :2] / points[:, 2:] * focal + np.array([960, 540]))


def test_refinement_reaches_sub_pixel_accuracy() -> None:
    page = np.full((1169, 827, 3), 240, np.uint8)
    for row in range(40):
        cv2.putText(
            page,
            "Lorem ipsum dolor sit amet",
            (60, 80 + row * 26),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.7,
            (30, 30, 30),
            2,
        )
    desk = np.full((1080, 1920, 3), (40, 60, 90), np.uint8)
    corners = camera_view(tilt_deg=25, roll_deg=8, distance_mm=520, shift=(20, 30))
    source = np.float32([[0, 0], [826, 0], [826, 1168], [0, 1168]])
    matrix = cv2.getPerspectiveTransform(source, corners)
    warped = cv2.warpPerspective(page, matrix, (1920, 1080))
    mask = cv2.warpPerspective(np.full(page.shape[:2], 255, np.uint8), matrix, (1920, 1080))
    image = np.where(mask[..., None] > 0, warped, desk)
    found = detect.detect(image)
    assert found.quad is not None
    assert np.abs(found.quad - corners).max() < 2.0
    flat = rectify.rectify(image, found.quad)
    # Perspective undone: the real proportions of A4 come back.
    assert flat.format == "A4"
    assert flat.image.shape[0] / flat.image.shape[1] == pytest.approx(297 / 210, rel=0.01)


def test_rectified_dpi_follows_the_pixels() -> None:
    image = np.full((1400, 1000, 3), 250, np.uint8)
    quad = np.array([[0, 0], [989, 0], [989, 1399], [0, 1399]], dtype=float)
    flat = rectify.rectify(image, quad)
    assert flat.format == "A4"
    assert flat.dpi == pytest.approx(1400 / (297 / 25.4), rel=0.01)
    assert rectify.rectify(image, quad, expected="ID-3").format == "ID-3"


def test_shadows_are_removed() -> None:
    page = np.full((800, 600, 3), 235, np.uint8)
    cv2.putText(page, "Texte", (100, 400), cv2.FONT_HERSHEY_SIMPLEX, 3, (20, 20, 20), 6)
    gradient = np.linspace(0.45, 1.0, 600)[None, :, None]
    shaded = (page * gradient).astype(np.uint8)
    grey = enhance.enhance(shaded, Mode.GREY)
    paper = grey[:200]  # no text there
    assert paper.std() < 6 and paper.mean() > 230
    bw = enhance.enhance(shaded, Mode.BW)
    assert set(np.unique(bw)) <= {0, 255}
    assert (bw[350:420, 100:500] == 0).any()


def test_encoding() -> None:
    page = np.full((400, 300), 255, np.uint8)
    page[100:120, 50:250] = 0
    tiff = encode.group4(page, dpi=200)
    picture = PILImage.open(io.BytesIO(tiff))
    assert picture.mode == "1" and picture.info["compression"] == "group4"
    assert round(picture.info["dpi"][0]) == 200
    colour = np.zeros((40, 30, 3), np.uint8)
    data, media = encode.encode(colour, Mode.COLOUR, quality=70, dpi=150)
    assert media == "image/jpeg" and data[:2] == b"\xff\xd8"
    assert round(PILImage.open(io.BytesIO(data)).info["dpi"][0]) == 150


def problems_of(image: np.ndarray) -> list[Problem]:
    return pipeline.scan(Frame(image)).problems


def test_blur_is_judged_on_the_page() -> None:
    sharp, _ = scene(21, document="a4_letter", background="dark")
    blurry, _ = scene(21, document="a4_letter", background="dark", blur="defocus")
    assert Problem.BLURRY not in problems_of(sharp)
    assert Problem.BLURRY in problems_of(blurry)


def test_glare_dark_partial_small_and_empty() -> None:
    glare, _ = scene(31, document="a4_letter", background="dark", glare=True)
    assert Problem.GLARE in problems_of(glare)
    dark, _ = scene(32, document="a4_table", background="wood", dark=True)
    assert Problem.TOO_DARK in problems_of(dark)
    partial, truth = scene(33, document="a4_letter", background="dark", partial=True)
    assert truth["labels"]["not_fully_visible"]
    assert Problem.NOT_FULLY_VISIBLE in problems_of(partial)
    small, _ = scene(34, document="id_card", background="dark", small=True)
    assert Problem.TOO_SMALL in problems_of(small)
    empty, _ = scene(35, document=None, background="fabric")
    assert problems_of(empty) == [Problem.NO_DOCUMENT]


def test_in_a_dark_room_with_no_page_guidance_asks_for_the_page_first() -> None:
    # Too dark is reported too; the page must be placed whatever the light.
    dark_empty, _ = scene(36, document=None, background="pale", dark=True)
    assert problems_of(dark_empty) == [Problem.NO_DOCUMENT, Problem.TOO_DARK]


@settings(max_examples=12, deadline=None)
@given(st.floats(0.3, 1.0), st.floats(1.2, 3.0))
def test_more_blur_means_wider_edges(low: float, extra: float) -> None:
    page = np.full((800, 560), 240, np.uint8)
    for row in range(24):
        cv2.putText(
            page, "Lorem ipsum dolor", (30, 40 + row * 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 20, 2
        )
    sharper = cv2.GaussianBlur(page, (0, 0), low)
    softer = cv2.GaussianBlur(page, (0, 0), low + extra)
    assert quality.edge_width(softer, 800) > quality.edge_width(sharper, 800)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2),
    st.integers(quality.CLIPPED - 3, 255),
    st.integers(15, 60),
    st.integers(15, 60),
)
def test_glare_is_white_in_every_channel(channel: int, level: int, wide: int, high: int) -> None:
    # A blob clipped in two channels and at `level` in the third counts as
    # glare only when the third is clipped too; a paper tint does not.
    page = np.full((200, 300, 3), 200, np.uint8)
    page[50 : 50 + high, 60 : 60 + wide] = 255
    page[50 : 50 + high, 60 : 60 + wide, channel] = level
    glare = quality.glare_fraction(page)
    if level >= quality.CLIPPED:
        assert glare == pytest.approx(wide * high / (200 * 300))
    else:
        assert glare == 0.0


def test_scan_returns_a_clean_page_and_its_master() -> None:
    image, _ = scene(41, document="a4_table", background="fabric")
    page = pipeline.scan(Frame(image), Mode.GREY)
    assert page.problems == []
    assert page.format == "A4" and page.media_type == "image/jpeg"
    assert PILImage.open(io.BytesIO(page.image)).mode == "L"
    assert PILImage.open(io.BytesIO(page.master)).mode == "RGB"
    assert 60 < page.dpi < 200


def test_guidance_on_the_demo_replay_reaches_ready() -> None:
    source = ReplaySource(DEMO_FRAMES, preview_size=(1280, 720))
    source.open()
    tracker = detect.QuadTracker()
    messages = [pipeline.guide(source.preview(), tracker).message for _ in range(16)]
    assert messages[0] == "no_document"
    assert "not_fully_visible" in messages
    assert messages[-1] == "ready"
    still = source.still()
    page = pipeline.scan(still, Mode.GREY, prior=tracker.quad)
    assert page.image and not page.problems


def test_quality_settings_are_used() -> None:
    image, _ = scene(51, document="a4_letter", background="dark")
    strict = QualitySettings(min_area_fraction=0.95)
    assert Problem.TOO_SMALL in pipeline.scan(Frame(image), settings=strict).problems


def test_command_line(tmp_path: Path) -> None:
    image, truth = scene(61, document="a4_letter", background="wood")
    path = tmp_path / "photo.jpg"
    cv2.imwrite(str(path), image)
    (tmp_path / "broken.jpg").write_bytes(b"nope")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanning",
            "detect",
            "--json",
            str(path),
            str(tmp_path / "broken.jpg"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["image"] == str(path) and len(first["quad"]) == 4
    assert geometry.iou(np.array(first["quad"]), np.array(truth["quad"])) > 0.95
    assert first["problems"] == [] and "edge_width" in first["measures"]
    assert "error" in second
    out = tmp_path / "page.jpg"
    result = subprocess.run(
        [sys.executable, "-m", "scanning", "rectify", str(path), "--out", str(out), "--mode", "bw"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "A4" in result.stdout and out.stat().st_size > 1000


@pytest.mark.parametrize(("tilt", "roll"), [(20, 0), (20, 90), (35, 45), (40, 90)])
def test_the_format_comes_from_the_real_proportions(tilt: float, roll: float) -> None:
    # Seen at these angles, an A4 page's sides measure from 1.06 to 2.0 to one.
    corners = camera_view(tilt, roll, 600, (0, 0)).astype(np.float64)
    for expected in (None, "A4", "ID-1", "ID-3"):
        width, height, name = rectify.target_size(corners, (1920, 1080), expected)
        assert name == ("ID-3" if expected == "ID-3" else "A4")
        assert max(width, height) / min(width, height) == pytest.approx(297 / 210, rel=0.01)


@pytest.mark.parametrize("spread", [40, 60, 90])
def test_a_reflection_on_a_dim_sharp_page_is_not_blur(spread: int) -> None:
    # A dim page (paper 95, ink 45) with a reflection clipped to white at its
    # heart: counted in the page's contrast, the white made the print too
    # faint to count and left the reflection's soft rim as the page's edges
    # (widths 13.6 and 3.6 for the two smaller spots, over the 3.5 limit).
    page = np.full((800, 560), 95, np.uint8)
    for row in range(24):
        cv2.putText(
            page, "Lorem ipsum dolor", (30, 40 + row * 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 45, 2
        )
    sharp = cv2.GaussianBlur(page, (0, 0), 0.6)
    rows, columns = np.mgrid[0:800, 0:560]
    spot = 440 * np.exp(-((columns - 300) ** 2 + (rows - 350) ** 2) / (2 * spread**2))
    reflected = np.clip(sharp + spot, 0, 255).astype(np.uint8)
    assert (reflected >= quality.CLIPPED).mean() > 0.02
    width = quality.edge_width(reflected, 800)
    assert width == pytest.approx(quality.edge_width(sharp, 800), abs=0.3)
    assert width < QualitySettings().max_edge_width
