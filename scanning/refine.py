"""Refine the chosen outline at full resolution: each side onto the edge across it.

Candidates are found and scored on a small working copy (`scanning.edges`),
where a pixel spans five of a 1080p frame. The chosen outline is then moved,
side by side, onto the strongest colour change across it in the frame
itself, to a fraction of a pixel (`scanning.detect` runs a wide pass, then a
narrow one).
"""

from __future__ import annotations

import cv2
import numpy as np

from scanning import geometry
from scanning.types import Image, Quad


def refine(image: Image, quad: Quad, radius: float) -> Quad:
    """Move each side onto the strongest edge across it, at full resolution.

    Samples short profiles across every side, finds where the colour changes
    most (with sub-pixel precision), fits a line through those points robustly
    and intersects neighbouring lines. A side without a clear edge (occluded,
    out of frame) keeps its position.
    """
    height, width = image.shape[:2]
    quad = geometry.order_clockwise(quad)
    steps = np.arange(-radius, radius + 1.0)
    t = np.linspace(0.06, 0.94, 32)
    lines = []
    for side in range(4):
        start, end = quad[side], quad[(side + 1) % 4]
        direction = (end - start) / (np.linalg.norm(end - start) + 1e-12)
        normal = np.array([-direction[1], direction[0]])
        centres = start[None, :] + (end - start)[None, :] * t[:, None]
        keep = (
            (centres[:, 0] > radius)
            & (centres[:, 0] < width - radius)
            & (centres[:, 1] > radius)
            & (centres[:, 1] < height - radius)
        )
        original = geometry.line_through(start, end)
        if keep.sum() < 8:
            lines.append(original)
            continue
        centres = centres[keep]
        probes = centres[:, None, :] + normal[None, None, :] * steps[None, :, None]
        profiles = cv2.remap(
            image,
            probes[..., 0].astype(np.float32),
            probes[..., 1].astype(np.float32),
            cv2.INTER_LINEAR,
        ).astype(np.float32)
        change = np.abs(np.diff(profiles, axis=1)).sum(axis=2)  # (n, 2r)
        # A peak at either end of the profile is read from a parabola through
        # the next place in and its neighbours, which keeps it within half a
        # pixel of that place. Taking the end's own place moved 16 corpus
        # outlines closer (most from about 0.97 to 0.999) and 3 away, one onto
        # a farther edge (seed 0 frame 343, 0.92 → 0.38): IoU sum +0.05 on the
        # five corpora, kept as is.
        peak = np.clip(np.argmax(change, axis=1), 1, change.shape[1] - 2)
        rows = np.arange(len(peak))
        left, mid, right = change[rows, peak - 1], change[rows, peak], change[rows, peak + 1]
        position = steps[0] + peak + 0.5 + geometry.parabola_peak(left, mid, right)
        strong = mid > 3 * 12  # a step of ~12 levels summed over the 3 channels
        if strong.sum() < 8:
            lines.append(original)
            continue
        edge_points = centres[strong] + normal[None, :] * position[strong, None]
        vx, vy, x0, y0 = cv2.fitLine(edge_points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01)
        lines.append(
            geometry.line_through(
                np.array([float(x0[0]), float(y0[0])]),
                np.array([float(x0[0] + vx[0]), float(y0[0] + vy[0])]),
            )
        )
    refined = geometry.quad_from_lines(lines)
    if refined is None or not geometry.is_convex(refined) or geometry.iou(refined, quad) < 0.9:
        return quad
    return geometry.order_clockwise(refined)
