"""Dossier benchmark: our document PDFs against what a user would otherwise get.

For synthetic A4 pages (letters, tables, forms; ``bench.capture_corpus``) photographed at
720p, 1080p and 4K in good conditions, three ways to turn the camera's JPEG into a PDF,
side by side in the same run:

- **ours**: the real pipeline, ``scanning.pipeline.scan`` in grey for an expected A4 page
  (detection, flattening, cleaning), then ``forms.dossier.documents.document_pdf``;
- **img2pdf**: the camera JPEG embedded as it is (``img2pdf.convert``);
- **Pillow**: ``Image.open(jpeg).save(buffer, "PDF")`` with its defaults (it re-encodes).

Measured per output: bytes per page, readability (character error rate of Tesseract against
the printed text, ``bench.ocr``) and pages per second on one core; then the time
``forms.dossier.build_dossier`` takes for 10 documents of 2 pages from 1080p captures.
Run with ``python -m bench.bench_dossier``; the section of ``bench/RESULTS.md`` between the
``dossier`` markers is rewritten.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import cv2
import img2pdf
import numpy as np
from PIL import Image as PILImage
from pypdf import PdfReader

from bench.capture_corpus import render_scene
from bench.capture_documents import A4_KINDS
from bench.dossier_report import report
from bench.dossier_setup import (
    BACKGROUNDS,
    CAMERA_QUALITY,
    DOSSIER_ANSWERS,
    DOSSIER_PAGES_PER_DOCUMENT,
    DOSSIER_PROCEDURE,
    END,
    GOOD,
    MAX_DOCUMENT_BYTES,
    MIN_IOU,
    OUTPUTS,
    READABLE_CER,
    RESOLUTIONS,
    ROOT,
    START,
    Output,
    Sample,
)
from bench.ocr import cer, normalise, pdf_ocr
from bench.results import publish
from forms import flow
from forms.display import load_translator
from forms.dossier import build_dossier
from forms.dossier.documents import PageImage, document_pdf
from forms.errors import DocumentTooLarge
from forms.loader import load_procedures
from scanning import geometry, pipeline
from scanning.types import Frame, Mode

__all__ = ["END", "OUTPUTS", "START", "main"]


def scene(resolution: str, seed: int, index: int) -> tuple[bytes, dict[str, Any]]:
    """Render frame ``index`` of a resolution and encode it as the camera's JPEG."""
    kind = A4_KINDS[index % len(A4_KINDS)]
    # Every kind meets every background within 9 frames.
    background = BACKGROUNDS[(index + index // len(A4_KINDS)) % len(BACKGROUNDS)]
    frame, truth = render_scene(
        seed * 1000 + index, RESOLUTIONS[resolution], document=kind, background=background, **GOOD
    )
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, CAMERA_QUALITY])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return jpeg.tobytes(), truth


def ours(jpeg: bytes) -> tuple[bytes, Any]:
    """The kiosk's path: decode, scan in grey for A4, one-page document PDF."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    page = pipeline.scan(Frame(np.asarray(image, np.uint8)), Mode.GREY, expected_format="A4")
    if not page.master:
        return b"", page
    data, _ = document_pdf(
        [PageImage(page.master, 0, page.dpi, "A4", Mode.GREY)], "Test", MAX_DOCUMENT_BYTES
    )
    return data, page


def with_img2pdf(jpeg: bytes) -> bytes:
    """The camera JPEG embedded unchanged."""
    data: bytes = img2pdf.convert(jpeg)
    return data


def with_pillow(jpeg: bytes) -> bytes:
    """Pillow's PDF writer with its defaults (it encodes the picture again as JPEG)."""
    buffer = io.BytesIO()
    PILImage.open(io.BytesIO(jpeg)).save(buffer, "PDF")
    return buffer.getvalue()


def _timed(run: Callable[[bytes], Any], jpeg: bytes) -> tuple[Any, float]:
    start = time.perf_counter()
    result = run(jpeg)
    return result, time.perf_counter() - start


def page_count(pdf: bytes) -> int:
    """How many pages a PDF has."""
    return len(PdfReader(io.BytesIO(pdf)).pages)


def produce(resolution: str, count: int, seed: int) -> list[Sample]:
    """Render ``count`` frames at one resolution and make the three PDFs of each, timed."""
    samples = []
    for index in range(count):
        jpeg, truth = scene(resolution, seed, index)
        sample = Sample(
            resolution,
            truth["seed"],
            truth["document"],
            truth["background"],
            " ".join(truth["text"]),
            jpeg,
        )
        try:
            (data, page), seconds = _timed(ours, jpeg)
        except (DocumentTooLarge, ValueError) as error:
            sample.error = f"{type(error).__name__}: {error}"
        else:
            quad = page.measures.get("quad")
            if quad is not None:
                sample.iou = geometry.iou(np.asarray(quad, float), np.asarray(truth["quad"]))
            if data:
                sample.outputs["ours"] = Output(data, seconds, page_count(data))
                sample.dpi = page.dpi
                sample.page_format = page.format
                sample.page = PageImage(page.master, 0, page.dpi, "A4", Mode.GREY)
            else:
                sample.error = "no page found"
        for name, run in (("img2pdf", with_img2pdf), ("Pillow", with_pillow)):
            data, seconds = _timed(run, jpeg)
            sample.outputs[name] = Output(data, seconds, page_count(data))
        samples.append(sample)
    return samples


def read_back(samples: list[Sample], jobs: int) -> None:
    """OCR every PDF of the frames our detection got right and set its CER."""
    work = [
        (output, sample.truth_text)
        for sample in samples
        if sample.matched
        for output in sample.outputs.values()
    ]

    def one(item: tuple[Output, str]) -> None:
        output, truth = item
        text = pdf_ocr(output.pdf, "images")
        output.cer = cer(text, truth)
        output.read_chars = len(normalise(text))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(one, work))


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def summarise(samples: list[Sample]) -> dict[str, Any]:
    """Medians per output for one resolution: bytes/page and CER on matched frames, speed on all."""
    matched = [s for s in samples if s.matched]
    outputs = {}
    for name in OUTPUTS:
        kept = [s.outputs[name] for s in matched]
        timed = [s.outputs[name].seconds for s in samples if name in s.outputs]
        cers = [o.cer for o in kept if o.cer is not None]
        seconds = _median(timed)
        outputs[name] = {
            "bytes": _median([o.bytes_per_page for o in kept]),
            "max_bytes": max((o.bytes_per_page for o in kept), default=None),
            "cer": _median(cers),
            "readable": sum(c <= READABLE_CER for c in cers),
            "read_nothing": sum(o.read_chars == 0 for o in kept),
            "pages_per_s": 1.0 / seconds if seconds else None,
            "timed": len(timed),
        }
    return {
        "frames": len(samples),
        "matched": len(matched),
        "unmatched": [
            {"seed": s.seed, "kind": s.kind, "iou": round(s.iou, 3), "error": s.error}
            for s in samples
            if not s.matched
        ],
        "dpi": _median([s.dpi for s in matched]),
        "formats": dict(Counter(str(s.page_format) for s in matched).most_common()),
        "truth_chars": _median([len(normalise(s.truth_text)) for s in matched]),
        "outputs": outputs,
    }


def dossier_pages(samples: list[Sample], seed: int) -> tuple[list[PageImage], int]:
    """Our pages from 1080p captures (the run's, or captured now), and how many are distinct."""
    pages = [s.page for s in samples if s.resolution == "1080p" and s.matched and s.page]
    index = 0
    while len(pages) < 2 and index < 6:  # this run measured no 1080p frame: capture two
        jpeg, truth = scene("1080p", seed, index)
        _, page = ours(jpeg)
        quad = page.measures.get("quad")
        if (
            page.master
            and quad is not None
            and geometry.iou(np.asarray(quad, float), np.asarray(truth["quad"])) >= MIN_IOU
        ):
            pages.append(PageImage(page.master, 0, page.dpi, "A4", Mode.GREY))
        index += 1
    if not pages:
        raise RuntimeError("no 1080p page could be captured for the dossier")
    return pages, len(pages)


def dossier_timing(pages: list[PageImage], repeat: int) -> dict[str, Any]:
    """Time ``build_dossier`` for 10 documents of 2 pages each, ``repeat`` times."""
    procedure = load_procedures()[DOSSIER_PROCEDURE]
    translator = load_translator(ROOT / "translations", "fr")
    documents = flow.required_documents(procedure, DOSSIER_ANSWERS)
    pages_by_document = {}
    for number, document in enumerate(documents):
        first = number * DOSSIER_PAGES_PER_DOCUMENT
        pages_by_document[document.id] = [
            pages[(first + k) % len(pages)] for k in range(DOSSIER_PAGES_PER_DOCUMENT)
        ]
    times: list[float] = []
    dossier = None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        dossier = build_dossier(
            procedure,
            dict(DOSSIER_ANSWERS),
            pages_by_document,
            translator,
            "BENCH-0001",
            MAX_DOCUMENT_BYTES,
            today=dt.date(2025, 1, 15),
        )
        times.append(time.perf_counter() - start)
    assert dossier is not None
    scans = [f for f in dossier.files if f.name[:2].isdigit() and f.name[:2] not in ("00", "99")]
    return {
        "documents": len(scans),
        "pages": sum(len(p) for p in pages_by_document.values()),
        "too_large": len(dossier.too_large),
        "document_bytes": sum(len(f.data) for f in scans),
        "archive_bytes": len(dossier.archive),
        "seconds": times,
        "median": float(statistics.median(times)),
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the dossier benchmark, print its section and update bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=8, help="frames per resolution")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--resolutions",
        default=",".join(RESOLUTIONS),
        help=f"comma-separated, among {', '.join(RESOLUTIONS)}",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed builds of the dossier")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="OCR processes")
    parser.add_argument("--no-write", action="store_true", help="print, do not update RESULTS.md")
    args = parser.parse_args(argv)
    labels = [label.strip().lower() for label in args.resolutions.split(",") if label.strip()]
    unknown = sorted(set(labels) - set(RESOLUTIONS))
    if unknown or not labels:
        parser.error(f"unknown resolutions {unknown}; choose among {', '.join(RESOLUTIONS)}")
    if args.count < 1:
        parser.error("--count must be at least 1")
    cv2.setNumThreads(1)
    # Timings first, alone on the machine; OCR afterwards, in parallel.
    samples = [s for label in labels for s in produce(label, args.count, args.seed)]
    pages, sources = dossier_pages(samples, args.seed)
    dossier = dossier_timing(pages, args.repeat)
    read_back(samples, args.jobs)
    results = {
        "count": args.count,
        "seed": args.seed,
        "resolutions": {
            label: summarise([s for s in samples if s.resolution == label]) for label in labels
        },
        "dossier": dossier,
        "dossier_sources": sources,
    }
    command = "python -m bench.bench_dossier"
    if args.count != 8:
        command += f" --count {args.count}"
    if args.seed != 0:
        command += f" --seed {args.seed}"
    if labels != list(RESOLUTIONS):
        command += f" --resolutions {','.join(labels)}"
    if args.repeat != 3:
        command += f" --repeat {args.repeat}"
    publish("dossier", report(results, command), write=not args.no_write)
    return results


if __name__ == "__main__":
    main()
