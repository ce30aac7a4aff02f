"""The working copy and the edge maps: fast paths that must give what the plain ones give.

Detection shrinks every frame and picks, per pixel, the Lab channel whose
gradient is strongest. Both run on every preview frame and were rewritten
for speed; these tests hold them to the straightforward computation, on real
rendered frames and on random gradients.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bench.capture_corpus import render_scene
from scanning.edges import _CHANNEL_WEIGHTS, _strongest_channel, working_copy


@pytest.mark.parametrize("resolution", [(1920, 1080), (1280, 720), (3840, 2160)])
@pytest.mark.parametrize("seed", [3, 11])
def test_the_working_copy_is_the_area_resampled_frame(
    resolution: tuple[int, int], seed: int
) -> None:
    """1080p shrinks by 5 (an odd factor, the box-filter path), 720p by 4, 4k by 10."""
    frame, _ = render_scene(seed, resolution, background="cluttered")
    work, scale = working_copy(frame)
    factor = round(1 / scale)
    size = (frame.shape[1] // factor, frame.shape[0] // factor)
    crop = frame[: size[1] * factor, : size[0] * factor]
    expected = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    assert work.shape == expected.shape and work.flags["C_CONTIGUOUS"]
    assert np.array_equal(work, expected)


def test_a_block_mean_rounds_as_area_resampling_does() -> None:
    """Blocks whose mean lies just below or just above half a level (x.48 and x.52)."""
    rng = np.random.default_rng(5)
    frame = rng.integers(0, 256, size=(1080, 1920, 3), dtype=np.uint8)
    frame[:, :, 0] = 100
    frame[::5, ::5, 0] = 112  # a block sums to 2512: mean 100.48, level 100
    frame[::10, ::10, 0] = 113  # every other block 2513: mean 100.52, level 101
    work, _ = working_copy(frame)
    assert set(np.unique(work[:, :, 0])) == {100, 101}
    assert np.array_equal(work, cv2.resize(frame, (384, 216), interpolation=cv2.INTER_AREA))


def test_the_strongest_channel_is_the_weighted_argmax() -> None:
    """Per pixel, the channel with the largest weighted |gx| + |gy|, the first of equals."""
    rng = np.random.default_rng(1)
    gx = rng.integers(-300, 300, size=(60, 80, 3)).astype(np.int16)
    gy = rng.integers(-300, 300, size=(60, 80, 3)).astype(np.int16)
    # Ties: equal weighted strengths in channels 1 and 2 (equal weights) on a band.
    gx[:10, :, 2], gy[:10, :, 2] = gx[:10, :, 1], gy[:10, :, 1]
    strength = (np.abs(gx.astype(np.int32)) + np.abs(gy)) * _CHANNEL_WEIGHTS
    channel = np.argmax(strength, axis=2)[..., None]
    got_x, got_y, gain = _strongest_channel(gx.copy(), gy.copy())
    assert np.array_equal(got_x, np.take_along_axis(gx, channel, axis=2)[..., 0])
    assert np.array_equal(got_y, np.take_along_axis(gy, channel, axis=2)[..., 0])
    assert np.array_equal(gain, (_CHANNEL_WEIGHTS / 5.0)[channel[..., 0]])
