"""Find the document's outline in a frame: candidates, scores, refinement, tracking.

Not a single Canny-and-largest-contour pass, which fails on cluttered or pale
desks (see ../shared/docs/capture.md §1, §2). On a small working copy:

1. candidate quadrilaterals come from straight edges (`scanning.lines`: a
   polarity-aware Hough transform, the longest straight segments it left
   out and segments meeting at corners; two lines of each family make a quad, or
   three lines and a document format, `scanning.three_sides`),
   from closed edge contours and from regions of one colour unlike the desk
   (`scanning.regions`), plus the previous frame's outline;
2. each is scored on the evidence along its sides (`scanning.outline`), on
   whether its sides end at its corners, and on how close its real
   proportions are to a document format (`scanning.aspect`) — a side that
   hardly shows, where the others end and the format puts it, counts as a
   fair one, as a side out of the picture does; the best are
   scored again with their sides snapped onto the edges beside them
   (`scanning.snap`) and, the best few, with a side placed by format;
3. among outlines about as well supported, the larger wins, since a page holds
   rectangles of its own (photos, printed frames, bands) — as it does, less
   well supported, when two sides of the best one run on into it as the same
   edges (`scanning.larger_page.sides_run_into`) — unless the larger
   is a page and the desk beside it: a better supported outline inside it,
   with a ring of desk and no print around it (`scanning.page_and_desk`), or
   only the best one and a strip beside it: its sides stop at the best one's
   corners (`scanning.larger_page`);
4. the choice must hold print (`scanning.content`, judged at a fixed page
   resolution: darker than its paper, laid out in lines), have a
   document's proportions when wholly in view (`scanning.aspect`: a till
   receipt is a strip of paper with lines of print too), show one sheet
   inside — not a page and the desk beside it (`scanning.paper`) — with no
   pattern of the surface running through its sides, as grout runs through
   a patch of floor tiles (`scanning.pattern`) — and, when
   it reaches out of the picture, show a page cut by
   the frame (`scanning.cut_page`) — a known format completes it, its sides
   are edges up to the border, its paper differs from the desk along each
   of them, most of the page is in view — or the next best is taken;
5. the chosen one is refined at full resolution by fitting a line to the edge
   found across each side; a page cut by the frame is completed to its whole
   outline from its known format (`scanning.complete`), with a corner in
   view where the picture shows one (`scanning.cut_page.corner_shows`).

`QuadTracker` smooths the outline over frames and counts how long it has
been still, for auto-capture.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from scanning import geometry
from scanning.aspect import document_proportions
from scanning.complete import CornerCheck, complete, placed_by_format
from scanning.content import has_print
from scanning.cut_page import corner_shows, mostly_in_view, runs_out
from scanning.edges import EdgeMaps, edge_maps, working_copy
from scanning.larger_page import SidesRunningOn, sides_run_on
from scanning.lines import line_quads
from scanning.outline import on_border, score_sides
from scanning.page_and_desk import PageBesideDesk
from scanning.paper import one_sheet
from scanning.pattern import runs_through
from scanning.quads import areas, order_many, plausible
from scanning.refine import refine
from scanning.regions import contour_quads, region_quads
from scanning.snap import snap_sides
from scanning.types import Detection, Image, Quad

#: Exponent of the preference for larger outlines: doubling the area is worth
#: about 11 % of score.
AREA_PREFERENCE = 0.15
#: A larger candidate around the best one wins if it scores at least this
#: share of the best score, and its weakest side at least this much — or at
#: least as much as the best one's, when the border closes none of its sides
#: (a corner out of the picture is allowed: counting such outlines with those
#: the border closes lost 3 frames on the five corpora, IoU sum −0.40).
NESTED_SCORE = 0.85
NESTED_WEAKEST_SIDE = 0.85
#: Below this score, an outline is not a document's.
MIN_SCORE = 0.45
#: How many of the best candidates are checked for print, one after the other.
CONTENT_CHECKED = 6
#: How many of the best candidates get variants with a side placed by format.
FORMAT_VARIANTS = 3
#: How many of the best candidates get a variant snapped onto the edges beside
#: their sides (`scanning.snap`). On the corpora the outline chosen never came
#: from further down: 40 gives the outlines snapping every candidate gives.
SNAPPED = 40
#: An outline contains another when this share of the other lies inside it.
CONTAINED = 0.97
#: Smallest page considered, as a share of the frame.
MIN_AREA_FRACTION = 0.02


def choose(
    quads: NDArray[np.float64],
    scores: NDArray[np.float64],
    weakest: NDArray[np.float64],
    min_score: float,
    is_page: Callable[[int, int], bool] | None = None,
    closed: NDArray[np.bool_] | None = None,
    cut_around: Callable[[int, int], bool] | None = None,
) -> int:
    """Pick the page among scored candidates.

    The best score wins (a little help to the larger), except that a page
    holds rectangles of its own — a photo, a printed frame, a coloured band —
    whose sides are as clear as the page's: when a larger candidate contains
    the best one and is itself well supported on every side, it is the page
    — unless `is_page(larger, best)` says it is the best one and a strip
    beside it (`scanning.larger_page`). Well supported is a weakest side of
    `NESTED_WEAKEST_SIDE`, or one at least as strong as the best one's: a
    card's photo is as clear as the card, and a page's side on a pale desk
    as faint as the edge of a form's frame. `closed` tells which candidates
    the frame's border closes: a side of theirs cannot be judged, so their
    weakest judged side says less, and they need the former. A larger
    candidate supported less on its weakest side is still the page when
    `cut_around(larger, best)` says the best one's sides run on into it
    (`scanning.larger_page.sides_run_into`): the best one is part of it — a
    page cut by the border below its band, beside a card's photo.
    """
    size = areas(quads)
    best = int(np.argmax(scores * (size / size.max()) ** AREA_PREFERENCE))
    # The larger candidates, largest first, that are well supported: the
    # score tests on them all at once (the same tests, in one go), the
    # containment, which is costlier, one by one in that order.
    by_size = np.argsort(-size)
    larger = by_size[size[by_size] > size[best] * 1.05]
    in_view = np.ones(len(larger), dtype=bool) if closed is None else ~closed[larger]
    scored_well = scores[larger] >= max(min_score, NESTED_SCORE * scores[best])
    sure = (weakest[larger] >= NESTED_WEAKEST_SIDE) | (in_view & (weakest[larger] >= weakest[best]))
    # The others are asked about only for a best one in view: one the border
    # closes is a cut page already, its own checks and completion made for it.
    if closed is not None and closed[best]:
        cut_around = None
    looked_at = scored_well & (sure | (cut_around is not None))
    # Only those around the best one's centroid can contain it: any line
    # through a convex outline's centroid leaves at least 4/9 of it on each
    # side (Grünbaum), and containment lets at most 1 − `CONTAINED` out.
    # One test on them all.
    candidates = np.flatnonzero(looked_at)
    looked_at[candidates] = geometry.around(
        quads[larger[candidates]], geometry.centroid(quads[best])
    )
    for index, certain in zip(larger[looked_at], sure[looked_at], strict=True):
        # The cheaper test first: containment clips polygons, in Python.
        if not certain and (cut_around is None or not cut_around(int(index), best)):
            continue
        if not geometry.contains(quads[index], quads[best], CONTAINED):
            continue
        if is_page is None or is_page(index, best):
            return int(index)
    return best


class PagesInside:
    """Looks inside a chosen outline for the page, when the choice is a page and the desk beside it.

    Candidates (working-copy corners) with their scores — 0 for those out of
    play, updated as the choice goes on — their weakest sides and their
    evidence. What is measured on one candidate is kept for the frame: the
    choice is made again after each rejection, and a candidate looked at
    inside one choice may be the next choice.
    """

    def __init__(
        self,
        image: Image,
        maps: EdgeMaps,
        scale: float,
        quads: NDArray[np.float64],
        scored: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
    ) -> None:
        self.image, self.maps, self.scale, self.quads = image, maps, scale, quads
        self.scores, self.weakest, self.evidence = scored
        self.size = areas(quads)
        #: Which candidates the frame's border closes: a side of theirs is not seen.
        self.closed = np.asarray(
            on_border(quads, maps.width, maps.height).any(axis=1), dtype=np.bool_
        )
        #: Which candidates have a document's proportions, or are closed by the
        #: border (their proportions are not seen). A till receipt is a strip of
        #: paper with lines of print: it passes every other check a page passes,
        #: and only its proportions tell it from one (`scanning.aspect`).
        self.shaped_as_document = self.closed | document_proportions(quads, maps.width, maps.height)
        self.rings = PageBesideDesk(image, maps)
        self._sheet: dict[int, bool] = {}
        self._print: dict[int, bool] = {}
        self._running: dict[int, SidesRunningOn] = {}
        #: Whether a choice has been looked inside (the later rejected ones are
        #: not: looking inside every choice made again costs more than it finds).
        self.searched = False

    def frame(self, index: int) -> Quad:
        """A candidate's corners in frame pixels."""
        height, width = self.image.shape[:2]
        work_size = (self.maps.width, self.maps.height)
        return to_frame(self.quads[index], self.scale, work_size, (width, height))

    def page_beside_desk(self, chosen: int) -> int | None:
        """The candidate that is the page when the choice is it and desk beside it, or None.

        Candidates in play inside the choice and better supported (more
        evidence, a weakest side at least as good) are tried largest first:
        one is the page when the ring between them shows desk and no print
        (`scanning.page_and_desk`) and it passes the checks a choice passes
        — unless it is itself a page and desk beside it.
        """
        self.searched = True
        inner = np.flatnonzero(
            (self.size < self.size[chosen])
            & (self.scores > 0)
            & (self.evidence >= self.evidence[chosen])
            & (self.weakest >= self.weakest[chosen])
        )
        inner = inner[_inside(self.quads[inner], self.quads[chosen])]
        outer = (self.frame(chosen), self.quads[chosen])
        # A candidate within a working-copy pixel of one that failed (the
        # snapped variants of an outline) fails too.
        failed: list[Quad] = []
        for index in inner[np.argsort(-self.size[inner], kind="stable")]:
            quad = self.quads[index]
            if any(np.abs(quad - other).max() <= 1.0 for other in failed):
                continue
            # Cheapest first; the ring's print, read on the frame, last.
            if (
                self.one_sheet_in_view(index)
                and self.shaped_as_document[index]
                and self.rings.desk_colour_beside(outer[1], quad)
                and self.printed(index)
                and self.rings.no_print_beside(outer[0], (self.frame(index), quad))
            ):
                # That page may itself be a page and desk beside it.
                deeper = self.page_beside_desk(int(index))
                return int(index) if deeper is None else deeper
            failed.append(quad)
        return None

    def larger_is_page(self, larger: int, best: int) -> bool:
        """Whether a larger candidate around the best one is the page (`sides_run_on`)."""
        return sides_run_on(self.quads[larger], self.quads[best], self.maps)

    def part_of_larger(self, larger: int, best: int) -> bool:
        """Whether the best one is part of the larger one: two of its sides run on into it."""
        if best not in self._running:
            self._running[best] = SidesRunningOn(self.quads[best], self.maps)
        return self._running[best].into(self.quads[larger]) >= 2

    def one_sheet_in_view(self, index: int) -> bool:
        """Working-copy checks on a choice: in view, a cut page if cut, one sheet, no pattern."""
        if index not in self._sheet:
            quad = self.quads[index]
            self._sheet[index] = (
                mostly_in_view(quad, self.maps)
                and runs_out(quad, self.maps)
                and one_sheet(quad, self.maps)
                and not runs_through(quad, self.maps)
            )
        return self._sheet[index]

    def printed(self, index: int) -> bool:
        """Whether a candidate holds print (`scanning.content`, read on the frame)."""
        if index not in self._print:
            self._print[index] = has_print(self.image, self.frame(index))
        return self._print[index]


def _inside(quads: NDArray[np.float64], outer: Quad) -> NDArray[np.bool_]:
    """Which quads (N, 4, 2) have their corners in a convex quad, to two working-copy pixels.

    Two outlines sharing a side have corners on it to a pixel or two either way.
    """
    return np.asarray(geometry.depth_inside(quads, outer).min(axis=1) >= -2.0)


def to_work(points: Quad, scale: float) -> Quad:
    """Map frame pixels to the working copy's (`to_frame`'s inverse, away from the border)."""
    return (points + 0.5) * scale - 0.5


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
    others = contour_quads(maps, min_area) + region_quads(maps, min_area)
    if prior is not None:
        others.append(to_work(np.asarray(prior, dtype=np.float64), scale))
    if others:
        extra = order_many(np.array(others, dtype=np.float64).reshape(-1, 4, 2))
        found.append(extra[plausible(extra, maps.width, maps.height, min_area)])
    quads = np.concatenate(found)
    if not len(quads):
        return Detection(None, 0.0, width, height, 0)
    scores, weakest, evidence_only = score_sides(quads, maps)
    # Variants of the best: each snapped onto the edges beside its sides, and
    # the best few with each side in turn placed by the formats' proportions.
    ranked = np.argsort(-scores)
    top = quads[ranked[:SNAPPED]]
    snapped = snap_sides(top, maps)
    # One within a third of a pixel of its candidate adds nothing.
    moved = np.abs(snapped - top).max(axis=(1, 2)) > 0.3
    placed = [placed_by_format(quads[i], maps.width, maps.height) for i in ranked[:FORMAT_VARIANTS]]
    more = order_many(np.concatenate([snapped[moved], *placed]))
    more = more[plausible(more, maps.width, maps.height, min_area)]
    if len(more):
        quads = np.concatenate([quads, more])
        more_scores, more_weakest, more_evidence = score_sides(more, maps)
        scores = np.concatenate([scores, more_scores])
        weakest = np.concatenate([weakest, more_weakest])
        evidence_only = np.concatenate([evidence_only, more_evidence])
    # Outlines with too little evidence of a page, whatever their size, are
    # out; the others are ranked with every cue. Only outlines around printed
    # matter can be documents: the choice is checked, and made again without
    # it when it holds no print.
    best = float(evidence_only.max())
    scores = np.where(evidence_only >= min_score, np.maximum(scores, 1e-6), 0.0)
    inside = PagesInside(image, maps, scale, quads, (scores, weakest, evidence_only))
    checked = 0
    while True:
        if not scores.any() or checked == CONTENT_CHECKED:
            return Detection(None, best, width, height, len(quads))
        index = choose(
            quads, scores, weakest, 0.0, inside.larger_is_page, inside.closed, inside.part_of_larger
        )
        # The first choice may be a page and the desk beside it: the page is
        # then a smaller candidate inside it, which passes the checks below.
        first = not inside.searched
        page = inside.page_beside_desk(index) if first else None
        if page is not None:
            index = page
            break
        # The cheap test first: most outlines the border closes fail it.
        if inside.one_sheet_in_view(index):
            checked += 1
            if inside.shaped_as_document[index] and inside.printed(index):
                # The choice, holding print, may be a page and desk beside it.
                page = None if first else inside.page_beside_desk(index)
                index = index if page is None else page
                break
        scores[index] = 0.0
    full = inside.frame(index)
    # Two passes: a wide search corrects the working copy's coarse corners,
    # a narrow one settles on the exact edge.
    refined = refine(image, full, radius=max(6.0, 3.0 / scale))
    refined = refine(image, refined, radius=4.0)
    # A page cut by the frame is reported whole, as its format says it is.
    whole = complete(refined, width, height, corner_shows=_corner_in_frame(maps, scale))
    if whole is not None:
        refined = whole
    return Detection(refined, float(evidence_only[index]), width, height, len(quads))


def _corner_in_frame(maps: EdgeMaps, scale: float) -> CornerCheck:
    """`cut_page.corner_shows` on the working copy, for points given in frame pixels."""

    def shows(corner: Quad, far: Quad, beyond: Quad) -> bool:
        return corner_shows(
            to_work(corner, scale), to_work(far, scale), to_work(beyond, scale), maps
        )

    return shows


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
