"""Capture benchmark: our detector and quality checks against the classic approach.

On a synthetic corpus with exact ground truth (``bench.capture_corpus``):

- outline accuracy: mean IoU with the true outline (a miss counts 0) and the
  share of frames at IoU ≥ 0.9, over every frame that shows a document, over
  fully visible documents, and over the cluttered or pale desks;
- problem codes: precision, recall and F1 of each code against the labels;
- speed: milliseconds per frame at 720p and 1080p on one core (median, p95
  over frames, each frame's fastest of `TIMING_RUNS` runs), and the live
  preview's frames per second (detection, guidance, JPEG).

Outlines and problems come from the command line support staff use
(``python -m scanning detect --json``); timings are measured in-process.
Run with ``make bench`` or ``python -m bench.bench_capture``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench.capture_corpus import VERSION, generate
from bench.capture_metrics import f1, polygon_iou
from bench.classic import classic_detect
from bench.results import markers, publish
from scanning import detect, pipeline
from scanning.sources import read_image
from scanning.types import Frame

OUT = Path(__file__).parent / "out"
CODES = ("no_document", "not_fully_visible", "too_small", "too_dark", "glare", "blurry")


def corpus_folder(count: int, seed: int) -> Path:
    """Where a corpus is kept: by generator, OpenCV (it draws the frames), seed and size."""
    return OUT / f"capture-corpus-v{VERSION}-opencv{cv2.__version__}-{seed}-{count}"


def corpus(count: int, seed: int) -> tuple[Path, list[dict[str, Any]]]:
    """Generate the corpus once (kept in bench/out/), return its folder and truth."""
    folder = corpus_folder(count, seed)
    truth = folder / "truth.jsonl"
    if not truth.exists():
        generate(folder, count, seed)
    return folder, [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines()]


def ours(folder: Path, records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Run ``python -m scanning detect --json`` over the corpus."""
    paths = [str(folder / record["image"]) for record in records]
    result = subprocess.run(
        [sys.executable, "-m", "scanning", "detect", "--json", *paths],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return {Path(line["image"]).name: line for line in lines}


def classic(folder: Path, records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Run the classic approach over the corpus."""
    return {r["image"]: classic_detect(read_image(folder / r["image"])) for r in records}


def accuracy(records: list[dict[str, Any]], found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """IoU figures on several subsets of the frames that show a document."""
    subsets: dict[str, list[float]] = {"all": [], "whole": [], "cluttered or pale": []}
    for record in records:
        if record["quad"] is None:
            continue
        iou = polygon_iou(found[record["image"]]["quad"], record["quad"])
        subsets["all"].append(iou)
        if not record["labels"]["not_fully_visible"]:
            subsets["whole"].append(iou)
        if record["cluttered"] or record["background"] == "pale":
            subsets["cluttered or pale"].append(iou)
    return {
        name: {"n": len(v), "mean": float(np.mean(v)), "at_0.9": float(np.mean(np.array(v) >= 0.9))}
        for name, v in subsets.items()
    }


def problem_scores(
    records: list[dict[str, Any]], found: dict[str, dict[str, Any]], codes: tuple[str, ...]
) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 of each problem code."""
    return {
        code: f1(
            [record["labels"][code] for record in records],
            [code in found[record["image"]]["problems"] for record in records],
        )
        for code in codes
    }


#: Each frame is timed this many times and its fastest run kept: on a shared
#: machine other work only ever adds time, and the percentiles across frames
#: should tell hard frames from easy ones, not the machine's hiccups.
TIMING_RUNS = 3


def timings(
    folder: Path, records: list[dict[str, Any]], runs: int = TIMING_RUNS
) -> dict[str, dict[str, float]]:
    """Milliseconds per frame on one core, for both detectors, per resolution.

    Both detectors run once before timing starts (OpenCV builds its colour
    conversion tables on first use, as a kiosk does once at start-up). Each
    frame then runs `runs` times, the two detectors alternating, and its
    fastest run is kept.
    """
    cv2.setNumThreads(1)
    detectors = (("ours", detect.detect), ("classic", classic_detect))
    times: dict[str, list[float]] = {}
    for index, record in enumerate(records):
        image = read_image(folder / record["image"])
        if index == 0:
            for _, run in detectors:
                run(image)
        label = f"{image.shape[0]}p"
        spent: dict[str, list[float]] = {}
        for _ in range(runs):
            for name, run in detectors:
                start = time.perf_counter()
                run(image)
                spent.setdefault(name, []).append((time.perf_counter() - start) * 1000)
        for name, runs_ms in spent.items():
            times.setdefault(f"{name} {label}", []).append(min(runs_ms))
    return {
        key: {"median": float(np.median(v)), "p95": float(np.percentile(v, 95)), "n": len(v)}
        for key, v in sorted(times.items())
    }


def preview_rate(folder: Path, records: list[dict[str, Any]]) -> dict[str, float]:
    """Frames per second of the live preview step on 720p frames, on one core."""
    cv2.setNumThreads(1)
    tracker = detect.QuadTracker()
    spent = []
    for record in records:
        if record["height"] != 720:
            continue
        image = read_image(folder / record["image"])
        start = time.perf_counter()
        guidance = pipeline.guide(Frame(image), tracker)
        preview = cv2.resize(image, (960, 540), interpolation=cv2.INTER_AREA)
        cv2.imencode(".jpg", preview, [cv2.IMWRITE_JPEG_QUALITY, 70])
        spent.append(time.perf_counter() - start)
        del guidance
    median = float(np.median(spent))
    return {
        "median_ms": median * 1000,
        "p95_ms": float(np.percentile(spent, 95)) * 1000,
        "fps": 1.0 / median,
    }


#: The capture issue's targets (#3), each measured by this benchmark.
TARGET_MEAN_IOU = 0.95
TARGET_AT_0_9 = 0.9
TARGET_F1 = 0.9
TARGET_F1_CODES = ("blurry", "glare", "not_fully_visible", "no_document")
TARGET_P95_MS_1080P = 20.0
TARGET_PREVIEW_FPS = 15.0
#: The corpus is as hard as the issue's scenes: the classic approach scores under this there.
CLASSIC_CLUTTERED_BELOW = 0.5


def verdicts(results: dict[str, Any]) -> list[tuple[bool, str]]:
    """Each target of the capture issue, met or not, with the figures measured."""
    mine = results["ours"]["accuracy"]["all"]
    classic = results["classic"]["accuracy"]["cluttered or pale"]
    lines = [
        (
            mine["mean"] >= TARGET_MEAN_IOU,
            f"mean IoU ≥ {TARGET_MEAN_IOU}: {mine['mean']:.3f} over {mine['n']} frames "
            "with a document",
        ),
        (
            mine["at_0.9"] >= TARGET_AT_0_9,
            f"≥ {TARGET_AT_0_9:.0%} of those frames at IoU ≥ 0.9: {mine['at_0.9']:.1%}",
        ),
        (
            classic["mean"] < CLASSIC_CLUTTERED_BELOW,
            f"the classic approach under {CLASSIC_CLUTTERED_BELOW} on cluttered or pale desks: "
            f"{classic['mean']:.3f}",
        ),
    ]
    for code in TARGET_F1_CODES:
        score = results["ours"]["problems"][code]["f1"]
        lines.append((score >= TARGET_F1, f"F1 of `{code}` ≥ {TARGET_F1}: {score:.2f}"))
    ours, theirs = results["timings"]["ours 1080p"], results["timings"]["classic 1080p"]
    lines.append(
        (
            ours["p95"] <= TARGET_P95_MS_1080P,
            f"detection ≤ {TARGET_P95_MS_1080P:.0f} ms per 1080p frame on one core at the 95th "
            f"percentile: {ours['p95']:.1f} ms (median {ours['median']:.1f}; classic "
            f"{theirs['p95']:.1f} and {theirs['median']:.1f} in the same run)",
        )
    )
    rate = results["preview"]["fps"]
    lines.append(
        (rate >= TARGET_PREVIEW_FPS, f"preview ≥ {TARGET_PREVIEW_FPS:.0f} fps: {rate:.1f} fps")
    )
    return lines


def report(results: dict[str, Any], command: str) -> str:
    """Render the results as the Markdown section of bench/RESULTS.md."""
    lines = [
        markers("capture")[0],
        "## Document capture",
        "",
        f"Reproduce: `{command}` (corpus: {results['frames']} synthetic frames, seed "
        f"{results['seed']}, half 720p and half 1080p; {results['documents']} show a document).",
        f"Measured with {results['versions']} (`deploy/constraints.txt` holds them): OpenCV "
        "draws the corpus, and another version of it draws other frames.",
        f"Corpus version {VERSION}: pages are seen by a webcam's pinhole camera, its lens axis "
        "through the frame's centre, so a page off the axis is seen from the side (version 4 "
        "slid the on-axis picture across the frame); a frame with no document holds no other "
        "page, card or passport either, and has no `blurry` or `glare` label (both are judged on "
        "the page). The text on the clutter (a receipt's lines, a sticky note's script, key "
        "labels) is drawn with Pillow in Debian's fonts, as the documents' text is (version 5 "
        "drew it with OpenCV's Hershey fonts, which OpenCV 5.0 draws smaller and fainter than "
        "4.x: a receipt's text hardly showed).",
        "",
        "### Outline (IoU with the true outline; a miss counts 0)",
        "",
        "| frames | n | ours: mean IoU | ours: IoU ≥ 0.9 "
        "| classic: mean IoU | classic: IoU ≥ 0.9 |",
        "|---|---|---|---|---|---|",
    ]
    for name in results["ours"]["accuracy"]:
        a, c = results["ours"]["accuracy"][name], results["classic"]["accuracy"][name]
        lines.append(
            f"| {name} | {a['n']} | {a['mean']:.3f} | {a['at_0.9']:.1%} | {c['mean']:.3f} "
            f"| {c['at_0.9']:.1%} |"
        )
    lines += [
        "",
        "### Problem codes (F1; precision / recall)",
        "",
        "| code | ours | classic |",
        "|---|---|---|",
    ]
    for code in CODES:
        mine = results["ours"]["problems"][code]
        theirs = results["classic"]["problems"].get(code)
        other = (
            f"{theirs['f1']:.2f} ({theirs['precision']:.2f} / {theirs['recall']:.2f})"
            if theirs
            else "not checked"
        )
        lines.append(
            f"| `{code}` | {mine['f1']:.2f} ({mine['precision']:.2f} / {mine['recall']:.2f}) "
            f"| {other} |"
        )
    lines += [
        "",
        "### Speed (one core, milliseconds per frame)",
        "",
        f"Each frame is timed {TIMING_RUNS} times, the two detectors alternating, and its "
        "fastest run kept (other work on a shared machine only adds time); both detectors "
        "run once before timing starts.",
        "",
        "| detector | frames | median | p95 |",
        "|---|---|---|---|",
    ]
    for key, value in results["timings"].items():
        lines.append(f"| {key} | {value['n']} | {value['median']:.1f} | {value['p95']:.1f} |")
    rate = results["preview"]
    lines += [
        "",
        f"Live preview step on 720p frames (detection, guidance, 960 px JPEG): median "
        f"{rate['median_ms']:.1f} ms, p95 {rate['p95_ms']:.1f} ms, i.e. {rate['fps']:.1f} "
        "frames per second.",
        "",
        "### Targets",
        "",
    ]
    lines += [f"- **{'MET' if met else 'NOT MET'}**: {text}." for met, text in verdicts(results)]
    lines.append(markers("capture")[1])
    return "\n".join(lines)


def library_versions() -> str:
    """The versions the figures depend on: Python, and the libraries that draw and read frames."""
    from PIL import __version__ as pillow

    python = ".".join(map(str, sys.version_info[:3]))
    return f"Python {python}, OpenCV {cv2.__version__}, NumPy {np.__version__}, Pillow {pillow}"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the capture benchmark and update bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help="print, do not update RESULTS.md")
    args = parser.parse_args(argv)
    folder, records = corpus(args.count, args.seed)
    mine, theirs = ours(folder, records), classic(folder, records)
    results = {
        "frames": len(records),
        "seed": args.seed,
        "documents": sum(1 for r in records if r["quad"] is not None),
        "ours": {
            "accuracy": accuracy(records, mine),
            "problems": problem_scores(records, mine, CODES),
        },
        "classic": {
            "accuracy": accuracy(records, theirs),
            "problems": problem_scores(
                records, theirs, ("no_document", "not_fully_visible", "blurry")
            ),
        },
        "timings": timings(folder, records),
        "preview": preview_rate(folder, records),
        "versions": library_versions(),
    }
    command = f"python -m bench.bench_capture --count {args.count} --seed {args.seed}"
    publish("capture", report(results, command), write=not args.no_write)
    return results


if __name__ == "__main__":
    main()
