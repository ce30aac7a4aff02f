"""The camera service's reading thread and a new page asked for (`kiosk.camera`)."""

from __future__ import annotations

import threading
import time

from kiosk.camera import CameraService
from scanning.sources import DEMO_FRAMES, read_image
from scanning.types import Frame, QualitySettings

#: The demo's last frame holds a page still; its first shows the empty desk.
PAGE = read_image(DEMO_FRAMES / "frame-16.jpg")
DESK = read_image(DEMO_FRAMES / "frame-01.jpg")


class GatedSource:
    """A camera showing a page until rewound, then the empty desk; one read can be held.

    The hardware edge only: while `hold` is set, the next `preview` waits
    for `release`, as a slow camera would, after signalling `holding`.
    """

    name = "gated"
    live = True

    def __init__(self) -> None:
        self.picture = PAGE
        self.hold = threading.Event()
        self.holding = threading.Event()
        self.release = threading.Event()

    def open(self) -> None:
        """Nothing to acquire."""

    def preview(self) -> Frame:
        picture = self.picture  # what the sensor saw when the read began
        if self.hold.is_set():
            self.hold.clear()
            self.holding.set()
            self.release.wait(10)
        time.sleep(0.01)
        return Frame(picture, time.monotonic(), self.name)

    def still(self) -> Frame:
        return Frame(self.picture, time.monotonic(), self.name)

    def rewind(self) -> None:
        self.picture = DESK

    def close(self) -> None:
        """Nothing to release."""


def test_a_picture_read_before_a_new_page_was_asked_for_is_not_shown() -> None:
    source = GatedSource()
    camera = CameraService(lambda: source, QualitySettings(), stable_frames=3)
    try:
        shown = camera.latest(after=0, timeout=10)
        while shown is None or shown.guidance is None or not shown.guidance.ready:
            shown = camera.latest(after=shown.sequence if shown else 0, timeout=10)
        # The thread starts reading the page; meanwhile the next page is asked
        # for and the page taken away. The picture of the page, read before,
        # must not come back as the new page's first picture.
        source.hold.set()
        assert source.holding.wait(10)
        camera.new_document()
        source.release.set()
        after = shown.sequence
        first = camera.latest(after=after, timeout=10)
        while first is not None and not first.jpeg and not first.error:
            first = camera.latest(after=first.sequence, timeout=10)
        assert first is not None and first.guidance is not None
        assert first.guidance.quad is None
        assert not first.guidance.ready
    finally:
        camera.stop()
