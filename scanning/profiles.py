"""Edge evidence read once along whole lines, kept as running sums.

Any segment of a line — a quad's side between two crossings — is then scored
from two rows of the table, whatever its length: this is what lets the line
candidates (`scanning.lines`, `scanning.three_sides`) score thousands of
quads per frame.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scanning.edges import EdgeMaps
from scanning.outline import EXTENSION, evidence, side_scores

Lines = NDArray[np.float64]  # (n, 3): a·x + b·y + c = 0, (a, b) the unit gradient direction

#: Spacing (working-copy pixels) of the evidence read along each line.
PROFILE_STEP = 2.0


class LineProfiles:
    """Edge evidence sampled once along whole lines, as cumulative sums."""

    def __init__(self, lines: Lines, maps: EdgeMaps) -> None:
        self.lines = lines
        normal = lines[:, :2]
        self.direction = np.stack([-normal[:, 1], normal[:, 0]], axis=1)
        self.origin = -lines[:, 2:3] * normal
        corners = np.array([[0, 0], [maps.width, 0], [maps.width, maps.height], [0, maps.height]])
        along = corners[None, :, :] - self.origin[:, None, :]
        t = np.einsum("lcj,lj->lc", along, self.direction)
        self.t0 = t.min(axis=1) - 1.0
        length = int(np.ceil((t.max(axis=1) - self.t0).max() / PROFILE_STEP)) + 2
        steps = np.arange(length, dtype=np.float64) * PROFILE_STEP
        points = (
            self.origin[:, None, :]
            + (self.t0[:, None, None] + steps[None, :, None]) * self.direction[:, None, :]
        )
        normals = np.broadcast_to(normal[:, None, :], points.shape)
        # Hough lines are placed to ±1 pixel: three probes across are enough.
        seen = evidence(points, normals, maps, np.array([-1.0, 0.0, 1.0]))

        # One table of running sums, a row per point of every line: columns
        # visible, supported, flips, contrast with the inside along ±normal.
        # float32 holds these counts and sums exactly enough.
        values = np.stack(
            [
                seen.visible,
                seen.supported,
                seen.flips,
                seen.contrast_plus * seen.visible,
                seen.contrast_minus * seen.visible,
            ],
            axis=-1,
        ).astype(np.float32)
        total = np.cumsum(values, axis=1, dtype=np.float32)
        total = np.concatenate([np.zeros((len(lines), 1, 5), np.float32), total], axis=1)
        self.running = total.reshape(-1, 5)
        self.length = length

    def _at(self, row: NDArray[np.intp], t: NDArray[np.floating]) -> NDArray[np.intp]:
        """Row in the running sums of position `t` (profile steps) on lines starting at `row`."""
        return np.asarray(row + np.clip(np.rint(t), 0, self.length).astype(np.intp))

    def _sums(
        self, row: NDArray[np.intp], low: NDArray[np.floating], high: NDArray[np.floating]
    ) -> NDArray[np.float32]:
        """Running-sum totals between positions `low` ≤ `high` on lines starting at `row`."""
        return np.asarray(self.running[self._at(row, high)] - self.running[self._at(row, low)])

    def _trimmed(
        self, row: NDArray[np.intp], low: NDArray[np.floating], high: NDArray[np.floating]
    ) -> tuple[NDArray[np.float32], NDArray[np.intp]]:
        """Totals between `low` ≤ `high`, the corners' surroundings left out, and their points.

        The count is of the segment's points, those past the profile's ends
        (out of the picture) too: `outline.side_scores` takes the share of
        them in view.
        """
        trim = 0.04 * (high - low)
        start = self._at(row, low + trim)
        stop = np.maximum(self._at(row, high - trim), start)
        whole = np.maximum(np.rint(high - trim) - np.rint(low + trim), 0).astype(np.intp)
        return np.asarray(self.running[stop] - self.running[start]), np.maximum(stop - start, whole)

    def segments(
        self, line: NDArray[np.intp], start: NDArray[np.float64], end: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Sums over segments of lines between points (…, 2), and their numbers of points.

        The columns are those of the running sums; the segments' ends are
        trimmed as in `table`.
        """
        ts = []
        for point in (start, end):
            along = np.einsum("...j,...j->...", point - self.origin[line], self.direction[line])
            ts.append(np.clip((along - self.t0[line]) / PROFILE_STEP, -1e6, 1e6))
        sums, count = self._trimmed(line * (self.length + 1), np.minimum(*ts), np.maximum(*ts))
        return sums.astype(np.float64), count.astype(np.float64)

    def table(
        self, first: NDArray[np.intp], last: NDArray[np.intp]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
        """Scores of every line's segment between its crossings with each pair of lines.

        Entry [l, k] scores the part of line l between its crossings with
        lines first[k] and last[k], with the inside along +normal, then along
        −normal, and whether it could be judged. A quad's side is one such
        segment, bounded by the other pair of the quad's lines: the table is
        read by all quads at once, each segment worked out only once.
        """
        n = len(self.lines)
        crossings = np.cross(self.lines[:, None, :], self.lines[None, :, :])
        with np.errstate(divide="ignore", invalid="ignore"):
            points = crossings[..., :2] / crossings[..., 2:3]
        along = np.einsum("laj,lj->la", points - self.origin[:, None, :], self.direction)
        # Parallel lines never meet: such segments are out of reach, never judged.
        along = np.nan_to_num((along - self.t0[:, None]) / PROFILE_STEP, nan=-1e6, posinf=1e6)
        along = np.clip(along, -1e6, 1e6)
        along = along.astype(np.float32)
        tp, tq = along[:, first], along[:, last]
        low, high = np.minimum(tp, tq), np.maximum(tp, tq)
        span = high - low
        # Row of each line's first point in the table of running sums.
        row = (np.arange(n) * (self.length + 1))[:, None]
        on32, count = self._trimmed(row, low, high)
        on = on32.astype(np.float64)
        # The same line past both corners (see `outline.continuation`).
        near, far = EXTENSION
        past = self._sums(row, low - far * span, low - near * span)[..., :2]
        past += self._sums(row, high + near * span, high + far * span)[..., :2]
        samples = np.maximum(count, 1).astype(np.float64)
        continued = (past[..., 1] / np.maximum(past[..., 0], 1.0)).astype(np.float64)
        # Both insides at once: the contrasts are stacked on a first axis.
        contrast = np.moveaxis(on[..., 3:], -1, 0)
        scores, judged = side_scores(
            on[..., 0], on[..., 1], on[..., 2], contrast, samples, continued
        )
        return scores[0], scores[1], judged


def orientation(lines: Lines) -> NDArray[np.float64]:
    """Orientation of each line modulo π, in radians."""
    return np.asarray(np.arctan2(lines[:, 1], lines[:, 0]) % np.pi, dtype=np.float64)


def angle_gap(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Angle between orientations (radians, modulo π), in [0, π/2]."""
    gap = np.abs(a - b) % np.pi
    return np.asarray(np.minimum(gap, np.pi - gap), dtype=np.float64)
