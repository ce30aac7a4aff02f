"""Is an outline's interior one sheet of paper? Tells a page from a page and its desk.

An outline made of two objects' edges — a page's three sides and a plank's
seam, a card and the desk up to the frame's border — holds print (the
page's) and is supported on every side, so the scores and the print check
pass it. What gives it away is its inside: part of it is paper and part is
desk. A document is one sheet: print, a photo or a coloured band cover some
of it, but most of it shows the same paper.

The interior is cut into cells, and each cell's paper is read from its
lighter samples (print is darker than the paper it is on). Two cells show
different surfaces when their hues differ clearly (wood, blue tiles or a
sticky note beside white paper), or when one is under a third as light as
the other (a black keyboard beside a page): a shadow or a glare spot changes
the paper's lightness by less than that, and its hue hardly at all. The
paper is what most cells show. A page lying on a desk of its own colour
(white on white) cannot be told from it this way, and passes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scanning import geometry
from scanning.edges import EdgeMaps, sample
from scanning.types import Quad

#: Cells along each side of the outline, and samples along each side of a cell.
GRID = 6
PER_CELL = 5
#: Share of the outline left out along its sides: the edges themselves are not read.
INSET = 0.08
#: Two cells show different surfaces when their colours are this far apart
#: in hue and saturation (Lab a, b; OpenCV's 8-bit scale, about ΔE):
#: paper tints, a grey photo or glare on tinted paper differ by about half as much.
OTHER_HUE = 20.0
#: … or when one is darker than this share of the other's lightness.
DARK_SHARE = 1.0 / 3.0
#: An outline shows one sheet when at most this share of its cells (those wholly
#: in the picture) show something else than its paper.
MAX_OTHER = 1.0 / 3.0
#: Fewer cells in view than this cannot be judged, and pass.
MIN_CELLS = 4

_STEPS = INSET + (1.0 - 2.0 * INSET) * (np.arange(GRID * PER_CELL) + 0.5) / (GRID * PER_CELL)
_ACROSS, _DOWN = (grid[..., None] for grid in np.meshgrid(_STEPS, _STEPS))


def cell_papers(quad: Quad, maps: EdgeMaps) -> NDArray[np.float64]:
    """The paper's Lab colour in each cell of the outline wholly in the picture, (cells, 3).

    Each cell's paper is the median of the lighter half of its samples. Cells
    are laid out between the sides (bilinearly, not in perspective: they need
    not be equal, only cover the interior).
    """
    points = geometry.spread_over(quad, _ACROSS, _DOWN)  # (count, count, 2)
    visible = (
        (points[..., 0] >= 0)
        & (points[..., 0] <= maps.width - 1)
        & (points[..., 1] >= 0)
        & (points[..., 1] <= maps.height - 1)
    )
    lab = sample(maps.lab, points).astype(np.float64)

    # (rows, cols, rows within a cell, cols within a cell) → (cells, samples in a cell)
    def by_cell(values: NDArray[np.generic]) -> NDArray[np.generic]:
        shaped = values.reshape(GRID, PER_CELL, GRID, PER_CELL, *values.shape[2:])
        return shaped.swapaxes(1, 2).reshape(GRID * GRID, PER_CELL * PER_CELL, *values.shape[2:])

    cells = by_cell(lab)[by_cell(visible).all(axis=1)]
    half = (PER_CELL * PER_CELL) // 2
    lighter = np.take_along_axis(cells, np.argsort(cells[..., 0], axis=1)[:, half:, None], axis=1)
    # The median of an odd count, by partition (numpy's median is slower on small arrays).
    middle = (lighter.shape[1] - 1) // 2
    return np.asarray(np.partition(lighter, middle, axis=1)[:, middle], dtype=np.float64)


def other_share(quad: Quad, maps: EdgeMaps) -> float:
    """The share of the outline's cells in view that show something else than its paper.

    Two cells show the same paper when their hues are within `OTHER_HUE` and
    neither is darker than `DARK_SHARE` of the other. The paper is what the
    most cells show (the cell with the most such matches, and its matches):
    an outline half page, half desk shows half something else, whichever
    half is taken for the paper.
    """
    papers = cell_papers(quad, maps)
    if len(papers) < MIN_CELLS:
        return 0.0
    hue = papers[:, 1:]
    lightness = np.maximum(papers[:, 0], 1.0)
    hue_gap = np.linalg.norm(hue[:, None, :] - hue[None, :, :], axis=2)
    ratio = lightness[:, None] / lightness[None, :]
    same = (hue_gap <= OTHER_HUE) & (ratio >= DARK_SHARE) & (ratio <= 1.0 / DARK_SHARE)
    return float(1.0 - same.sum(axis=1).max() / len(papers))


def one_sheet(quad: Quad, maps: EdgeMaps) -> bool:
    """Tell whether an outline's interior (working-copy corners) shows mostly one paper."""
    return other_share(quad, maps) <= MAX_OTHER
