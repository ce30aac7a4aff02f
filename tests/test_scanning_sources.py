"""Frame sources behind one interface; the hardware edge is faked, nothing else."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import cv2
import numpy as np
import pytest

from scanning.errors import CameraUnavailable, NoPreview, ScannerUnavailable
from scanning.sources import (
    DEMO_FRAMES,
    OpenCVCamera,
    ReplaySource,
    SaneScanner,
    open_source,
)


def write_frames(folder: Path, count: int, size: tuple[int, int] = (1920, 1080)) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        image = np.full((size[1], size[0], 3), 40 * i % 255, np.uint8)
        cv2.imwrite(str(folder / f"frame-{i:03d}.jpg"), image)


def test_replay_loops_and_gives_full_size_stills(tmp_path: Path) -> None:
    write_frames(tmp_path, 3)
    source = ReplaySource(tmp_path, preview_size=(640, 360))
    source.open()
    shades = []
    for _ in range(4):
        frame = source.preview()
        assert (frame.width, frame.height) == (640, 360)
        shades.append(int(frame.image[0, 0, 0]))
    assert shades[3] == shades[0]  # looped
    still = source.still()
    assert (still.width, still.height) == (1920, 1080)
    assert int(still.image[0, 0, 0]) == shades[3]  # the still is the frame last shown
    source.close()


def test_replay_of_a_video(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (320, 240))
    for i in range(5):
        writer.write(np.full((240, 320, 3), i * 50, np.uint8))
    writer.release()
    source = ReplaySource(path, preview_size=None)
    source.open()
    frames = [source.preview() for _ in range(7)]
    assert all(frame.width == 320 for frame in frames)


@pytest.mark.parametrize("target", ["missing-folder", "empty-folder", "notes.txt"])
def test_nothing_to_replay_is_a_clear_error(tmp_path: Path, target: str) -> None:
    (tmp_path / "empty-folder").mkdir()
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(CameraUnavailable):
        ReplaySource(tmp_path / target).open()


def test_a_broken_image_in_the_replay_is_reported_not_raised_elsewhere(tmp_path: Path) -> None:
    write_frames(tmp_path, 1)
    (tmp_path / "frame-999.jpg").write_bytes(b"not a jpeg")
    source = ReplaySource(tmp_path)
    source.open()
    source.preview()
    with pytest.raises(CameraUnavailable, match="not an image"):
        source.preview()


def test_a_missing_camera_is_a_clear_error() -> None:
    camera = OpenCVCamera("/dev/video-nope")
    with pytest.raises(CameraUnavailable, match="no camera"):
        camera.open()
    with pytest.raises(CameraUnavailable):
        camera.preview()


def test_the_demo_frames_are_bundled() -> None:
    source = open_source("demo", replay_fps=0)
    source.open()
    assert source.preview().width > 0
    assert len(list(DEMO_FRAMES.glob("*.jpg"))) >= 8


def fake_scanimage(folder: Path, script: str) -> None:
    """A stand-in for SANE's scanimage: the hardware edge, nothing more."""
    path = folder / "scanimage"
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_flatbed_scanner_through_scanimage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = np.full((3508 // 4, 2480 // 4, 3), 250, np.uint8)
    cv2.imwrite(str(tmp_path / "scan.png"), page)
    fake_scanimage(tmp_path, f'case "$*" in *--format=png*) cat "{tmp_path}/scan.png";; esac\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    scanner = SaneScanner(dpi=75)
    scanner.open()
    assert scanner.live is False
    with pytest.raises(NoPreview):
        scanner.preview()
    frame = scanner.still()
    assert frame.dpi == 75 and frame.width == 620


def test_scanner_failure_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_scanimage(tmp_path, 'echo "scanimage: no SANE devices found" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(ScannerUnavailable, match="no SANE devices found"):
        SaneScanner().still()


def test_scanner_without_sane_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ScannerUnavailable, match="sane-utils"):
        SaneScanner().open()


def test_unknown_source_setting() -> None:
    with pytest.raises(ValueError, match="unknown frame source"):
        open_source("ftp:camera")
