"""What the dossier benchmark measures: resolutions, conditions, outputs, targets, records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench.results import markers
from forms.dossier.documents import PageImage

ROOT = Path(__file__).resolve().parent.parent
START, END = markers("dossier")

RESOLUTIONS = {"720p": (1280, 720), "1080p": (1920, 1080), "4k": (3840, 2160)}
BACKGROUNDS = ("dark", "wood", "fabric")
#: Good conditions: a sharp, whole, well-lit page alone on the desk. The scene's own JPEG
#: round trip is set to the camera's quality, so the camera JPEG is one q90 compression.
GOOD = dict(
    blur="sharp", glare=False, partial=False, dark=False, small=False, distractors=0,
    finger=False, shadow=False, jpeg_quality=90,
)  # fmt: skip
CAMERA_QUALITY = 90  # what a webcam's MJPG still looks like
MIN_IOU = 0.95  # detection counts as right at this overlap with the true outline
MAX_DOCUMENT_BYTES = 2_000_000  # per document, the limit reported for the portal
OUTPUTS = ("ours", "img2pdf", "Pillow")
REFERENCES = OUTPUTS[1:]

# Targets (issue 4; capture.md §5 and §7).
TARGET_BYTES_RATIO = 0.5  # at most half the references' bytes, at equal or better CER
TARGET_4K_GREY_BYTES = 300_000  # per A4 page, grey, 4K camera
TARGET_DOSSIER_SECONDS = 5.0  # 10 documents, 20 pages, from 1080p captures
DOSSIER_PROCEDURE = "etudiant_renouvellement"
#: The smallest answers under which this procedure asks for exactly 10 documents.
DOSSIER_ANSWERS = {"hebergement": "heberge", "niveau_etudes": "doctorat"}
DOSSIER_PAGES_PER_DOCUMENT = 2
READABLE_CER = 0.1  # a page OCR reads with at most 1 error in 10 characters


@dataclass
class Output:
    """One PDF made from one camera frame."""

    pdf: bytes
    seconds: float  # producing it from the camera JPEG, one core
    pages: int = 1
    cer: float | None = None
    read_chars: int | None = None  # how much text OCR found, normalised

    @property
    def bytes_per_page(self) -> float:
        """The file's size over its page count."""
        return len(self.pdf) / self.pages


@dataclass
class Sample:
    """One camera frame and the three PDFs made from it."""

    resolution: str
    seed: int
    kind: str
    background: str
    truth_text: str
    camera_jpeg: bytes
    iou: float = 0.0
    dpi: float = 0.0
    page_format: str | None = None  # the format our flattening snapped to
    page: PageImage | None = None  # our page, as the dossier takes it
    outputs: dict[str, Output] = field(default_factory=dict)
    error: str = ""

    @property
    def matched(self) -> bool:
        """Our detection found the true outline, and our PDF was made."""
        return self.iou >= MIN_IOU and "ours" in self.outputs
