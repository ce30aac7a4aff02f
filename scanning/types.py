"""The data that flows through the capture pipeline.

frame source → `Frame` → detect → `Detection` → rectify → `FlatPage` →
enhance → quality → `ScannedPage` (image bytes + problems + measures).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]
Quad = NDArray[np.float64]


class Problem(StrEnum):
    """Why a capture is not good enough, in the order guidance reports them."""

    NO_DOCUMENT = "no_document"
    NOT_FULLY_VISIBLE = "not_fully_visible"
    TOO_SMALL = "too_small"
    TOO_DARK = "too_dark"
    GLARE = "glare"
    BLURRY = "blurry"


class Mode(StrEnum):
    """How the flattened page is cleaned up."""

    COLOUR = "colour"
    GREY = "grey"
    BW = "bw"


@dataclass(frozen=True)
class Frame:
    """One image from a frame source (BGR, 8 bits per channel)."""

    image: Image
    timestamp: float = 0.0
    source: str = ""
    dpi: float | None = None  # known only for a flatbed scanner

    @property
    def width(self) -> int:
        """Width in pixels."""
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        """Height in pixels."""
        return int(self.image.shape[0])


@dataclass(frozen=True)
class Detection:
    """The document outline found in a frame, if any, and how sure we are."""

    quad: Quad | None  # 4 corners, clockwise from top-left, in frame pixels
    score: float
    width: int
    height: int
    candidates: int = 0

    @property
    def found(self) -> bool:
        """Tell whether a document outline was found."""
        return self.quad is not None


@dataclass(frozen=True)
class FlatPage:
    """A page flattened to its real proportions."""

    image: Image
    format: str | None  # "A4", "ID-1", "ID-3"… when the proportions match one
    dpi: float  # effective resolution: pixels per inch of the real document
    source_long_side: float  # long side of the page in the original frame, in pixels


@dataclass(frozen=True)
class QualitySettings:
    """Thresholds of the quality checks, with where each figure comes from.

    Sources: ../shared/docs/capture.md §2 and §4 (glare under 2–5 % of the
    page; document covering 60–90 % of the frame is ideal, blur judged on the
    flattened page at a fixed size).
    """

    #: Long side, in pixels, of the flattened page on which blur is judged.
    blur_reference_px: int = 800
    #: Edge width (pixels, at the reference size) above which text is blurry.
    #: A step edge blurred by a gaussian of σ has width σ·√(2π) ≈ 2.5σ; text
    #: becomes hard to read from σ ≈ 1.5 px at this size, i.e. a width near 3.8,
    #: while a sharp capture (σ ≤ 0.5, plus the pixels themselves) stays near 2.3.
    max_edge_width: float = 3.5
    #: Share of the page covered by specular highlights that counts as glare.
    max_glare_fraction: float = 0.02
    #: Smallest share of the frame the document may cover.
    min_area_fraction: float = 0.12
    #: Paper brighter than this (0–255) is lit well enough.
    min_paper_level: int = 80
    #: Outline score under which we say there is no document.
    min_detection_score: float = 0.45


@dataclass
class ScannedPage:
    """A captured page: encoded image, what is wrong with it, and the measures."""

    image: bytes
    media_type: str
    width: int
    height: int
    dpi: float
    format: str | None
    mode: Mode
    problems: list[Problem] = field(default_factory=list)
    measures: dict[str, Any] = field(default_factory=dict)
    #: The flattened page in colour before cleaning (JPEG, high quality), kept
    #: so that the dossier can re-encode it in another mode or size.
    master: bytes = b""
