"""Clean a flattened page: colour, grey, or black and white, without shadows.

Uneven light and shadows are removed by dividing the page by an estimate of
its background (the paper alone, text closed away at a small scale): what
remains is the ink, on evenly white paper (capture.md §0.3).
"""

from __future__ import annotations

import cv2
import numpy as np

from scanning.types import Image, Mode

#: Paper ends up at this level after the background division.
PAPER_LEVEL = 245.0


def background(channel: Image) -> np.ndarray:
    """Estimate the paper's brightness everywhere, text removed.

    Works on a copy about 1/8 of the size: a morphological closing removes
    dark strokes thinner than the kernel, a median smooths what is left.
    """
    height, width = channel.shape[:2]
    small_size = (max(8, width // 8), max(8, height // 8))
    small = cv2.resize(channel, small_size, interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    smooth = cv2.medianBlur(closed, 5)
    resized = cv2.resize(smooth, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.asarray(resized, dtype=np.float32)


def _divide(channel: Image) -> Image:
    paper = np.maximum(background(channel), 1.0)
    flat = channel.astype(np.float32) / paper * PAPER_LEVEL
    return np.asarray(np.clip(flat, 0, 255), dtype=np.uint8)


def grey_world(image: Image) -> Image:
    """Balance colours so that the average is neutral grey."""
    means = image.reshape(-1, 3).mean(axis=0) + 1e-6
    gains = means.mean() / means
    return np.asarray(np.clip(image.astype(np.float32) * gains, 0, 255), dtype=np.uint8)


def enhance(page: Image, mode: Mode) -> Image:
    """Return the cleaned page: BGR for colour, single channel for grey and bw."""
    if mode is Mode.COLOUR:
        balanced = grey_world(page)
        return np.dstack([_divide(balanced[..., c]) for c in range(3)])
    grey = np.asarray(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    flat = _divide(grey)
    if mode is Mode.GREY:
        return flat
    # Black and white: a local threshold on the evened-out page; the block
    # covers a few text lines so thin strokes survive.
    block = max(15, (min(flat.shape[:2]) // 40) | 1)
    return np.asarray(
        cv2.adaptiveThreshold(
            flat, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 15
        ),
        dtype=np.uint8,
    )
