"""The kiosk's camera: one frame source, read in the background while a screen watches.

A thread reads preview frames, asks `scanning.pipeline.guide` what to tell
the applicant, and keeps the latest picture (JPEG) with its guidance. The
capture screen polls `latest()`; when nobody has asked for a while the
thread stops and the device is released. A missing or unplugged camera is
reported as an error the screen can show, and reopened on the next try.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from flask import Flask, current_app

from scanning import detect, pipeline
from scanning.errors import NoPreview, ScanningError
from scanning.sources import FrameSource, open_source
from scanning.types import Frame, Mode, QualitySettings, ScannedPage

log = logging.getLogger("guichet.camera")

#: Stop reading the camera when no screen asked for a picture for this long.
IDLE_STOP_SECONDS = 10.0
#: Width of the pictures sent to the screen.
PREVIEW_WIDTH = 960


@dataclass
class LiveFrame:
    """The latest picture and what it says."""

    sequence: int
    jpeg: bytes
    width: int
    height: int
    guidance: pipeline.Guidance | None
    error: str | None = None
    fps: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def quad_fractions(self) -> list[list[float]] | None:
        """The outline as fractions of the picture's width and height."""
        if self.guidance is None or self.guidance.quad is None:
            return None
        quad = np.asarray(self.guidance.quad) / np.array([self.width, self.height])
        corners: list[list[float]] = np.round(quad, 4).tolist()
        return corners


class CameraService:
    """Owns the frame source; safe to call from several request threads."""

    def __init__(
        self,
        make_source: Callable[[], FrameSource],
        settings: QualitySettings,
        stable_frames: int,
    ) -> None:
        self.make_source = make_source
        self.settings = settings
        self.stable_frames = stable_frames
        self.source: FrameSource | None = None
        self.tracker = detect.QuadTracker()
        self._condition = threading.Condition()
        self._latest: LiveFrame | None = None
        self._thread: threading.Thread | None = None
        self._last_request = 0.0
        self._device_lock = threading.Lock()
        self._stop = threading.Event()
        #: Counts the pages asked for (`new_document`): a picture read for an
        #: earlier one is stale.
        self._page = 0

    @property
    def live(self) -> bool:
        """Whether the source has a live picture (a flatbed scanner has none)."""
        source = self.source or self.make_source()
        return bool(source.live)

    # --- the reading thread ---------------------------------------------------

    def _ensure_running(self) -> None:
        self._last_request = time.monotonic()
        with self._condition:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="guichet-camera", daemon=True)
            self._thread.start()

    def _publish(self, frame: LiveFrame, page: int) -> bool:
        """Show a picture read for `page`; False (not shown) if a new page was asked for since."""
        with self._condition:
            if page != self._page:
                return False
            self._latest = frame
            self._condition.notify_all()
            return True

    def _open(self) -> FrameSource:
        with self._device_lock:
            if self.source is None:
                source = self.make_source()
                source.open()
                self.source = source
            return self.source

    def _release(self) -> None:
        with self._device_lock:
            if self.source is not None:
                self.source.close()
                self.source = None

    def _run(self) -> None:
        sequence = self._latest.sequence if self._latest else 0
        started = time.monotonic()
        shown = 0
        while not self._stop.is_set():
            if time.monotonic() - self._last_request > IDLE_STOP_SECONDS:
                break
            try:
                source = self._open()
                with self._device_lock:
                    page = self._page
                    frame = source.preview()
                    guidance = pipeline.guide(
                        frame, self.tracker, self.settings, self.stable_frames
                    )
            except NoPreview:
                break
            except ScanningError as error:
                log.warning("camera: %s", error)
                self._release()
                sequence += 1
                self._publish(LiveFrame(sequence, b"", 0, 0, None, error=str(error)), self._page)
                self._stop.wait(2.0)
                continue
            sequence += 1
            shown += 1
            fps = shown / max(time.monotonic() - started, 1e-3)
            if not self._publish(self._encode(sequence, frame, guidance, fps), page):
                # Read before a new page was asked for: the tracker followed
                # the last page's outline, and must not offer it as a prior.
                self.tracker.reset()
        self._release()

    @staticmethod
    def _encode(sequence: int, frame: Frame, guidance: pipeline.Guidance, fps: float) -> LiveFrame:
        image = frame.image
        if image.shape[1] > PREVIEW_WIDTH:
            scale = PREVIEW_WIDTH / image.shape[1]
            size = (PREVIEW_WIDTH, round(image.shape[0] * scale))
            image = np.asarray(
                cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8
            )
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 70])
        return LiveFrame(
            sequence, data.tobytes() if ok else b"", frame.width, frame.height, guidance, fps=fps
        )

    # --- what the screens call --------------------------------------------------

    def latest(self, after: int = 0, timeout: float = 1.0) -> LiveFrame | None:
        """Wait (up to `timeout`) for a picture newer than `after`, and return it."""
        self._ensure_running()
        deadline = time.monotonic() + timeout
        with self._condition:
            while (
                self._latest is None
                or self._latest.sequence <= after
                or (not self._latest.jpeg and not self._latest.error)
            ):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._condition.wait(remaining)
            return self._latest

    def new_document(self) -> None:
        """Forget the previous outline and picture: a new page is about to be placed.

        Without this, the screen's first request could get the last page's
        "ready" picture and capture again at once. A picture the reading
        thread took before this call is not shown when it comes.
        """
        with self._condition:
            self._page += 1
            self.tracker.reset()
            if self.source is not None:  # not opened yet: nothing shown to forget
                self.source.rewind()
            if self._latest is not None:
                self._latest = LiveFrame(self._latest.sequence, b"", 0, 0, None)

    def capture(self, mode: Mode, expected_format: str | None) -> ScannedPage:
        """Take a still at full resolution and run the whole pipeline on it."""
        source = self._open()
        with self._device_lock:
            preview_quad = self.tracker.quad
            latest = self._latest
            frame = source.still()
        prior = None
        if preview_quad is not None and latest is not None and latest.width:
            # The outline seen in the preview, scaled to the still, helps detection.
            prior = np.asarray(preview_quad) * (frame.width / latest.width)
        page = pipeline.scan(frame, mode, self.settings, prior, expected_format=expected_format)
        self.tracker.reset()
        return page

    def stop(self) -> None:
        """Stop the reading thread and release the device."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        self._release()


def init_app(app: Flask) -> None:
    """Create the camera service from the CAMERA settings."""
    config = app.config
    settings = QualitySettings(
        max_glare_fraction=config["GLARE_MAX_FRACTION"],
        min_area_fraction=config["DOCUMENT_MIN_AREA_FRACTION"],
        max_edge_width=config["BLUR_MAX_EDGE_WIDTH"],
    )

    def make_source() -> FrameSource:
        return open_source(
            config["CAMERA"],
            preview_size=(config["CAMERA_PREVIEW_WIDTH"], config["CAMERA_PREVIEW_HEIGHT"]),
            replay_fps=config["CAMERA_REPLAY_FPS"],
        )

    app.extensions["guichet.camera"] = CameraService(
        make_source, settings, config["AUTO_CAPTURE_FRAMES"]
    )


def get_camera() -> CameraService:
    """Return the app's camera service."""
    camera: CameraService = current_app.extensions["guichet.camera"]
    return camera
