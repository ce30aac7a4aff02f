"""The capture pipeline, as a recipe: detect → rectify → enhance → quality → encode.

`scan` turns one full-resolution frame into a `ScannedPage`; `guide` looks at
one preview frame and says what the applicant should do next, for the live
picture. Each step is a pure function of its own module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scanning import detect, encode, enhance, intake, quality, rectify
from scanning.types import Detection, Frame, Mode, Problem, Quad, QualitySettings, ScannedPage

#: JPEG quality of the colour master kept for the dossier.
MASTER_QUALITY = 92


@dataclass
class Guidance:
    """What the live picture tells the applicant, and whether to capture now."""

    quad: Quad | None
    problems: list[Problem]
    still_frames: int
    ready: bool
    measures: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The one thing to say now: the first problem, "hold_still", or "ready"."""
        if self.problems:
            return self.problems[0].value
        return "ready" if self.ready else "hold_still"


def scan(
    frame: Frame,
    mode: Mode = Mode.COLOUR,
    settings: QualitySettings | None = None,
    prior: Quad | None = None,
    quality_jpeg: int = 85,
    expected_format: str | None = None,
) -> ScannedPage:
    """Turn a full-resolution frame into a flattened, cleaned, encoded page.

    Args:
        frame: the still, at the source's best resolution.
        mode: colour, grey or black and white.
        settings: quality thresholds.
        prior: the outline seen in the live picture, scaled to this frame.
        quality_jpeg: JPEG quality of the encoded page.
        expected_format: "A4", "ID-1" or "ID-3" when the kiosk knows what it asked for.
    """
    settings = settings or QualitySettings()
    intake.check_frame(frame.image)  # 8-bit BGR of a sane size, or BadFrame
    # Find the page's outline (the preview's outline helps as a candidate).
    found = detect.detect(frame.image, prior, settings.min_detection_score)
    # Flatten it to its real proportions; a flatbed scan with no visible border is the page.
    if found.quad is not None:
        flat = rectify.rectify(frame.image, found.quad, frame.dpi, expected_format)
    elif frame.dpi:
        flat = rectify.whole_image(frame.image, frame.dpi)
        found = _whole_frame(frame)
    else:
        flat = None
    # Judge it before cleaning it: cleaning hides darkness and glare.
    problems, measures = quality.assess(found, flat, settings, frame.image)
    if flat is None:
        return ScannedPage(b"", "", 0, 0, 0.0, None, mode, problems, measures)
    # Clean and encode.
    cleaned = enhance.enhance(flat.image, mode)
    data, media_type = encode.encode(cleaned, mode, quality_jpeg, flat.dpi)
    if found.quad is not None:
        measures["quad"] = np.round(found.quad, 1).tolist()
    master = encode.jpeg(flat.image, MASTER_QUALITY, flat.dpi)
    height, width = cleaned.shape[:2]
    return ScannedPage(
        data, media_type, width, height, flat.dpi, flat.format, mode, problems, measures, master
    )


def _whole_frame(frame: Frame) -> Detection:
    h, w = frame.height, frame.width
    quad = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float64)
    return Detection(quad, 1.0, w, h)


def guide(
    frame: Frame,
    tracker: detect.QuadTracker,
    settings: QualitySettings | None = None,
    stable_frames: int = 8,
) -> Guidance:
    """Look at one preview frame: outline, the problem to report, ready to capture?"""
    settings = settings or QualitySettings()
    intake.check_frame(frame.image)  # 8-bit BGR of a sane size, or BadFrame
    found = detect.detect(frame.image, tracker.quad, settings.min_detection_score)
    quad = tracker.update(found)
    shown = Detection(quad, found.score, found.width, found.height) if quad is not None else found
    flat = rectify.rectify(frame.image, quad) if quad is not None else None
    problems, measures = quality.assess(shown, flat, settings, frame.image)
    ready = not problems and tracker.still_frames >= stable_frames
    return Guidance(quad, problems, tracker.still_frames, ready, measures)
