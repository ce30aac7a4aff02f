"""Timing and equality check of `scanning.detect.detect` against a base commit.

The base commit's `scanning` package is extracted (git archive) into a
temporary directory as `scanning_base`, its imports renamed, so both run in
one process. On N synthetic 1080p frames from the capture corpus (seeds
1, 3, 5, …: the bench's 1080p frames), each detector runs 3 times per frame,
base and ours alternated, and the fastest CPU time (time.process_time) is
kept; OpenCV is limited to one thread, as in the bench. Reports the largest
corner difference, mismatched detections, and median/p95 CPU ms::

    .venv/bin/python -m bench.detect_speed_check --count 120 --base d885ab0
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from bench.capture_corpus import render_scene

ROOT = Path(__file__).resolve().parent.parent


def base_package(commit: str, folder: Path) -> None:
    """Extract `scanning` at `commit` into folder/scanning_base."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "scanning"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    (folder / "scanning").rename(folder / "scanning_base")
    for path in (folder / "scanning_base").glob("*.py"):
        text = re.sub(r"\bfrom scanning(\.| )", r"from scanning_base\1", path.read_text())
        path.write_text(re.sub(r"\bimport scanning\b", "import scanning_base", text))


def frames(count: int, cache: Path) -> list[np.ndarray]:
    """The corpus' 1080p frames (seeds 1, 3, 5, …), cached as PNG."""
    cache.mkdir(parents=True, exist_ok=True)
    images = []
    for i in range(count):
        path = cache / f"f{i:04d}.png"
        if not path.exists():
            cv2.imwrite(str(path), render_scene(2 * i + 1, (1920, 1080))[0])
        images.append(cv2.imread(str(path)))
    return images


def main() -> None:
    """Run the comparison and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--base", default="d885ab0")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "detframes")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory() as folder:
        base_package(args.base, Path(folder))
        sys.path.append(folder)
        base = importlib.import_module("scanning_base.detect")
        ours = importlib.import_module("scanning.detect")
        images = frames(args.count, args.cache)
        times: dict[str, list[float]] = {"base": [], "ours": []}
        worst, mismatched, found = 0.0, 0, 0
        for k, image in enumerate(images):
            runs = [("base", base.detect), ("ours", ours.detect)]
            results = {}
            for name, detect in runs if k % 2 == 0 else runs[::-1]:
                best = np.inf
                for _ in range(3):
                    start = time.process_time()
                    results[name] = detect(image, None, 0.45)
                    best = min(best, time.process_time() - start)
                times[name].append(best * 1000)
            a, b = results["base"], results["ours"]
            if (a.quad is None) != (b.quad is None):
                mismatched += 1
            elif a.quad is not None:
                found += 1
                worst = max(worst, float(np.abs(np.asarray(a.quad) - np.asarray(b.quad)).max()))
    print(
        f"frames={len(images)} detected_by_both={found} mismatched={mismatched} "
        f"max_corner_diff={worst:.4f}px"
    )
    for name, values in times.items():
        print(
            f"{name}: CPU ms median {np.median(values):.2f}  p95 {np.percentile(values, 95):.2f}"
            f"  mean {np.mean(values):.2f}"
        )


if __name__ == "__main__":
    main()
