"""Failure analysis of the outline detector on the capture corpus.

For every frame that shows a document, runs `scanning.detect.detect` with its
candidate list and its pre-refinement outline recorded, and sorts each miss
(IoU < 0.9) by cause:

- ``no_candidate``: no candidate quad comes near the truth (the part of it in
  the frame, IoU ≥ 0.85 after mapping to frame pixels);
- ``rejected``: a good candidate exists but nothing was returned;
- ``outscored``: a good candidate exists but another was chosen;
- ``imprecise``: the chosen candidate was near the truth but the refined or
  completed outline is not (corners, completion of a cut page).

Then tallies causes by scene kind. Usage::

    python -m bench.capture_failures --count 200 --seed 0 [--show 20]
"""

from __future__ import annotations

import argparse
import importlib
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench.bench_capture import corpus
from bench.capture_metrics import polygon_iou
from scanning import detect as det
from scanning.sources import read_image

GOOD = 0.85


def _clip_to_frame(quad: np.ndarray, width: int, height: int) -> np.ndarray:
    frame = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    _, polygon = cv2.intersectConvexConvex(np.float32(quad), frame)
    return polygon.reshape(-1, 2) if polygon is not None else np.float32(quad)


def analyse(image: np.ndarray, truth: np.ndarray) -> dict[str, Any]:
    """Run the detector with its internals recorded; compare them with the truth."""
    height, width = image.shape[:2]
    seen: dict[str, Any] = {}
    choose, refine = det.choose, det.refine

    def spy_choose(quads: Any, scores: Any, weakest: Any, min_score: float) -> int:
        if "quads" not in seen:
            seen["quads"], seen["scores"] = quads.copy(), scores.copy()
        index = choose(quads, scores, weakest, min_score)
        seen.setdefault("chosen", index)
        seen["last"] = index
        return index

    def spy_refine(img: Any, quad: Any, radius: float, **more: Any) -> Any:
        seen.setdefault("before", np.array(quad))
        return refine(img, quad, radius, **more)

    det.choose, det.refine = spy_choose, spy_refine  # type: ignore[assignment]
    try:
        found = det.detect(image)
    finally:
        det.choose, det.refine = choose, refine  # type: ignore[assignment]
    visible = _clip_to_frame(truth, width, height)
    final = polygon_iou(found.quad, truth)
    out: dict[str, Any] = {"iou": final, "found": found.quad is not None, "score": found.score}
    if "quads" not in seen:
        out.update(best_iou=0.0, rank=None, chosen_iou=0.0, before_iou=0.0)
        return out
    scale = det.working_copy(image)[1]
    work_size = (int(width * scale), int(height * scale))
    cands = [det.to_frame(q, scale, work_size, (width, height)) for q in seen["quads"]]
    ious = np.array([polygon_iou(q, visible) for q in cands])
    order = np.argsort(-seen["scores"])
    best = int(np.argmax(ious))
    out["best_iou"] = float(ious[best])
    out["rank"] = int(np.flatnonzero(order == best)[0])
    out["n"] = len(cands)
    out["chosen_iou"] = float(ious[seen["last"]]) if found.quad is not None else 0.0
    out["before_iou"] = polygon_iou(seen.get("before"), truth) if "before" in seen else 0.0
    out["best_score"] = float(seen["scores"][best])
    out["chosen_score"] = float(seen["scores"][seen["last"]])
    return out


def cause(result: dict[str, Any]) -> str:
    """The cause of a miss, or "ok"."""
    if result["iou"] >= 0.9:
        return "ok"
    if result["best_iou"] < GOOD:
        return "no_candidate"
    if not result["found"]:
        return "rejected"
    if result["chosen_iou"] < GOOD:
        return "outscored"
    return "imprecise"


def kinds(record: dict[str, Any]) -> list[str]:
    """The scene kinds a frame belongs to."""
    plan = record["params"]["plan"]
    out = [f"bg={record['background']}", f"doc={record['document']}"]
    if record["cluttered"]:
        out.append("cluttered")
    for flag in ("partial", "small", "glare", "dark", "finger", "shadow"):
        if plan.get(flag):
            out.append(flag)
    if plan["blur"] != "sharp":
        out.append("blur")
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=0, help="list this many misses")
    parser.add_argument("--save", type=Path, help="write per-frame results (JSON lines)")
    parser.add_argument(
        "--set", action="append", default=[], help="override a constant: scanning.lines.KEEP=64"
    )
    args = parser.parse_args(argv)
    for assignment in args.set:
        name, value = assignment.split("=")
        module, constant = name.rsplit(".", 1)
        owner = importlib.import_module(module)
        setattr(owner, constant, type(getattr(owner, constant))(value))
    folder, records = corpus(args.count, args.seed)
    cv2.setNumThreads(1)
    results = []
    for record in records:
        if record["quad"] is None:
            continue
        image = read_image(folder / record["image"])
        result = analyse(image, np.asarray(record["quad"], dtype=np.float64))
        result.update(image=record["image"], cause=cause(result), kinds=kinds(record))
        results.append(result)
    causes = Counter(r["cause"] for r in results)
    mean = np.mean([r["iou"] for r in results])
    print(f"{len(results)} frames with a document; mean IoU {mean:.3f}")
    print("causes:", dict(causes))
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        for kind in r["kinds"]:
            table[kind][r["cause"]] += 1
            table[kind]["n"] += 1
    names = ("n", "ok", "no_candidate", "rejected", "outscored", "imprecise")
    print(f"{'kind':22s}" + "".join(f"{n:>13s}" for n in names))
    for kind in sorted(table):
        print(f"{kind:22s}" + "".join(f"{table[kind][n]:13d}" for n in names))
    misses = sorted((r for r in results if r["cause"] != "ok"), key=lambda r: r["iou"])
    for r in misses[: args.show]:
        print(
            f"{r['image']} {r['cause']:12s} iou={r['iou']:.2f} best={r['best_iou']:.2f} "
            f"rank={r['rank']} chosen={r['chosen_iou']:.2f} before={r['before_iou']:.2f} "
            f"score={r.get('chosen_score', 0):.2f}/{r.get('best_score', 0):.2f} "
            f"{' '.join(r['kinds'])}"
        )
    if args.save:
        with args.save.open("w", encoding="utf-8") as fh:
            for r in results:
                fh.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
