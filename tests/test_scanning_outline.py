"""The detector's cues: real proportions, cut pages, print, sides that end at corners."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from bench.capture_corpus import render_scene
from scanning import aspect, complete, content, cut_page, detect, geometry
from scanning.edges import edge_maps, working_copy
from scanning.outline import UNSEEN_SIDE, continuation, on_border, side_scores
from tests.samples import detected_in_scene

WIDTH, HEIGHT = 1920, 1080
FOCAL = WIDTH / (2.0 * np.tan(np.radians(aspect.NOMINAL_FIELD) / 2.0))


def photographed(
    ratio: float,
    tilt: float,
    direction: float,
    roll: float,
    shift: tuple[float, float] = (0, 0),
    focal: float = FOCAL,
) -> np.ndarray:
    """Corners of a 1 × `ratio` rectangle seen by a camera, clockwise from top-left.

    The nominal camera, or one of `focal` (pixels). The rectangle's centre
    lies on the lens axis, or `shift` (in rectangle widths) beside it.
    """
    corners = np.array([[-0.5, -ratio / 2, 0], [0.5, -ratio / 2, 0], [0.5, ratio / 2, 0]])
    corners = np.vstack([corners, [-0.5, ratio / 2, 0]])
    c, s = np.cos(roll), np.sin(roll)
    turn = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    tilted, _ = cv2.Rodrigues(np.array([np.cos(direction), np.sin(direction), 0.0]) * tilt)
    points = corners @ turn.T @ tilted.T + [shift[0], shift[1], 2.2 * ratio]
    pixels = focal * points[:, :2] / points[:, 2:] + [WIDTH / 2, HEIGHT / 2]
    return geometry.order_clockwise(pixels)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([1.414, 1.42, 1.586, 1.0, 2.0]),
    st.floats(0.0, np.radians(35)),
    st.floats(0.0, 2 * np.pi),
    st.floats(-0.5, 0.5),
)
def test_true_ratio_undoes_perspective(ratio: float, tilt: float, way: float, roll: float) -> None:
    quad = photographed(ratio, tilt, way, roll)
    found = aspect.true_ratios(quad[None], WIDTH, HEIGHT)[0]
    assert abs(found - ratio) < 1e-6 * ratio


@given(st.floats(0.05, 3.0), st.floats(0.05, 3.0))
def test_format_match_is_a_share(width: float, height: float) -> None:
    quad = np.array([[0, 0], [width, 0], [width, height], [0, height]]) * 100 + 500
    match = aspect.format_match(quad[None], WIDTH, HEIGHT)[0]
    assert 0.0 <= match <= 1.0
    ratio = max(width, height) / min(width, height)
    if min(abs(ratio - r) / r for r in aspect.RATIOS) < 1e-3:
        assert match > 0.99


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(aspect.RATIOS)),
    st.floats(0.0, np.radians(60)),
    st.floats(0.0, 2 * np.pi),
    st.floats(-np.pi, np.pi),
    st.floats(55.0, 80.0),
    st.tuples(st.floats(-1.2, 1.2), st.floats(-1.2, 1.2)),
)
# The longest measure found (1.975): a card tilted 60°, seen through 80° near the top.
@example(float(max(aspect.RATIOS)), np.radians(60), 3.2365, -3.0467, 80.0, (0.0437, -0.9354))
def test_a_document_keeps_a_documents_proportions_whatever_the_webcam(
    ratio: float, tilt: float, way: float, roll: float, field: float, shift: tuple[float, float]
) -> None:
    # Measured with the nominal field, a document tilted up to 60°, seen
    # anywhere in view by a webcam whose field is anything from 55 to 80°.
    focal = WIDTH / (2.0 * np.tan(np.radians(field) / 2.0))
    quad = photographed(ratio, tilt, way, roll, shift, focal)
    assume(np.all((quad >= 0) & (quad <= [WIDTH - 1, HEIGHT - 1])))
    assert aspect.document_proportions(quad[None], WIDTH, HEIGHT)[0]


@settings(max_examples=60, deadline=None)
@given(st.floats(2.3, 4.0), st.floats(0.0, np.radians(30)), st.floats(0.0, 2 * np.pi))
def test_a_till_receipt_has_no_documents_proportions(ratio: float, tilt: float, way: float) -> None:
    quad = photographed(ratio, tilt, way, 0.3)
    assert not aspect.document_proportions(quad[None], WIDTH, HEIGHT)[0]


@given(st.floats(1.0, 500.0), st.floats(1.0, 500.0), st.floats(-2000.0, 2000.0))
def test_steps_shrink_towards_the_vanishing_point(first: float, second: float, v: float) -> None:
    start, toward = np.array([10.0, 20.0]), np.array([110.0, 20.0])
    vanishing = None if abs(v) < 1 else start + (toward - start) / 100 * v
    near, far = sorted((first, second))
    a = complete.along_side(start, toward, vanishing, near)
    b = complete.along_side(start, toward, vanishing, far)
    if vanishing is None:
        assert np.allclose(a, start + [near, 0])
    elif v > 0:  # ahead: the image of the page never reaches it
        assert a[0] <= b[0] + 1e-9 < vanishing[0]
    elif far < -v:  # behind: steps grow, up to the camera's horizon
        assert a[0] <= b[0] + 1e-9
    else:  # beyond the horizon: no point of the image
        assert not np.all(np.isfinite(b))


@settings(max_examples=80, deadline=None)
@given(
    st.floats(250.0, 600.0),
    st.floats(0.55, 0.95),
    st.floats(-0.2, 0.2),
    st.floats(100.0, 500.0),
    st.booleans(),
)
@example(578.0, 0.75, 0.0, 500.0, False)  # its bottom side on the border: not this test's case
@example(578.0, 0.75, 0.0, 400.0, False)
def test_a_page_cut_by_the_frame_is_completed(
    short: float, seen: float, roll: float, top: float, card: bool
) -> None:
    # A page seen from straight above, its far side in view, cut by the right border.
    ratio = 1.586 if card else 1.414
    long = short * ratio
    page = np.array([[0, 0], [long, 0], [long, short], [0, short]], dtype=np.float64)
    c, s = np.cos(roll), np.sin(roll)
    page = page @ np.array([[c, s], [-s, c]])
    page += [WIDTH - 1 - seen * long - page[:, 0].min(), top - page[:, 1].min()]
    # Only the right border cuts it: a side lying on another border (within the
    # tolerance) could be cut there too, and is rightly not completed.
    margin = complete.BORDER_TOLERANCE + 1
    if page[:, 0].min() < margin or page[:, 1].min() < margin:
        return
    if page[:, 1].max() > HEIGHT - 1 - margin:
        return
    right = geometry.line_through(np.array([WIDTH - 1.0, 0]), np.array([WIDTH - 1.0, 1.0]))
    top_side = geometry.line_through(page[0], page[1])
    bottom_side = geometry.line_through(page[3], page[2])
    a, b = geometry.intersect(top_side, right), geometry.intersect(bottom_side, right)
    assert a is not None and b is not None
    if not (page[0, 0] < a[0] < page[1, 0] and page[3, 0] < b[0] < page[2, 0]):
        return
    visible = np.array([page[0], a, b, page[3]])
    whole = complete.complete(visible, WIDTH, HEIGHT)
    assert whole is not None
    # The smallest known format that reaches past the border: A4 whenever it does.
    if card and seen * 1.586 <= 1.43:
        return
    assert geometry.iou(whole, page) > 0.99


@settings(max_examples=60, deadline=None)
@given(
    st.floats(0.0, np.radians(35)),
    st.floats(0.0, 2 * np.pi),
    st.floats(-0.3, 0.3),
    st.floats(0.08, 0.3),
    st.floats(-0.3, 0.3),
)
def test_a_tilted_page_cut_by_the_frame_is_completed_on_its_plane(
    tilt: float, way: float, roll: float, out: float, height: float
) -> None:
    # An A4 page seen by the nominal camera, its long sides running out of the
    # right border, a share `out` of its length beyond it. The image's own
    # lengths (the full side's, foreshortened along the running sides) are
    # wrong by about the cosine of the tilt; on the page's plane they are not.
    upright = np.pi / 2 + roll  # the long sides across the frame
    page = photographed(1.414, tilt, way, upright, (0.0, height))
    right = page[:, 0].argsort()[2:]  # the two corners that will leave the frame
    left = page[:, 0].argsort()[:2]
    # Slide the page sideways in space (not in the picture) until `out` of it is past the border.
    low, high = -3.0, 3.0
    for _ in range(60):
        middle = (low + high) / 2
        moved = photographed(1.414, tilt, way, upright, (middle, height))
        beyond = np.clip((moved[:, 0] - (WIDTH - 1)) / np.ptp(moved[:, 0]), 0, None)
        low, high = (middle, high) if beyond.max() < out else (low, middle)
    page = photographed(1.414, tilt, way, upright, (low, height))
    if page[right, 0].min() <= WIDTH - 1 + 2 or page[left, 0].max() >= WIDTH - 1 - 2:
        return  # not cut across its long sides alone
    if page[:, 1].min() < 3 or page[:, 1].max() > HEIGHT - 4:
        return
    frame = np.float32([[0, 0], [WIDTH - 1, 0], [WIDTH - 1, HEIGHT - 1], [0, HEIGHT - 1]])
    _, visible = cv2.intersectConvexConvex(page.astype(np.float32), frame)
    if visible is None or len(visible) != 4:
        return
    whole = complete.complete(
        geometry.order_clockwise(visible.reshape(4, 2).astype(float)), WIDTH, HEIGHT
    )
    assert whole is not None
    assert geometry.iou(whole, page) > 0.995


def test_only_a_quad_with_one_side_on_the_border_is_completed() -> None:
    inside = np.array([[100, 100], [600, 110], [590, 500], [110, 490]], dtype=np.float64)
    assert complete.complete(inside, WIDTH, HEIGHT) is None
    corner = np.array([[0, 0], [600, 0], [590, 500], [0, 490]], dtype=np.float64)
    assert complete.complete(corner, WIDTH, HEIGHT) is None
    quads = np.stack([inside, corner])
    assert on_border(quads, WIDTH, HEIGHT).sum(axis=1).tolist() == [0, 2]


def test_an_outline_the_border_closes_must_complete_to_a_known_format() -> None:
    # A page cut by the frame is taken only if a known format completes it:
    # the border is no page's side, and an outline it closes otherwise (a
    # corner of the picture, a strip too long for any format) shows no page.
    maps = edge_maps(working_copy(np.full((HEIGHT, WIDTH, 3), 90, np.uint8))[0])
    w, h = maps.width, maps.height
    whole = np.array([[100, 40], [250, 42], [248, 150], [102, 148]], dtype=np.float64)
    a4_cut = np.array([[100, 0], [220, 0], [218, 120], [102, 118]], dtype=np.float64)
    strip = np.array([[150, 0], [190, 0], [190, 150], [150, 150]], dtype=np.float64)
    corner = np.array([[0, 0], [200, 0], [190, 120], [0, 110]], dtype=np.float64)
    assert complete.complete(a4_cut, w, h) is not None
    assert complete.complete(strip, w, h) is None and complete.complete(corner, w, h) is None
    assert cut_page.mostly_in_view(whole, maps) and cut_page.mostly_in_view(a4_cut, maps)
    assert not cut_page.mostly_in_view(strip, maps)
    assert not cut_page.mostly_in_view(corner, maps)


def sheet(printed: bool, tiles: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A grey desk with a white sheet on it (printed or blank), or a tiled floor."""
    frame = np.full((HEIGHT, WIDTH, 3), 90, np.uint8)
    quad = np.array([[500, 150], [1300, 170], [1280, 950], [520, 930]], dtype=np.float64)
    cv2.fillPoly(frame, [quad.astype(np.int32)], (235, 235, 235))
    if tiles:
        frame[:] = 200
        frame[::90] = frame[:, ::90] = 120
    if printed:
        for row in range(22):
            text = "Madame, Monsieur, je vous prie"
            cv2.putText(frame, text, (580, 230 + 30 * row), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 30, 2)
    return frame, quad


def test_print_is_told_from_blank_paper_and_tiles() -> None:
    assert content.has_print(*sheet(printed=True))
    assert not content.has_print(*sheet(printed=False))
    assert not content.has_print(*sheet(printed=False, tiles=True))


def test_print_does_not_depend_on_the_light() -> None:
    frame, quad = sheet(printed=True)
    dim = (frame.astype(np.float32) * 0.25).astype(np.uint8)
    assert content.has_print(dim, quad)


def test_a_side_that_runs_on_past_its_corners_is_seen() -> None:
    frame = np.full((HEIGHT, WIDTH, 3), 80, np.uint8)
    frame[540:] = 200  # a long horizontal edge across the whole picture
    cv2.rectangle(frame, (700, 300), (1200, 540), (230, 230, 230), -1)
    maps = edge_maps(working_copy(frame)[0])
    scale = maps.width / WIDTH
    quad = np.array([[700, 300], [1200, 300], [1200, 540], [700, 540]], dtype=np.float64) * scale
    start, end = quad, np.roll(quad, -1, axis=0)
    direction = end - start
    normal = np.stack([-direction[:, 1], direction[:, 0]], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    continued = continuation(start, end, normal, maps)[0]
    assert continued[2] > 0.8  # the bottom side lies on the long edge
    assert continued[0] < 0.2 and continued[1] < 0.2 and continued[3] < 0.2


def _side_score(visible: int, supported: int, samples: int) -> float:
    """`side_scores` of one side: `supported` of its `visible` points on a clear, steady edge."""
    score, _ = side_scores(
        np.array(float(visible)), np.array(float(supported)), np.array(0.0),
        np.array(20.0 * visible), float(samples),
    )  # fmt: skip
    return float(score)


@given(st.integers(1, 24), st.integers(0, 24))
def test_the_part_of_a_side_out_of_the_picture_counts_as_a_fair_side(
    visible: int, supported: int
) -> None:
    # Judged on its part in view alone, a side running out of the picture would
    # be as sure as one seen whole: an outline leaving the picture could then
    # outscore the page whose sides it borrows.
    supported = min(supported, visible)
    seen = _side_score(visible, supported, visible)  # the part in view, as a side of its own
    share = visible / 24
    assert _side_score(visible, supported, 24) == pytest.approx(
        share * seen + (1 - share) * UNSEEN_SIDE
    )
    if supported == visible < 24:
        assert UNSEEN_SIDE < _side_score(visible, supported, 24) < _side_score(24, 24, 24)


@pytest.mark.parametrize(
    ("seed", "size"),
    [(1000051, (1920, 1080)), (7000067, (1920, 1080)), (10, (1280, 720))],
    ids=["a4-on-tiles", "card-on-dark-desk", "passport-on-tiles"],
)
def test_a_page_seen_whole_beats_outlines_running_out_of_the_picture(
    seed: int, size: tuple[int, int]
) -> None:
    # Corpus scenes (seed 1 frame 52, seed 7 frame 68, seed 0 frame 11) where
    # an outline running out of the picture, on the page's sides and a joint
    # or an edge beyond, won over the page when its sides were judged on
    # their parts in view alone (IoU 0.79, 0.18 and 0: another outline).
    quad, iou = detected_in_scene(seed, size)
    assert quad is not None and iou > 0.9
    assert geometry.corners_outside(quad, *size) == 0


def test_a_partial_page_is_reported_whole_and_not_fully_visible() -> None:
    image, truth = render_scene(
        33, (1920, 1080), document="a4_letter", background="dark", partial=True,
        blur="sharp", glare=False, dark=False, distractors=0, finger=False, shadow=False,
    )  # fmt: skip
    found = detect.detect(image)
    assert found.quad is not None
    assert geometry.iou(found.quad, np.array(truth["quad"])) > 0.9
    assert geometry.corners_outside(found.quad, WIDTH, HEIGHT) >= 1


@given(
    st.floats(100.0, 400.0),
    st.sampled_from([1.414, 1.586]),
    st.floats(-0.3, 0.3),
    st.integers(0, 3),
    st.floats(0.5, 0.9),
)
def test_a_side_placed_by_format_finds_the_page(
    short: float, ratio: float, roll: float, side: int, wrong: float
) -> None:
    # A page seen from above whose `side` was put at the wrong place: one
    # variant puts it back, and every variant keeps the three other sides.
    page = np.array([[0, 0], [short * ratio, 0], [short * ratio, short], [0, short]])
    c, s = np.cos(roll), np.sin(roll)
    page = page @ np.array([[c, s], [-s, c]]) + [700.0, 400.0]
    quad = page.copy()
    opposite = page[(side + 3) % 4], page[(side + 2) % 4]
    quad[side] = opposite[0] + (page[side] - opposite[0]) * wrong
    quad[(side + 1) % 4] = opposite[1] + (page[(side + 1) % 4] - opposite[1]) * wrong
    variants = complete.placed_by_format(quad, 4000, 4000)
    assert len(variants) >= 1
    assert max(geometry.iou(v, page) for v in variants) > 0.995
    for variant in variants:
        kept = sum(
            np.allclose(variant[i], quad[i]) for i in range(4)
        )  # the two corners of the far side at least
        assert kept >= 2


def _tiled_floor() -> np.ndarray:
    """Tiles 300 px wide with dark joints (in the working copy, at x and y = 0, 60, 120, …)."""
    frame = np.full((HEIGHT, WIDTH, 3), (70, 90, 150), np.uint8)
    for x in range(0, WIDTH, 300):
        frame[:, x : x + 10] = (40, 50, 80)
    for y in range(0, HEIGHT, 300):
        frame[y : y + 10] = (40, 50, 80)
    return frame


def _claims_a_cut_page(frame: np.ndarray, quad: list[list[float]]) -> bool:
    """`cut_page.runs_out` for a working-copy outline reaching out of the picture."""
    maps = edge_maps(working_copy(frame)[0])
    return cut_page.runs_out(np.array(quad, dtype=np.float64), maps)


def test_a_stretch_of_floor_between_tile_joints_is_no_cut_page() -> None:
    # Joints make straight edges up to the frame's border, like a cut page's
    # sides; but the floor is the same on both sides of them, and a page's
    # paper differs from its desk all along its sides.
    floor = _tiled_floor()
    page = floor.copy()
    page[:905, 605:1205] = (235, 240, 240)
    # Closed by the top border, along the joints at frame x = 600, 1200 and y = 900.
    on_top = [[121, 0], [241, 0], [241, 181], [121, 181]]
    assert on_border(np.array([on_top], float), 384, 216)[0].tolist() == [1, 0, 0, 0]
    assert not _claims_a_cut_page(floor, on_top)
    assert _claims_a_cut_page(page, on_top)


def test_a_cell_of_a_tilted_floor_reaching_out_of_the_picture_is_no_cut_page() -> None:
    # Tiles 500 px wide turned by 30°: the cell between the joints at s = −500,
    # 0 across and t = 500, 1000 along has one corner above the picture and no
    # side along its border. Its joints run out of the picture as a cut page's
    # sides would; with a sheet filling the cell, it is one.
    turn = np.radians(30)
    along, across = np.array([np.cos(turn), np.sin(turn)]), np.array([-np.sin(turn), np.cos(turn)])
    floor = np.full((HEIGHT, WIDTH, 3), (70, 90, 150), np.uint8)
    for k in range(-8, 9):
        for direction, normal in ((along, across), (across, along)):
            a, b = k * 500 * normal - 4000 * direction, k * 500 * normal + 4000 * direction
            cv2.line(floor, a.astype(int).tolist(), b.astype(int).tolist(), (40, 50, 80), 10)
    cell = ((-500, 500), (-500, 1000), (0, 1000), (0, 500))
    corners = np.array([s * across + t * along for s, t in cell])
    quad = ((corners + 0.5) / 5 - 0.5).tolist()
    assert sum(y < 0 for _, y in quad) == 1
    assert not on_border(np.array([quad]), 384, 216).any()
    assert not _claims_a_cut_page(floor, quad)
    page = floor.copy()
    cv2.fillConvexPoly(page, np.round(corners).astype(np.int32), (235, 240, 240))
    assert _claims_a_cut_page(page, quad)


def test_a_cut_page_with_a_strip_of_floor_beside_it_is_no_cut_page() -> None:
    # The page's right side is replaced by the next joint: the page's three
    # other sides stand out from the floor, but that side has floor on both sides.
    page = _tiled_floor()
    page[:905, 605:1205] = (235, 240, 240)
    assert _claims_a_cut_page(page, [[121, 0], [241, 0], [241, 181], [121, 181]])
    assert not _claims_a_cut_page(page, [[121, 0], [301, 0], [301, 181], [121, 181]])


def test_a_cut_page_with_print_along_the_border_is_a_cut_page() -> None:
    # A form's header runs out of the picture: along the border the strip
    # inside the page crosses its print more than its paper, and its median
    # colour is the ink's, nearer the floor's than the paper's. The paper
    # still shows between the letters.
    page = _tiled_floor()
    page[:905, 605:1205] = (235, 240, 240)
    for x in range(615, 1195, 60):
        cv2.rectangle(page, (x, 0), (x + 30, 60), (30, 30, 30), -1)
    assert _claims_a_cut_page(page, [[121, 0], [241, 0], [241, 181], [121, 181]])


def test_a_page_whose_side_lies_a_little_inside_the_picture_is_no_cut_page() -> None:
    # A page lying on another sheet, its top side 110 px (22 working pixels)
    # below the frame's top: closed by the border on the working copy, the
    # outline's sides stop at the page's corners, with the other sheet
    # between them and the border. Along the border that sheet looks like
    # paper, so only the sides, edges up to the border or not, tell.
    desk = np.full((HEIGHT, WIDTH, 3), (70, 90, 150), np.uint8)
    desk[:400, 400:1400] = (215, 220, 225)  # the sheet beneath, wider than the page
    on_top = [[121, 0], [241, 0], [241, 181], [121, 181]]
    lying = desk.copy()
    lying[110:905, 605:1205] = (235, 240, 240)
    assert not _claims_a_cut_page(lying, on_top)
    cut = desk.copy()
    cut[:905, 605:1205] = (235, 240, 240)
    assert _claims_a_cut_page(cut, on_top)


@pytest.mark.parametrize(
    ("seed", "size", "camera"),
    [
        pytest.param(
            158,
            (1280, 720),
            "slid",
            id="table-on-wood",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known miss since faint sides closed by format count as fair (drawn as "
                "corpus v4 draws it; v5's frame 159 is still found): the page's sides run on "
                "along plank seams down to a plank's end, where its format puts a fourth side",
            ),
        ),
        pytest.param(286, (1280, 720), "slid", id="form-on-cluttered-desk"),
        pytest.param(1000046, (1280, 720), "webcam", id="form-on-tiles"),
    ],
)
def test_pages_cut_by_the_frame_with_print_at_the_border_are_found(
    seed: int, size: tuple[int, int], camera: str
) -> None:
    # Corpus scenes (seed 0 frames 159 and 287, seed 1 frame 47) of a page
    # running out of the picture across print: a table's rules, a form's
    # boxes. The median colour along the border was then nearer the desk's
    # than the paper's, and the page was taken for a stretch of desk. The
    # form on tiles is drawn as corpus version 5 draws it, seen from the side
    # (IoU 0.49 when its whole outline was placed with the image's own lengths).
    # Seed 7's frame 230, a passport on a pale desk, was found in version 4
    # only: seen by a webcam, it is missed with either placing (IoU 0.49, 0.51).
    assert render_scene(seed, size)[1]["params"]["plan"]["partial"]
    assert detected_in_scene(seed, size, camera)[1] >= 0.9
