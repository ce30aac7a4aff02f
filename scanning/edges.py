"""The working copy of a frame and the edge maps every detection cue reads.

Detection works on a small copy (long side ~400 px): enough to see a page's
edges, small enough to stay within a few milliseconds per cue. The maps hold
Lab colours and, per pixel, the gradient of the Lab channel that changes most,
so that a white sheet on a beige desk — which differs more in colour than in
brightness — still has edges.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from scanning.types import Image

#: Long side of the working copy, in pixels (reached with a whole-number factor).
WORK_LONG_SIDE = 400
#: A lightness step of this many levels (0–255) counts as an edge: white paper
#: on a light grey desk differs by little more.
EDGE_STEP = 5
#: Scharr's response to a step of h levels, once the step is smoothed by the
#: working copy's down-sampling and the 5×5 blur: about 11·h (measured).
SCHARR_GAIN = 11.0
#: Edge thresholds are steps in levels of a well-exposed frame, whose bright
#: parts (paper) reach at least this level. A dim frame is brought up to it
#: first — contrasts scale with the light, as an exposure would — by at most
#: `MAX_GAIN`, beyond which noise would pass for edges.
EXPOSED_LEVEL = 180.0
MAX_GAIN = 6.0
#: Chroma channels count 1.6 times lightness when picking the strongest gradient.
_CHANNEL_WEIGHTS = np.array([5, 8, 8], dtype=np.int32)


@dataclass(frozen=True)
class EdgeMaps:
    """What the detection cues and scorers read from the working copy."""

    lab: NDArray[np.float32]
    gx: NDArray[np.float32]
    gy: NDArray[np.float32]
    edges: NDArray[np.uint8]
    width: int
    height: int

    # Read at many points by every cue: one gather of a whole pixel (a 12-byte
    # Lab triple) is faster than a fancy index over rows; a bit-for-bit copy.
    @functools.cached_property
    def lab_pixels(self) -> NDArray[np.void]:
        """The Lab map as one 12-byte item per pixel (view with `.view(np.float32)`)."""
        lab = np.ascontiguousarray(self.lab, dtype=np.float32).reshape(-1, 3)
        return np.asarray(lab.view(np.dtype((np.void, 12))).ravel())


def working_copy(image: Image) -> tuple[Image, float]:
    """Shrink a frame for detection; return it and its scale (work / full)."""
    # A whole-number factor keeps OpenCV's area resampling on its fast path.
    factor = max(1, int(np.ceil(max(image.shape[:2]) / WORK_LONG_SIDE - 0.05)))
    if factor == 1:
        return image, 1.0
    size = (image.shape[1] // factor, image.shape[0] // factor)
    crop = image[: size[1] * factor, : size[0] * factor]
    if factor % 2:
        # An odd factor centres each block on a pixel: the box filter's value
        # there is the block's mean, rounded as area resampling rounds it (the
        # same picture), and faster than the resampler's generic path (1080p).
        # Nearest-exact resampling picks each block's centre pixel.
        blurred = cv2.blur(crop, (factor, factor))
        work = cv2.resize(blurred, size, interpolation=cv2.INTER_NEAREST_EXACT)
    else:
        work = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    return np.asarray(work, dtype=np.uint8), 1.0 / factor


def exposure_gain(image: Image) -> float:
    """The gain that brings a dim frame's bright parts to `EXPOSED_LEVEL` (1 if exposed)."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    histogram = np.cumsum(cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel())
    level = float(np.searchsorted(histogram, 0.95 * histogram[-1]))  # the 95th percentile
    return float(np.clip(EXPOSED_LEVEL / max(level, 1.0), 1.0, MAX_GAIN))


def edge_maps(work: Image) -> EdgeMaps:
    """Lab colours, the strongest channel's gradient, and thin edges (Canny)."""
    exposure = exposure_gain(work)
    if exposure > 1.0:
        work = np.asarray(cv2.convertScaleAbs(work, alpha=exposure), dtype=np.uint8)
    lab8 = cv2.cvtColor(cv2.GaussianBlur(work, (5, 5), 0), cv2.COLOR_BGR2LAB)
    gx_all = cv2.Scharr(lab8, cv2.CV_16S, 1, 0)
    gy_all = cv2.Scharr(lab8, cv2.CV_16S, 0, 1)
    gx16, gy16, gain = _strongest_channel(gx_all, gy_all)
    high = SCHARR_GAIN * EDGE_STEP * 2
    edges = cv2.Canny(gx16, gy16, high * 0.4, high, L2gradient=True)
    return EdgeMaps(
        lab8.astype(np.float32),
        np.asarray(gx16 * gain, dtype=np.float32),
        np.asarray(gy16 * gain, dtype=np.float32),
        np.asarray(edges, dtype=np.uint8),
        work.shape[1],
        work.shape[0],
    )


def _strongest_channel(
    gx_all: NDArray[np.integer[Any] | np.floating[Any]],
    gy_all: NDArray[np.integer[Any] | np.floating[Any]],
) -> tuple[
    NDArray[np.integer[Any] | np.floating[Any]],
    NDArray[np.integer[Any] | np.floating[Any]],
    NDArray[np.float64],
]:
    """Per pixel, the gradient of the channel whose weighted |gx| + |gy| is largest, and its gain.

    Ties go to the first channel, as `argmax` would. Worked on whole planes
    rather than along a 3-long last axis, where numpy's reductions and
    `take_along_axis` are several times slower.

    An edge's polarity is that channel's: across white paper on a cream desk
    lightness rises where yellowness falls, and where the two are about as
    strong they take turns along the side, whose polarity then flips. Turning
    a chroma gradient to agree with lightness wherever lightness is at least
    half as strong scored such a page as one on a grey desk, but chose worse
    on the five corpora (IoU sum −1.79, 6 frames better and 9 worse).
    """
    gxs, gys = cv2.split(gx_all), cv2.split(gy_all)
    strength = [
        cv2.add(np.abs(gx), np.abs(gy), dtype=cv2.CV_32S) * int(weight)
        for gx, gy, weight in zip(gxs, gys, _CHANNEL_WEIGHTS, strict=True)
    ]
    one = strength[1] > strength[0]
    two = strength[2] > np.maximum(strength[1], strength[0])
    # Channel 0, overwritten where channel 1 is stronger, then where channel 2
    # is (OpenCV's masked copy: numpy's `copyto(where=)` is several times slower).
    gx16, gy16 = gxs[0], gys[0]
    for better, channel in ((one, 1), (two, 2)):
        mask = better.view(np.uint8)
        cv2.copyTo(gxs[channel], mask, gx16)
        cv2.copyTo(gys[channel], mask, gy16)
    # `np.take` reads the same table entries as indexing it, faster.
    gain = np.take(_CHANNEL_WEIGHTS / 5.0, np.where(two, np.uint8(2), one.view(np.uint8)))
    return gx16, gy16, gain


def sample(values: NDArray[np.float32], points: NDArray[np.float64]) -> NDArray[np.float32]:
    """Read a map at many points (nearest pixel, clamped to the map)."""
    h, w = values.shape[:2]
    x = np.clip(np.rint(points[..., 0]).astype(np.intp), 0, w - 1)
    y = np.clip(np.rint(points[..., 1]).astype(np.intp), 0, h - 1)
    return np.asarray(values[y, x], dtype=np.float32)
