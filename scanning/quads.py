"""Stacks of candidate quads (N, 4, 2): their areas, clockwise order, and plausibility.

Every cue works on hundreds of quads a frame at once; these are the shapes'
own properties, before any evidence is read from the picture.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scanning import geometry

_NEXT = geometry.NEXT_CORNER


def areas(quads: NDArray[np.float64]) -> NDArray[np.float64]:
    """Areas of a stack of quads (N, 4, 2)."""
    x, y = quads[..., 0], quads[..., 1]
    return np.asarray(
        0.5 * np.abs(np.sum(x * y[:, _NEXT] - y * x[:, _NEXT], axis=1)),
        dtype=np.float64,
    )


def order_many(quads: NDArray[np.float64]) -> NDArray[np.float64]:
    """`geometry.order_clockwise` for a stack of quads of shape (N, 4, 2)."""
    centre = geometry.corner_means(quads)
    angles = np.arctan2(quads[..., 1] - centre[:, 1:], quads[..., 0] - centre[:, :1])
    # Flat indices of the corners in clockwise order; the corners themselves
    # are gathered once, in their final order (from the top-left one).
    order = np.argsort(angles, axis=1) + (4 * np.arange(len(quads)))[:, None]
    flat = quads.reshape(-1, 2)
    start = np.argmin((flat[:, 0] + flat[:, 1])[order], axis=1)
    clockwise = np.take_along_axis(order, (geometry.CORNERS + start[:, None]) % 4, axis=1)
    return np.asarray(flat[clockwise])


def plausible(
    quads: NDArray[np.float64], width: int, height: int, min_area: float
) -> NDArray[np.bool_]:
    """Which ordered quads could be a document seen by the camera (shape, size, place)."""
    finite = np.all(np.isfinite(quads), axis=(1, 2))
    quads = np.where(finite[:, None, None], quads, 0.0)
    edges = quads[:, _NEXT] - quads
    following = edges[:, _NEXT]
    cross = edges[..., 0] * following[..., 1] - edges[..., 1] * following[..., 0]
    # `np.linalg.norm(edges, axis=2)`: the same sum of two squares, without its overhead.
    lengths = np.sqrt(edges[..., 0] * edges[..., 0] + edges[..., 1] * edges[..., 1])
    cosines = -np.einsum("nij,nij->ni", edges, following) / (lengths * lengths[:, _NEXT] + 1e-12)
    angles = np.degrees(np.arccos(np.clip(cosines, -1, 1)))
    inside = (
        (quads[..., 0] > -0.35 * width)
        & (quads[..., 0] < 1.35 * width)
        & (quads[..., 1] > -0.35 * height)
        & (quads[..., 1] < 1.35 * height)
    )
    return np.asarray(
        finite
        & np.all(cross > 0, axis=1)
        & np.all((angles > 35) & (angles < 145), axis=1)
        & np.all(inside, axis=1)
        & (lengths.min(axis=1) > 0.06 * max(width, height))
        & (areas(quads) >= min_area),
        dtype=np.bool_,
    )
