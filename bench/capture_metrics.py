"""Metrics for the capture benchmark: quad IoU, F1 of a boolean check, percentiles."""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np


def _convex(quad: Sequence[Sequence[float]] | np.ndarray | None) -> np.ndarray | None:
    if quad is None:
        return None
    pts = np.asarray(quad, np.float32).reshape(-1, 2)
    if len(pts) < 3 or not np.all(np.isfinite(pts)):
        return None
    # A detector may return a self-intersecting or concave quad; its hull is what it claims.
    hull = cv2.convexHull(pts)
    return hull if cv2.contourArea(hull) > 1e-6 else None


def polygon_iou(
    a: Sequence[Sequence[float]] | np.ndarray | None,
    b: Sequence[Sequence[float]] | np.ndarray | None,
) -> float:
    """Intersection over union of two convex quadrilaterals (frame pixels).

    Args:
        a: 4 [x, y] corners, or None.
        b: 4 [x, y] corners, or None.

    Returns:
        IoU in [0, 1]; 0.0 when either is None or degenerate (zero area, non-finite).
    """
    pa, pb = _convex(a), _convex(b)
    if pa is None or pb is None:
        return 0.0
    inter, _ = cv2.intersectConvexConvex(pa, pb)
    inter = max(float(inter), 0.0)
    union = float(cv2.contourArea(pa)) + float(cv2.contourArea(pb)) - inter
    return inter / union if union > 0 else 0.0


def f1(truth: Sequence[bool | None], predicted: Sequence[bool]) -> dict[str, float | int]:
    """Precision, recall and F1 of a boolean check, skipping items whose truth is None.

    Args:
        truth: expected flags; None marks an item not to be scored.
        predicted: raised flags, same length.

    Returns:
        ``{"precision", "recall", "f1", "support"}`` where support is the number of scored items
        whose truth is True. A ratio with a zero denominator is 0.0.
    """
    if len(truth) != len(predicted):
        raise ValueError("truth and predicted differ in length")
    tp = fp = fn = 0
    for t, p in zip(truth, predicted, strict=True):
        if t is None:
            continue
        tp += bool(t and p)
        fp += bool(p and not t)
        fn += bool(t and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": score, "support": tp + fn}


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100, linear interpolation) of ``values``; NaN when empty."""
    return float(np.percentile(np.asarray(values, float), q)) if len(values) else math.nan
