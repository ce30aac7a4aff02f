"""Deterministic synthetic webcam frames of documents, with exact truth, for the capture benchmark.

``render_scene(seed)`` draws one frame: a desk (plain, pale or cluttered), usually a document put
in place by a homography, distractor objects, then camera effects in this order: lighting
gradient, cast shadow, glare, blur, sensor noise, JPEG round trip. ``generate`` writes a corpus::

    python -m bench.capture_corpus --out DIR --count N --seed S

Blur is defined in the units of the detector under test, which measures it on the flattened page
resized to a long side of 800 px: with ``s = 800 / (longest side of the true quad)``, a sharp
frame has a gaussian sigma_frame * s <= 0.5 and no motion; a blurry one has a defocus
sigma_frame * s in [1.8, 4] or a linear motion length_frame * s in [8, 20] px. Nothing in between
is generated. A page so small that s > 1.7 cannot be sharp at 800 px (one frame pixel is already
wider than 0.5 page pixels), so its "blurry" label is None in the sharp regime. A frame with no
document has no "blurry" or "glare" label (both are judged on the page), and no other page, card or
passport lies in it.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench import capture_scenes as sc
from bench.capture_camera import Slid, Webcam, on_axis, turned
from bench.capture_documents import A4_KINDS, KINDS, VARIANTS, render_document

# Drawn among frames with a document (88 %), partial/small/glare come to 10/5/15 % overall.
P_NO_DOCUMENT, P_PARTIAL, P_SMALL, P_GLARE, P_BLURRY, P_DARK = 0.12, 0.114, 0.057, 0.17, 0.15, 0.05
BACKGROUND_WEIGHTS = {"wood": 0.14, "fabric": 0.12, "tiles": 0.12, "pale": 0.2, "dark": 0.14,
                      "cluttered": 0.28}  # fmt: skip
OVERRIDES = frozenset((
    "document", "variant", "background", "blur", "glare", "partial", "dark", "small", "tilt_deg",
    "roll_deg", "fill", "distractors", "finger", "shadow", "noise_sigma", "jpeg_quality", "camera",
))  # fmt: skip
# Part of the cached corpus folder's name: raise it whenever a change alters the frames drawn.
VERSION = 6
FLAT_LONG_SIDE = 800  # px: the flattened page on which the detector measures blur
MARGIN = 0.012  # of the frame width: how far inside a fully visible document stays
OUT_TOLERANCE = 0.01  # of the frame width: a corner further out is "not fully visible"
SMALL_AREA, LARGE_AREA = 0.12, 0.215  # too_small below; ordinary documents cover more than 20 %


def _plan(seed: int, overrides: dict[str, Any]) -> dict[str, Any]:
    """Draw the frame's scenario from ``random.Random(seed)``, then apply the overrides."""
    if set(overrides) - OVERRIDES:
        raise TypeError(f"unknown overrides: {sorted(set(overrides) - OVERRIDES)}")
    pr = random.Random(seed)
    # Every draw happens whatever the outcome, so forcing one parameter leaves the others alone.
    no_doc, kind, variant = pr.random() < P_NO_DOCUMENT, pr.choice(KINDS), pr.randrange(VARIANTS)
    u, blurry, blur = pr.random(), pr.random() < P_BLURRY, pr.choice(("defocus", "motion"))
    glare = pr.random() < P_GLARE
    dark, shadow, finger_u = pr.random() < P_DARK, pr.random() < 0.2, pr.random()
    background = pr.choices(list(BACKGROUND_WEIGHTS), list(BACKGROUND_WEIGHTS.values()))[0]
    n_clutter, n_plain = pr.randint(5, 8), pr.choices((0, 1, 2, 3), (0.5, 0.25, 0.15, 0.1))[0]
    background = overrides.get("background", background)
    if background not in sc.BACKGROUNDS:
        raise ValueError(f"unknown background {background!r}")
    cluttered = background == "cluttered"
    plan = dict(
        document=None if no_doc else kind, variant=variant, background=background,
        partial=u < P_PARTIAL, small=P_PARTIAL <= u < P_PARTIAL + P_SMALL,
        blur=blur if blurry else "sharp", glare=glare, dark=dark, shadow=shadow,
        distractors=n_clutter if cluttered else n_plain,
        finger=finger_u < (0.45 if cluttered else 0.08),
        tilt_deg=None, roll_deg=None, fill=None, noise_sigma=None, jpeg_quality=None,
        camera="webcam",
    )  # fmt: skip
    streams = [pr.getrandbits(64) for _ in range(3)]
    plan.update(overrides)
    if plan["document"] is not None and plan["document"] not in KINDS:
        raise ValueError(f"unknown document {plan['document']!r}")
    if plan["camera"] not in ("webcam", "slid"):
        raise ValueError(f"unknown camera {plan['camera']!r}")
    if plan["blur"] not in ("sharp", "defocus", "motion"):
        raise ValueError(f"unknown blur {plan['blur']!r}")
    if plan["partial"] and plan["small"]:
        if overrides.get("partial") and overrides.get("small"):
            raise ValueError("a document cannot be both partial and small")
        plan["small" if overrides.get("partial") else "partial"] = False
    if plan["document"] is None:
        plan.update(partial=False, small=False, glare=False, shadow=False, finger=False)
    return plan | {"streams": streams}


def _area(quad: np.ndarray) -> float:
    return float(cv2.contourArea(np.asarray(quad, np.float32)))


def _outside(quad: np.ndarray, width: int, height: int) -> np.ndarray:
    """How far (px) each corner lies outside the frame, whose edges are at -0.5 and size - 0.5."""
    over = np.maximum(-0.5 - quad, quad - (np.array([width, height]) - 0.5))
    return np.maximum(over.max(axis=1), 0.0)


def _outside_fraction(quad: np.ndarray, width: int, height: int) -> float:
    inside, _ = cv2.intersectConvexConvex(np.float32(quad), sc.corners(width, height))
    return 1.0 - inside / _area(quad)


def _place(plan: dict[str, Any], geo: random.Random, page_mm: Sequence[float], width: int,
           height: int) -> tuple[np.ndarray, dict[str, Any]]:  # fmt: skip
    """Choose the page's pose and return its true quad (clockwise from the page's top-left)."""
    tilt, tilt_dir, roll, hfov = (
        geo.uniform(0, 30),
        geo.uniform(0, 360),
        geo.uniform(-15, 15),
        geo.uniform(55, 75),
    )
    fill_u, area_u, px_u, py_u, out_u, mode_u = (geo.random() for _ in range(6))
    side = geo.randrange(4)
    tilt = plan["tilt_deg"] if plan["tilt_deg"] is not None else tilt
    roll = plan["roll_deg"] if plan["roll_deg"] is not None else roll
    shape = on_axis(page_mm, tilt, tilt_dir, roll, hfov, width / height)
    unit_area = _area(shape) * height / width  # frame fraction covered at fill = 1
    margin = MARGIN * width
    hi = min(0.95, 1 - 2 * margin / height, (width - 2 * margin) / (np.ptp(shape[:, 0]) * height))
    lo = min(max(0.40, np.sqrt(LARGE_AREA / unit_area)), hi)
    if plan["fill"] is not None:
        fill = float(plan["fill"])
    elif plan["small"]:  # 4-10 % of the frame, well below the 12 % threshold
        fill = min(float(np.sqrt((0.04 + 0.06 * area_u) / unit_area)), hi)
    else:
        fill = lo + (hi - lo) * fill_u
    size = np.array([width, height], float)
    corners = turned(page_mm, tilt, tilt_dir, roll)
    pose: Webcam | Slid = (
        Slid() if plan["camera"] == "slid" else Webcam(corners, hfov, width, height)
    )
    for _ in range(40):
        target = shape * fill * height
        extent = np.ptp(target, axis=0)
        free = size - 2 * margin - extent
        # A random spot that keeps the margin; centred when a forced fill cannot fit.
        spot = np.where(free > 0, margin + free * [px_u, py_u], (size - extent) / 2)
        target += spot - target.min(axis=0)
        quad = pose.fit(target)
        if plan["partial"] or plan["fill"] is not None or not isinstance(pose, Webcam):
            break
        # Seen from the side, a page off the axis looks larger: moved back in
        # view, or made smaller when it cannot fit, until it keeps the margin.
        quad = pose.within(margin - 0.5, size - margin - 0.5)
        if np.all(quad >= margin - 0.5) and np.all(quad <= size - margin - 0.5):
            break
        fill *= 0.98
    info = dict(tilt_deg=tilt, tilt_dir_deg=tilt_dir, roll_deg=roll, hfov_deg=hfov, fill=fill)
    if plan["partial"]:
        quad, info["partial"] = _push_out(pose, width, height, 0.10 + 0.13 * out_u, mode_u < 0.6,
                                          side)  # fmt: skip
    return quad, info


def _push_out(pose: Webcam | Slid, width: int, height: int, target: float, edge: bool, side: int
              ) -> tuple[np.ndarray, dict[str, Any]]:  # fmt: skip
    """Slide the page across a frame edge (or corner) until ``target`` of its area is outside."""
    edges = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    diagonals = [(-0.7, -0.7), (0.7, -0.7), (0.7, 0.7), (-0.7, 0.7)]
    for attempt in range(8):  # until one or two corners are out; the other mode after four tries
        d = np.array((edges if edge == (attempt < 4) else diagonals)[(side + attempt) % 4], float)
        lo, hi = 0.0, float(width + height)
        for _ in range(30):  # the outside fraction grows monotonically with the shift
            mid = (lo + hi) / 2
            if _outside_fraction(pose.seen(pose.sideways(d * mid)), width, height) < target:
                lo = mid
            else:
                hi = mid
        moved = pose.seen(pose.sideways(d * hi))
        n_out = int(np.count_nonzero(_outside(moved, width, height) > OUT_TOLERANCE * width))
        if 1 <= n_out <= 2:
            break
    fraction = _outside_fraction(moved, width, height)
    return moved, dict(direction=d.tolist(), corners_out=n_out, outside_fraction=fraction)


def _spot(
    pr: random.Random, width: int, height: int, quad: np.ndarray | None
) -> tuple[float, float]:
    """A point for a distractor, preferably off the document (under it, it would be hidden)."""
    for _ in range(6):
        x, y = pr.uniform(-0.05, 1.05) * width, pr.uniform(-0.05, 1.05) * height
        if quad is None or cv2.pointPolygonTest(np.float32(quad), (x, y), False) < 0:
            break
    return x, y


def _distractors(frame: np.ndarray, pr: random.Random, plan: dict[str, Any], ppm: float,
                 quad: np.ndarray | None) -> tuple[list[dict], list[tuple[Any, Any]]]:  # fmt: skip
    """Draw the objects lying under the document; return all descriptions and those on top."""
    height, width = frame.shape[:2]
    if plan["background"] == "cluttered":  # always one sheet, then anything
        pool = ("sheet", "keyboard", "pen", "pen", "mug", "phone", "sticky", "receipt", "box")
        kinds = ["sheet"] + [pr.choice(pool) for _ in range(plan["distractors"] - 1)]
    else:
        pool = ("sheet", "pen", "mug", "phone", "sticky", "receipt")
        kinds = [pr.choice(pool) for _ in range(plan["distractors"])]
    if quad is None:
        # A frame labelled "no document" holds no page, card or passport either: one in view,
        # whole or cut by the frame, is a document the detector is right to report.
        kinds = [kind for kind in kinds if kind != "sheet"]
    drawn, over = [], []
    for kind in kinds:
        angle, on_top = pr.uniform(0, 360), kind == "pen" and pr.random() < 0.35
        if kind == "sheet":  # another page, a card or a passport
            other = pr.choice(KINDS)
            doc = render_document(other, pr.randrange(VARIANTS))
            size = np.asarray(doc.page_mm) * ppm
            if other in A4_KINDS:  # pages are cut by a frame edge, 30-70 % of them in view
                e, t, f = pr.randrange(4), pr.random(), pr.uniform(0.3, 0.7)
                reach = f * max(size) - max(size) / 2  # how far the centre lies inside the edge
                xy = (
                    (reach, width - reach, t * width, t * width)[e],
                    (t * height, t * height, reach, height - reach)[e],
                )
            else:
                xy = _spot(pr, width, height, quad)
            patch = doc.image
            where = sc.rect_quad(
                xy, tuple(size), pr.uniform(-35, 35) + pr.choice((0, 90)), pr, 0.01
            )
        elif kind == "keyboard":  # near the top or bottom edge, as on a desk
            patch = sc.keyboard_patch(pr, ppm)
            xy = (
                pr.uniform(0.1, 0.9) * width,
                pr.choice((pr.uniform(-0.1, 0.12), pr.uniform(0.88, 1.1))) * height,
            )
            where = sc.rect_quad(xy, patch.shape[1::-1], pr.uniform(-15, 15), pr)
        else:
            patch = sc.pen_patch(pr, ppm) if kind == "pen" else sc.object_patch(kind, pr, ppm)
            where = sc.rect_quad(_spot(pr, width, height, quad), patch.shape[1::-1], angle, pr, 0.0)
        drawn.append({"kind": kind, "on_top": on_top, "quad": where.round(1).tolist()})
        if on_top:
            over.append((patch, where))
        else:
            sc.drop_shadow(frame, where, ppm, pr, None if kind == "sheet" else patch)
            sc.paste(frame, patch, where)
    if plan["finger"] and quad is not None:  # a finger holding a corner down, from outside in
        patch, skin = sc.finger_patch(pr, ppm)
        corner = quad[pr.randrange(4)]
        inward = quad.mean(axis=0) - corner
        a = np.arctan2(inward[1], inward[0]) + np.deg2rad(pr.uniform(-20, 20))
        axis = -np.array([np.cos(a), np.sin(a)])  # from the tip, over the corner, to the hand
        tip = corner - axis * pr.uniform(10, 25) * ppm
        half, length = np.array([-axis[1], axis[0]]) * patch.shape[0] / 2, axis * patch.shape[1]
        where = np.array([tip - half, tip + length - half, tip + length + half, tip + half])
        drawn.append(
            {"kind": "finger", "on_top": True, "skin": skin, "quad": where.round(1).tolist()}
        )
        over.append((patch, where))
    return drawn, over


def _camera(img: np.ndarray, plan: dict[str, Any], cam: random.Random, rng: np.random.Generator,
            quad: np.ndarray | None, visible: np.ndarray) -> tuple[np.ndarray, dict]:  # fmt: skip
    """Apply lighting, cast shadow, exposure, glare, blur and noise to a float32 frame."""
    height, width = img.shape[:2]
    info: dict[str, Any] = {}
    field, gains, info["lighting"] = sc.lighting(cam, width, height)
    img *= field[..., None]
    img *= gains
    if plan["shadow"] and quad is not None:
        info["cast_shadow"] = sc.cast_shadow(img, cam, quad)
    # Every draw is made whatever the regime, so forcing one effect leaves the others alone.
    dark_level, dark_gain = cam.uniform(30, 60), cam.uniform(0.12, 0.25)
    glare_target = cam.uniform(0.035, 0.11)
    sharp, defocus, motion = cam.uniform(0, 0.45), cam.uniform(1.8, 4.0), cam.uniform(8, 20)
    motion_angle, noise, quality = cam.uniform(0, 180), cam.uniform(1, 5), cam.randint(60, 95)
    paper = None  # the median brightness of the visible page
    if quad is not None and np.count_nonzero(visible[::4, ::4] > 0.99) > 50:
        paper = float(np.median(img[::4, ::4][visible[::4, ::4] > 0.99].mean(axis=1)))
    if plan["dark"]:
        gain = dark_level / paper if paper else dark_gain
    else:  # auto-exposure keeps a lit page well clear of the too-dark threshold
        gain = max(1.0, 115 / paper) if paper else 1.0
    img *= np.float32(gain)
    info["exposure"] = {"gain": gain, "paper_level": paper * gain if paper else None}
    if plan["glare"] and quad is not None:
        info["glare"] = sc.glare(img, cam, visible, _area(quad), glare_target)
    # No page: scale blur as for a portrait A4 page filling 80 % of the height.
    sides = (
        np.linalg.norm(quad - np.roll(quad, -1, 0), axis=1) if quad is not None else [0.8 * height]
    )
    s = FLAT_LONG_SIDE / float(np.max(sides))
    blur: dict[str, Any] = {"regime": plan["blur"], "s": s}
    if plan["blur"] == "motion":
        blur.update(length_page=motion, length_frame=motion / s, angle_deg=motion_angle)
        img = cv2.filter2D(img, -1, sc.motion_kernel(motion / s, motion_angle))
    else:
        sigma = defocus if plan["blur"] == "defocus" else sharp
        blur.update(sigma_page=sigma, sigma_frame=sigma / s)
        if sigma / s >= 0.2:  # a narrower kernel would change next to nothing
            img = cv2.GaussianBlur(img, (0, 0), sigma / s)
    info["blur"] = blur
    info["noise_sigma"] = plan["noise_sigma"] if plan["noise_sigma"] is not None else noise
    info["jpeg_quality"] = plan["jpeg_quality"] if plan["jpeg_quality"] is not None else quality
    sc.sensor_noise(img, rng, info["noise_sigma"])
    return img, info


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, float | np.floating):
        return round(float(value), 4)
    return value.item() if isinstance(value, np.generic) else value


def _render(seed: int, resolution: tuple[int, int], overrides: dict[str, Any]
            ) -> tuple[np.ndarray, dict[str, Any], bytes]:  # fmt: skip
    """Render a frame; return it decoded, its truth record and its JPEG bytes."""
    width, height = int(resolution[0]), int(resolution[1])
    plan = _plan(seed, overrides)
    geo, scene, cam = (random.Random(s) for s in plan.pop("streams"))
    rng = np.random.default_rng(seed)  # textures and sensor noise
    doc = render_document(plan["document"], plan["variant"]) if plan["document"] else None
    params: dict[str, Any] = {"plan": dict(plan)}
    quad = None
    if doc is not None:
        quad, params["geometry"] = _place(plan, geo, doc.page_mm, width, height)
    # Frame pixels per millimetre on the desk, to size the other objects.
    ppm = np.sqrt(_area(quad) / np.prod(doc.page_mm)) if doc else 0.8 * height / 297
    frame, params["desk"] = sc.background(plan["background"], rng, width, height)
    params["objects"], on_top = _distractors(frame, scene, plan, ppm, quad)
    visible = np.zeros((height, width), np.float32)  # the page's coverage, occluders removed
    if doc is not None and quad is not None:
        sc.drop_shadow(frame, quad, ppm, scene)
        pasted = sc.paste(frame, doc.image, quad)
        if pasted is not None:
            visible[pasted[0]] = pasted[1]
    occlusion = np.zeros_like(visible)
    for patch, where in on_top:
        sc.paste(frame, patch, where, occlusion)
    visible *= 1 - occlusion
    img, params["camera"] = _camera(frame.astype(np.float32), plan, cam, rng, quad, visible)
    np.clip(img + 0.5, 0, 255, out=img)
    ok, jpeg = cv2.imencode(
        ".jpg", img.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, params["camera"]["jpeg_quality"]]
    )
    if not ok:
        raise RuntimeError("JPEG encoding failed")

    params["area_fraction"] = area = _area(quad) / (width * height) if quad is not None else 0.0
    outside = quad is not None and bool(
        np.any(_outside(quad, width, height) > OUT_TOLERANCE * width)
    )
    # Past s = 1.7 a frame pixel spans over 0.5 page pixels: even a perfect camera looks soft.
    sharp_enough = params["camera"]["blur"]["s"] <= 1.7
    # Blur and glare are judged on the page: a frame with no page has neither label (glare is
    # only drawn on a page anyway).
    blurry = True if plan["blur"] != "sharp" else (False if sharp_enough else None)
    labels = {
        "no_document": doc is None, "not_fully_visible": outside,
        "blurry": None if doc is None else blurry,
        "glare": None if doc is None else bool(plan["glare"]), "too_dark": bool(plan["dark"]),
        "too_small": quad is not None and area < SMALL_AREA,
    }  # fmt: skip
    truth = {
        "image": None, "seed": seed, "width": width, "height": height,
        "quad": None if quad is None else quad.tolist(), "document": plan["document"],
        "background": plan["background"],
        "cluttered": plan["background"] == "cluttered" or len(params["objects"]) >= 3,
        "labels": labels, "params": _jsonable(params), "text": list(doc.text) if doc else [],
        "page_mm": list(doc.page_mm) if doc else None,
    }  # fmt: skip
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR), truth, jpeg.tobytes()


def render_scene(
    seed: int, resolution: tuple[int, int] = (1920, 1080), **overrides: Any
) -> tuple[np.ndarray, dict[str, Any]]:
    """Render one synthetic webcam frame and its truth record.

    Args:
        seed: everything is derived from it; the same seed and arguments give the same bytes.
        resolution: (width, height) in pixels.
        **overrides: force parts of the scenario: ``document`` (a kind or None), ``variant``,
            ``background``, ``blur`` ("sharp", "defocus" or "motion"), ``glare``, ``partial``,
            ``dark``, ``small``, ``tilt_deg``, ``roll_deg``, ``fill`` (fraction of the frame
            height), ``distractors`` (count), ``finger``, ``shadow``, ``noise_sigma``,
            ``jpeg_quality``, ``camera`` ("webcam": the lens axis through the frame's centre;
            "slid": the page placed as corpus version 4 did, see `Slid`).

    Returns:
        The BGR uint8 frame (after its JPEG round trip) and the truth record.

    Raises:
        TypeError: on an unknown override.
        ValueError: on an unknown document, background or blur, or on partial and small together.
    """
    frame, truth, _ = _render(seed, resolution, overrides)
    return frame, truth


def generate(
    out_dir: Path,
    count: int,
    seed: int = 0,
    resolutions: Sequence[tuple[int, int]] = ((1280, 720), (1920, 1080)),
) -> Path:
    """Write ``frame-00001.jpg``... and ``truth.jsonl`` (one record per line) into ``out_dir``.

    Frame ``i`` (from 0) uses seed ``seed * 1_000_000 + i`` and alternates the resolutions; the
    JPEG files hold exactly the bytes behind the frames ``render_scene`` returns.

    Args:
        out_dir: created if missing.
        count: number of frames.
        seed: corpus seed.
        resolutions: (width, height) pairs, used in turn.

    Returns:
        The path of ``truth.jsonl``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth_path = out_dir / "truth.jsonl"
    with truth_path.open("w", encoding="utf-8") as fh:
        for i in range(count):
            _, truth, jpeg = _render(seed * 1_000_000 + i, resolutions[i % len(resolutions)], {})
            truth["image"] = f"frame-{i + 1:05d}.jpg"
            (out_dir / truth["image"]).write_bytes(jpeg)
            fh.write(json.dumps(truth, ensure_ascii=False) + "\n")
    return truth_path


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``python -m bench.capture_corpus --out DIR --count N --seed S``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--count", type=int, default=100, help="number of frames")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path = generate(args.out, args.count, args.seed)
    elapsed = time.perf_counter() - start
    counts: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        counts.update(k for k, v in record["labels"].items() if v)
        counts.update(["cluttered"] if record["cluttered"] else [])
        counts.update([f"background={record['background']}"])
    per_frame = elapsed / max(args.count, 1)
    print(f"{args.count} frames in {elapsed:.1f} s ({per_frame:.3f} s/frame) -> {path}")
    for key, n in sorted(counts.items()):
        print(f"  {key:28s} {n:5d}")


if __name__ == "__main__":
    main()
