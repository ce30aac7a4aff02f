"""Find the document's outline in a frame: candidates, scores, refinement, tracking.

Not a single Canny-and-largest-contour pass, which fails on cluttered or pale
desks (see ../shared/docs/capture.md §1, §2). On a small working copy:

1. candidate quadrilaterals come from straight edges (`scanning.lines`: a
   polarity-aware Hough transform, two lines of each family make a quad) and
   from closed edge contours, plus the previous frame's outline;
2. each is scored on the evidence along its sides (`scanning.outline`);
   among outlines about as well supported, the larger wins, since a page holds
   rectangles of its own (photos, printed frames, bands), never the reverse;
3. the chosen one is refined at full resolution by fitting a line to the edge
   found across each side.

`QuadTracker` smooths the outline over frames and counts how long it has
been still, for auto-capture.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from scanning import geometry
from scanning.edges import EdgeMaps, edge_maps, working_copy
from scanning.lines import line_quads
from scanning.outline import areas, order_many, plausible, refine, score_sides
from scanning.types import Detection, Image, Quad

#: Exponent of the preference for larger outlines: doubling the area is worth
#: about 11 % of score.
AREA_PREFERENCE = 0.15
#: A larger candidate around the best one wins if it scores at least this
#: share of the best score, and its weakest side at least this much.
NESTED_SCORE = 0.85
NESTED_WEAKEST_SIDE = 0.85
#: Below this score, an outline is not a document's.
MIN_SCORE = 0.45
#: A document's interior has at least this share of edge pixels, and this many
#: small marks (letters, boxes) per 10 000 working-copy pixels.
MIN_EDGE_SHARE = 0.05
MIN_MARKS = 1.0
#: How many of the best candidates are checked for print.
CONTENT_CHECKED = 12
#: Smallest page considered, as a share of the frame.
MIN_AREA_FRACTION = 0.02


def _quad_from_outline(points: NDArray[np.int32], min_area: float) -> Quad | None:
    hull = cv2.convexHull(points)
    if cv2.contourArea(hull) < min_area:
        return None
    perimeter = cv2.arcLength(hull, True)
    for epsilon in (0.01, 0.02, 0.04):
        polygon = cv2.approxPolyDP(hull, epsilon * perimeter, True).reshape(-1, 2)
        if len(polygon) == 4:
            return polygon.astype(np.float64)
        if 4 < len(polygon) <= 8:
            quad = geometry.reduce_to_quad(polygon.astype(np.float64))
            if quad is not None:
                return quad
    return None


def contour_quads(maps: EdgeMaps, min_area: float) -> list[Quad]:
    """Quads fitted to the largest closed edge contours."""
    closed = cv2.dilate(maps.edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    contours = sorted(contours, key=cv2.contourArea, reverse=True)[:12]
    quads = [_quad_from_outline(np.asarray(c, dtype=np.int32), min_area) for c in contours]
    return [q for q in quads if q is not None]


def choose(
    quads: NDArray[np.float64],
    scores: NDArray[np.float64],
    weakest: NDArray[np.float64],
    min_score: float,
) -> int:
    """Pick the page among scored candidates.

    The best score wins (a little help to the larger), except that a page
    holds rectangles of its own — a photo, a printed frame, a coloured band —
    whose sides are as clear as the page's: when a larger candidate contains
    the best one and is itself well supported on every side, it is the page.
    """
    size = areas(quads)
    best = int(np.argmax(scores * (size / size.max()) ** AREA_PREFERENCE))
    for index in np.argsort(-size):
        if size[index] <= size[best] * 1.05:
            break
        if (
            scores[index] >= max(min_score, NESTED_SCORE * scores[best])
            and weakest[index] >= NESTED_WEAKEST_SIDE
            and _contains(quads[index], quads[best])
        ):
            return int(index)
    return best


def _contains(outer: Quad, inner: Quad) -> bool:
    """Tell whether `inner` lies (almost) entirely inside `outer`."""
    inner_area, outer_area = geometry.polygon_area(inner), geometry.polygon_area(outer)
    # The IoU of a quad with one containing it is the ratio of their areas.
    return bool(outer_area > 0 and geometry.iou(outer, inner) >= 0.97 * inner_area / outer_area)


def printed_content(quad: Quad, maps: EdgeMaps) -> tuple[float, float]:
    """How much print a quad's interior holds: edge share, and small marks per 10 000 px.

    A document carries print — letters, lines of a form, a photo — made of
    many small separate marks. A sticky note, a phone or a patch of desk has
    hardly any edges, and floor tiles have long grout lines but no marks.
    """
    centre = quad.mean(axis=0)
    inner = centre + (quad - centre) * 0.85  # leave the outline itself out
    mask = np.zeros(maps.edges.shape, np.uint8)
    cv2.fillPoly(mask, [np.rint(inner).astype(np.int32)], 1)
    area = max(int(np.count_nonzero(mask)), 1)
    inside = np.where(mask > 0, maps.edges, 0).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(inside, connectivity=8)
    extent = np.maximum(stats[1:count, cv2.CC_STAT_WIDTH], stats[1:count, cv2.CC_STAT_HEIGHT])
    marks = np.count_nonzero(
        (extent < 0.15 * np.sqrt(area)) & (stats[1:count, cv2.CC_STAT_AREA] >= 3)
    )
    return float(np.count_nonzero(inside) / area), float(marks / area * 10_000)


def has_print(quad: Quad, maps: EdgeMaps) -> bool:
    """Tell whether a quad's interior looks printed (see `printed_content`)."""
    edges, marks = printed_content(quad, maps)
    return edges >= MIN_EDGE_SHARE and marks >= MIN_MARKS


def to_frame(
    quad: Quad, scale: float, work_size: tuple[int, int], frame_size: tuple[int, int]
) -> Quad:
    """Map working-copy corners to frame pixels.

    Working pixel i covers frame pixels [i/scale, (i+1)/scale): centres map
    with a half-pixel shift. Corners on the working copy's border go exactly
    to the frame's border, where the frame cuts a page off.
    """
    full = (np.asarray(quad, dtype=np.float64) + 0.5) / scale - 0.5
    work_width, work_height = work_size
    width, height = frame_size
    full[:, 0] = np.where(np.abs(quad[:, 0]) < 0.5, 0.0, full[:, 0])
    full[:, 1] = np.where(np.abs(quad[:, 1]) < 0.5, 0.0, full[:, 1])
    full[:, 0] = np.where(np.abs(quad[:, 0] - (work_width - 1)) < 0.5, width - 1.0, full[:, 0])
    full[:, 1] = np.where(np.abs(quad[:, 1] - (work_height - 1)) < 0.5, height - 1.0, full[:, 1])
    return full


def detect(image: Image, prior: Quad | None = None, min_score: float = MIN_SCORE) -> Detection:
    """Find the document outline in a BGR frame.

    Args:
        image: the frame.
        prior: the outline found in the previous frame, if any (full-resolution pixels).
        min_score: below this score, the frame is said to hold no document.
    """
    height, width = image.shape[:2]
    work, scale = working_copy(image)
    maps = edge_maps(work)
    min_area = MIN_AREA_FRACTION * maps.width * maps.height
    found = [line_quads(maps, min_area)]
    others = contour_quads(maps, min_area)
    if prior is not None:
        others.append((np.asarray(prior, dtype=np.float64) + 0.5) * scale - 0.5)
    if others:
        extra = order_many(np.array(others, dtype=np.float64).reshape(-1, 4, 2))
        found.append(extra[plausible(extra, maps.width, maps.height, min_area)])
    quads = np.concatenate(found)
    if not len(quads):
        return Detection(None, 0.0, width, height, 0)
    scores, weakest = score_sides(quads, maps)
    # Only outlines around printed matter can be documents.
    for i in np.argsort(-scores)[:CONTENT_CHECKED]:
        if scores[i] >= min_score and not has_print(quads[i], maps):
            scores[i] = 0.0
    if scores.max() < min_score:
        return Detection(None, float(scores.max()), width, height, len(quads))
    index = choose(quads, scores, weakest, min_score)
    full = to_frame(quads[index], scale, (maps.width, maps.height), (width, height))
    # Two passes: a wide search corrects the working copy's coarse corners,
    # a narrow one settles on the exact edge.
    refined = refine(image, full, radius=max(6.0, 3.0 / scale))
    refined = refine(image, refined, radius=4.0)
    return Detection(refined, float(scores[index]), width, height, len(quads))


class QuadTracker:
    """Smooths outlines over frames and counts how many frames they stayed still."""

    def __init__(self, smoothing: float = 0.5, still_fraction: float = 0.012) -> None:
        self.smoothing = smoothing
        self.still_fraction = still_fraction
        self.quad: Quad | None = None
        self.still_frames = 0
        self.misses = 0

    def update(self, detection: Detection) -> Quad | None:
        """Take the latest detection; return the smoothed outline (None if lost)."""
        if detection.quad is None:
            self.misses += 1
            self.still_frames = 0
            if self.misses >= 3:
                self.quad = None
            return self.quad
        self.misses = 0
        new = np.asarray(detection.quad, dtype=np.float64)
        if self.quad is None or geometry.iou(self.quad, new) < 0.8:
            self.quad, self.still_frames = new, 0
            return self.quad
        diagonal = float(np.hypot(detection.width, detection.height))
        moved = float(np.max(np.linalg.norm(new - self.quad, axis=1)))
        self.still_frames = self.still_frames + 1 if moved < self.still_fraction * diagonal else 0
        self.quad = self.smoothing * new + (1 - self.smoothing) * self.quad
        return self.quad

    def reset(self) -> None:
        """Forget everything (a new document is coming)."""
        self.quad, self.still_frames, self.misses = None, 0, 0
