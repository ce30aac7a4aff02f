"""Frame sources behind one interface: a V4L2 webcam, a replay of files, a SANE scanner.

This is the only module of `scanning` that touches devices. Every failure
becomes a `CameraUnavailable` / `ScannerUnavailable` with a plain reason, so
the kiosk can show a message and a retry instead of hanging.

A source gives a low-resolution `preview()` for the live picture and a
`still()` at its best resolution for the capture itself.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from scanning.errors import CameraUnavailable, NoPreview, ScannerUnavailable, UnreadableImage
from scanning.types import Frame, Image

DEMO_FRAMES = Path(__file__).parent / "demo"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".webm", ".mov", ".mjpeg")
#: Asking for a huge size makes V4L2 drivers pick the largest they support.
LARGEST = (10000, 10000)


class FrameSource(Protocol):
    """What the kiosk needs from anything that produces document images."""

    name: str
    live: bool  # False for a flatbed scanner: no live picture

    def open(self) -> None:
        """Acquire the device; raise a `ScanningError` subclass if impossible."""

    def preview(self) -> Frame:
        """Return the next low-resolution frame for the live picture."""

    def still(self) -> Frame:
        """Return a frame at the source's best resolution, for the capture."""

    def rewind(self) -> None:
        """A new page is coming: a replay starts again; a live device has nothing to do."""

    def close(self) -> None:
        """Release the device."""


def _resize_to_fit(image: Image, size: tuple[int, int] | None) -> Image:
    if size is None:
        return image
    width, height = size
    scale = min(width / image.shape[1], height / image.shape[0], 1.0)
    if scale >= 1.0:
        return image
    target = (round(image.shape[1] * scale), round(image.shape[0] * scale))
    return np.asarray(cv2.resize(image, target, interpolation=cv2.INTER_AREA), dtype=np.uint8)


class OpenCVCamera:
    """A USB webcam or document camera through OpenCV's V4L2 backend.

    MJPG is requested because uncompressed YUYV at 1080p only reaches 5–6 fps
    on USB 2 (opencv/opencv#9540); MJPG gives 30.
    """

    live = True

    def __init__(
        self,
        device: str | int = 0,
        preview_size: tuple[int, int] = (1280, 720),
        still_size: tuple[int, int] | None = None,
        settle_frames: int = 4,
    ) -> None:
        self.device = int(device) if isinstance(device, str) and device.isdigit() else device
        self.name = f"v4l2:{device}"
        self.preview_size = preview_size
        self.still_size = still_size or LARGEST
        self.settle_frames = settle_frames
        self._capture: cv2.VideoCapture | None = None
        self._lock = threading.Lock()

    def _configure(self, size: tuple[int, int]) -> None:
        assert self._capture is not None
        self._capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        self._capture.set(cv2.CAP_PROP_FPS, 30)

    def open(self) -> None:
        """Open the device in preview mode."""
        with self._lock:
            if self._capture is not None:
                return
            if isinstance(self.device, str) and not Path(self.device).exists():
                raise CameraUnavailable(f"no camera at {self.device}")
            capture = cv2.VideoCapture(self.device, cv2.CAP_V4L2)
            if not capture.isOpened():
                capture.release()
                raise CameraUnavailable(f"cannot open camera {self.device}")
            self._capture = capture
            self._configure(self.preview_size)

    def _read(self) -> Image:
        if self._capture is None:
            raise CameraUnavailable("camera not open")
        ok, image = self._capture.read()
        if not ok or image is None:
            # Unplugged or stalled: release, so the next open() starts afresh.
            self._capture.release()
            self._capture = None
            raise CameraUnavailable("the camera stopped sending pictures")
        return np.asarray(image, dtype=np.uint8)

    def preview(self) -> Frame:
        """Read the next preview frame."""
        with self._lock:
            return Frame(self._read(), time.monotonic(), self.name)

    def still(self) -> Frame:
        """Switch to the largest resolution, let exposure settle, grab, switch back."""
        with self._lock:
            self._configure(self.still_size)
            try:
                for _ in range(self.settle_frames):
                    self._read()
                return Frame(self._read(), time.monotonic(), self.name)
            finally:
                if self._capture is not None:
                    self._configure(self.preview_size)

    def rewind(self) -> None:
        """Nothing to do: the device shows whatever lies under it now."""

    def close(self) -> None:
        """Release the device."""
        with self._lock:
            if self._capture is not None:
                self._capture.release()
                self._capture = None


def read_image(path: Path) -> Image:
    """Decode an image file, or raise `UnreadableImage`."""
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None:
        raise UnreadableImage(f"{path.name} is not an image")
    return np.asarray(image, dtype=np.uint8)


class ReplaySource:
    """Replays a folder of images or a video file, looped, as if it were a camera.

    Used by ``make run``'s demo camera and by the tests: the same interface as
    the webcam, so the kiosk cannot tell the difference. `fps` paces `preview()`
    like a real camera (0 means as fast as asked).
    """

    live = True

    def __init__(
        self,
        path: Path,
        preview_size: tuple[int, int] | None = (1280, 720),
        fps: float = 0,
        loop: bool = True,
    ) -> None:
        self.path = Path(path)
        self.loop = loop
        self.name = f"replay:{self.path}"
        self.preview_size = preview_size
        self.fps = fps
        self._files: list[Path] = []
        self._video: cv2.VideoCapture | None = None
        self._index = 0
        self._current: Image | None = None
        self._last = 0.0
        self._lock = threading.Lock()

    def open(self) -> None:
        """Find the frames to replay."""
        with self._lock:
            if self.path.is_dir():
                self._files = sorted(
                    p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES
                )
                if not self._files:
                    raise CameraUnavailable(f"no images to replay in {self.path}")
            elif self.path.suffix.lower() in VIDEO_SUFFIXES and self.path.exists():
                self._video = cv2.VideoCapture(str(self.path))
                if not self._video.isOpened():
                    raise CameraUnavailable(f"cannot read the video {self.path.name}")
            else:
                raise CameraUnavailable(f"nothing to replay at {self.path}")

    def _next(self) -> Image:
        if self._video is not None:
            ok, image = self._video.read()
            if not ok:
                self._video.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = self._video.read()
            if not ok or image is None:
                raise CameraUnavailable("the video has no frames")
            return np.asarray(image, dtype=np.uint8)
        if not self._files:
            raise CameraUnavailable("replay source is not open")
        position = self._index
        if not self.loop:
            position = min(position, len(self._files) - 1)  # hold the last frame
        path = self._files[position % len(self._files)]
        self._index += 1
        try:
            return read_image(path)
        except UnreadableImage as error:
            raise CameraUnavailable(str(error)) from error

    def preview(self) -> Frame:
        """Return the next frame, resized like a preview stream."""
        with self._lock:
            if self.fps > 0:
                wait = self._last + 1.0 / self.fps - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            self._last = time.monotonic()
            self._current = self._next()
            return Frame(_resize_to_fit(self._current, self.preview_size), self._last, self.name)

    def rewind(self) -> None:
        """Start the replay again from its first frame (a new page is coming)."""
        with self._lock:
            self._index = 0
            if self._video is not None:
                self._video.set(cv2.CAP_PROP_POS_FRAMES, 0)

    def still(self) -> Frame:
        """Return the last frame shown, at its full resolution."""
        with self._lock:
            if self._current is None:
                self._current = self._next()
            return Frame(self._current, time.monotonic(), self.name)

    def close(self) -> None:
        """Forget the replay position."""
        with self._lock:
            if self._video is not None:
                self._video.release()
                self._video = None
            self._current = None


class SaneScanner:
    """A flatbed scanner through SANE's ``scanimage``: no live picture, exact DPI."""

    live = False

    def __init__(self, device: str | None = None, dpi: int = 300, timeout: float = 120) -> None:
        self.device = device
        self.dpi = dpi
        self.timeout = timeout
        self.name = f"sane:{device or 'default'}"

    @staticmethod
    def available() -> bool:
        """Tell whether scanimage is installed (a scanner may still be absent)."""
        return shutil.which("scanimage") is not None

    def open(self) -> None:
        """Check that scanimage exists."""
        if not self.available():
            raise ScannerUnavailable("scanimage is not installed (Debian package sane-utils)")

    def preview(self) -> Frame:
        """A flatbed scanner has no live picture."""
        raise NoPreview("a flatbed scanner has no live picture")

    def still(self) -> Frame:
        """Scan the glass at the configured resolution, in colour."""
        command = ["scanimage", "--format=png", f"--resolution={self.dpi}", "--mode=Color"]
        if self.device:
            command.append(f"--device-name={self.device}")
        try:
            result = subprocess.run(command, capture_output=True, timeout=self.timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ScannerUnavailable(f"scanimage failed: {error}") from error
        if result.returncode != 0 or not result.stdout:
            reason = result.stderr.decode(errors="replace").strip().splitlines()
            raise ScannerUnavailable(reason[-1] if reason else "scanimage failed")
        image = cv2.imdecode(np.frombuffer(result.stdout, dtype=np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ScannerUnavailable("scanimage returned no image")
        return Frame(np.asarray(image, dtype=np.uint8), time.monotonic(), self.name, dpi=self.dpi)

    def rewind(self) -> None:
        """Nothing to do: the device shows whatever lies under it now."""

    def close(self) -> None:
        """Nothing to release."""


def open_source(
    spec: str,
    preview_size: tuple[int, int] = (1280, 720),
    still_size: tuple[int, int] | None = None,
    replay_fps: float = 15,
) -> FrameSource:
    """Build a frame source from a setting such as ``v4l2:/dev/video0``.

    Forms: ``v4l2:DEVICE`` (path or index), ``replay:PATH`` (folder or video),
    ``sane`` or ``sane:DEVICE``, and ``demo`` (the bundled demo frames).
    """
    kind, _, argument = spec.partition(":")
    if kind == "v4l2":
        return OpenCVCamera(argument or 0, preview_size, still_size)
    if kind == "replay":
        return ReplaySource(Path(argument), preview_size, replay_fps)
    if kind == "demo":
        # The demo plays once per page asked for — an empty desk, a page slid
        # in, then held still — and starts again for the next page.
        return ReplaySource(DEMO_FRAMES, preview_size, replay_fps, loop=False)
    if kind == "sane":
        return SaneScanner(argument or None)
    raise ValueError(f"unknown frame source {spec!r} (v4l2:, replay:, sane, demo)")
