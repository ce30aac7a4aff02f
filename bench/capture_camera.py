"""Where the capture corpus's camera sees a page: corners in space, and their picture.

A webcam's pinhole camera (`Webcam`) has its lens axis through the frame's
centre and the field of view drawn for the scene: a page placed off the axis
is seen from the side. Corpus version 4 drew the page as the camera sees it
on the axis, then scaled and slid that picture across the frame (`Slid`),
which no webcam does — a lens shifted off its sensor's centre; it is kept to
draw again the scenes tests were written on (``camera="slid"``).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from bench import capture_scenes as sc


def turned(page_mm: Sequence[float], tilt: float, tilt_dir: float, roll: float) -> np.ndarray:
    """The page's corners (TL, TR, BR, BL) in space, turned by roll then tilt, centred on 0.

    In units of the page's long side; x right, y down, z away from the camera.
    """
    pw, ph = np.asarray(page_mm, float) / max(page_mm)
    pts = np.c_[sc.corners(1, 1) * [pw, ph], np.zeros(4)]
    r, d = np.deg2rad(roll), np.deg2rad(tilt_dir)
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    rt, _ = cv2.Rodrigues(np.array([np.cos(d), np.sin(d), 0.0]) * np.deg2rad(tilt))
    return np.asarray(pts @ rz.T @ rt.T)


def on_axis(
    page_mm: Sequence[float], tilt: float, tilt_dir: float, roll: float, hfov: float, aspect: float
) -> np.ndarray:
    """Corners of the page seen on the lens axis by a pinhole camera, centred, height 1."""
    pts = turned(page_mm, tilt, tilt_dir, roll)
    f = 1 / (2 * np.tan(np.deg2rad(hfov) / 2))  # focal length in frame widths
    ph = np.asarray(page_mm, float)[1] / max(page_mm)
    pts[:, 2] += f * ph * aspect / 0.7  # the distance at which the page fills ~70 % of the height
    uv = f * pts[:, :2] / pts[:, 2:]
    return (uv - uv.mean(axis=0)) / np.ptp(uv[:, 1])


class Webcam:
    """A page in front of the camera: its turned corners, its depth and sideways shift.

    The camera is a webcam's pinhole: its axis through the frame's centre, its
    focal length the field of view's. A page placed off the axis is seen from
    the side, as a real camera sees it — not as the on-axis picture slid
    across the frame, which would be a lens shifted off its sensor's centre.
    """

    def __init__(self, points: np.ndarray, hfov: float, width: int, height: int) -> None:
        self.points = points
        self.focal = width / (2 * np.tan(np.deg2rad(hfov) / 2))
        self.centre = np.array([width / 2, height / 2])
        self.depth, self.shift = 1.0, np.zeros(2)

    def seen(self, shift: np.ndarray | None = None) -> np.ndarray:
        """The corners in the frame (pixels), with the page moved sideways by `shift` if given."""
        moved = self.points.copy()
        moved[:, :2] += self.shift if shift is None else shift
        moved[:, 2] += self.depth
        return np.asarray(self.focal * moved[:, :2] / moved[:, 2:] + self.centre)

    def sideways(self, pixels: np.ndarray) -> np.ndarray:
        """The sideways shift that moves the page about `pixels` across the frame."""
        return np.asarray(self.shift + pixels * self.depth / self.focal)

    def fit(self, target: np.ndarray) -> np.ndarray:
        """Put the page where `target` (the on-axis picture, scaled and slid) is.

        The depth gives the target's height, as seen on the axis; the page
        then moves sideways until the centre of its bounding box is the target's.
        """
        nearest = float(-self.points[:, 2].min()) + 1e-3
        low, high = nearest, 1e4
        self.shift = np.zeros(2)
        for _ in range(60):  # the picture's height shrinks with the depth
            self.depth = (low + high) / 2
            farther = np.ptp(self.seen()[:, 1]) > np.ptp(target[:, 1])
            low, high = (self.depth, high) if farther else (low, self.depth)
        middle = (target.min(axis=0) + target.max(axis=0)) / 2
        for _ in range(20):
            quad = self.seen()
            self.shift = self.sideways(middle - (quad.min(axis=0) + quad.max(axis=0)) / 2)
        return self.seen()

    def within(self, low: float, high: np.ndarray) -> np.ndarray:
        """Move the page sideways until its corners lie between `low` and `high` (if it fits)."""
        for _ in range(20):
            quad = self.seen()
            under, over = low - quad.min(axis=0), quad.max(axis=0) - high
            move = np.where(under > 0, under, 0.0) - np.where(over > 0, over, 0.0)
            if not np.any(move) or np.any((under > 0) & (over > 0)):
                break
            self.shift = self.sideways(move * 1.01)
        return self.seen()


class Slid:
    """The page as corpus version 4 placed it: the on-axis picture, scaled and slid.

    That is a lens shifted off its sensor's centre, no webcam; kept to draw
    again the scenes tests were written on (the ``camera="slid"`` override).
    """

    def __init__(self) -> None:
        self.quad = np.zeros((4, 2))

    def fit(self, target: np.ndarray) -> np.ndarray:
        """Put the page's picture at `target`."""
        self.quad = target
        return target

    def sideways(self, pixels: np.ndarray) -> np.ndarray:
        """The shift that moves the picture `pixels` across the frame: itself."""
        return pixels

    def seen(self, shift: np.ndarray | None = None) -> np.ndarray:
        """The corners in the frame, moved by `shift` if given."""
        return self.quad if shift is None else self.quad + shift
