"""Desk backgrounds, distractor objects and camera effects for the synthetic capture corpus.

Scenes are drawn as uint8 BGR frames; camera effects work on float32 frames in place. Sizes of
objects are given in millimetres and converted with the frame's scale (pixels per millimetre)
so that a pen stays pen-sized next to the document. All randomness comes from the generators
passed in.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
from PIL import Image, ImageDraw

from bench.capture_documents import FONTS, truetype

BACKGROUNDS = ("wood", "fabric", "tiles", "pale", "dark", "cluttered")
BASES = BACKGROUNDS[:5]
SKINS = ((170, 195, 235), (135, 170, 220), (110, 145, 200), (85, 120, 170), (60, 88, 135))
_WOODS = ((95, 150, 200), (60, 95, 140), (75, 120, 170), (55, 70, 125))  # BGR oak .. mahogany
_CLOTHS = ((120, 120, 120), (95, 60, 40), (60, 85, 55), (50, 50, 110), (150, 165, 175))
_TILES = ((222, 224, 220), (70, 100, 175), (150, 150, 148), (175, 135, 90))
_SNIPPETS = ("Appeler", "CAF", "mardi 14h", "RDV", "pièces", "mairie", "1 PAIN", "2,30", "TOTAL")
_VIVID = ((40, 40, 200), (200, 90, 30), (40, 160, 60), (30, 180, 230), (160, 60, 150), (30, 30, 30))


def corners(w: float, h: float) -> np.ndarray:
    """Outer corners of a w x h image, clockwise from top-left (pixel centres are integers)."""
    return np.float32([[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]])


def _bounds(pts: np.ndarray, pad: int, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """The frame region (x0, y0, x1, y1) around ``pts`` plus ``pad``; None if (nearly) empty."""
    x0, y0 = np.maximum(np.floor(pts.min(axis=0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(pts.max(axis=0)).astype(int) + pad + 1, (shape[1], shape[0]))
    return (int(x0), int(y0), int(x1), int(y1)) if x1 - x0 >= 2 and y1 - y0 >= 2 else None


def _noise(rng: np.random.Generator, h: int, w: int, cell: float) -> np.ndarray:
    """Smooth value noise of unit-ish amplitude whose features are about ``cell`` px wide."""
    small = rng.standard_normal((max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)))
    return cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def _grid(h: int, w: int, angle: float) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    c, s = np.float32(np.cos(angle)), np.float32(np.sin(angle))
    return xx * c + yy * s, yy * c - xx * s


def _wood(
    rng: np.random.Generator, h: int, w: int, colour: tuple[float, ...], contrast: float
) -> np.ndarray:
    """Planks with long grain streaks, drawn along x on a square canvas and then rotated."""
    side = int(np.hypot(h, w)) + 4
    yy, xx = np.arange(side, dtype=np.float32)[:, None], np.arange(side, dtype=np.float32)[None, :]
    plank_w = rng.uniform(0.25, 0.6) * h
    plank = np.floor(yy / plank_w).astype(np.int32)

    def stretched(rows: int, cols: int) -> np.ndarray:  # noise whose features run along x
        small = rng.standard_normal((rows, cols)).astype(np.float32)
        return cv2.resize(small, (side, side), interpolation=cv2.INTER_CUBIC)

    warp = stretched(side // 30 + 2, side // 300 + 2) * rng.uniform(4, 12) + plank * 23.0
    rings = np.sin((yy + warp) * np.float32(2 * np.pi / rng.uniform(3, 9)))
    streaks = stretched(side // 2, side // 150 + 2)
    tones = rng.normal(0, 0.06, 256).astype(np.float32)
    shade = 1 + contrast * (0.07 * rings + 0.05 * streaks) + tones[plank % 256]
    joints = rng.uniform(0, 3 * plank_w, 256).astype(np.float32)[plank % 256]
    seam = ((yy % plank_w) < 1.2) | (((xx + joints) % (3 * plank_w)) < 1.2)
    shade *= np.where(seam, np.float32(0.65), np.float32(1.0))
    img = shade[..., None] * np.asarray(colour, np.float32)
    angle = rng.uniform(-12, 12) + rng.choice([0.0, 90.0])
    m = cv2.getRotationMatrix2D((side / 2, side / 2), angle, 1.0)
    m[:, 2] += (w / 2 - side / 2, h / 2 - side / 2)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _fabric(
    rng: np.random.Generator, h: int, w: int, colour: tuple[int, ...], contrast: float
) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    p = rng.uniform(1.6, 3.0)
    weave = np.sin(xx * (2 * np.pi / p)) * np.sin(yy * (2 * np.pi / p))
    fine = rng.standard_normal((h, w), dtype=np.float32)
    shade = 1 + contrast * (0.07 * weave + 0.06 * fine + 0.05 * _noise(rng, h, w, 40))
    return shade[..., None] * np.asarray(colour, np.float32)


def _tiles(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    u, v = _grid(h, w, rng.uniform(-0.35, 0.35))
    size, grout = rng.uniform(45, 120), rng.uniform(1.2, 3.0)
    table = rng.normal(0, 0.05, (16, 16)).astype(np.float32)
    iu, iv = (np.floor(u / size).astype(np.int32) % 16), (np.floor(v / size).astype(np.int32) % 16)
    shade = 1 + table[iu, iv] + 0.03 * rng.standard_normal((h, w), dtype=np.float32)
    colour = np.asarray(_TILES[rng.integers(len(_TILES))], np.float32)
    img = shade[..., None] * colour
    joints = ((u % size) < grout) | ((v % size) < grout)
    img[joints] = rng.uniform(90, 200)
    return img


def background(
    kind: str, rng: np.random.Generator, width: int, height: int
) -> tuple[np.ndarray, dict]:
    """Draw a desk surface.

    Args:
        kind: one of ``BACKGROUNDS``; "cluttered" draws one of the plain kinds (distractors are
            added separately).
        rng: texture randomness.
        width: frame width in pixels.
        height: frame height in pixels.

    Returns:
        The uint8 BGR frame and a description of what was drawn.
    """
    info: dict = {"kind": kind}
    if kind == "cluttered":
        kind = info["base"] = BASES[int(rng.integers(len(BASES)))]
    # Textures are drawn at half size: the optics smooth them anyway, and it halves the time.
    h, w = height // 2, width // 2
    if kind == "wood":
        img = _wood(rng, h, w, _WOODS[rng.integers(len(_WOODS))], rng.uniform(0.7, 1.4))
    elif kind == "fabric":
        img = _fabric(rng, h, w, _CLOTHS[rng.integers(len(_CLOTHS))], rng.uniform(0.8, 1.5))
    elif kind == "tiles":
        img = _tiles(rng, h, w)
    elif kind == "pale":  # the hard case: a desk nearly as light as the paper
        level = info["level"] = float(rng.uniform(200, 235))
        colour = (level - rng.uniform(4, 18), level - rng.uniform(0, 7), level)
        grain = rng.random() < 0.5
        img = _wood(rng, h, w, colour, 0.25) if grain else _fabric(rng, h, w, colour, 0.25)
        img *= (1 + 0.015 * _noise(rng, h, w, 90))[..., None]
    elif kind == "dark":
        level = info["level"] = float(rng.uniform(25, 70))
        colour = (level * rng.uniform(0.8, 1.0), level * rng.uniform(0.85, 1.0), level)
        img = _wood(rng, h, w, colour, 0.8) if rng.random() < 0.5 else _fabric(rng, h, w, colour, 1)
    else:
        raise ValueError(f"unknown background {kind!r}")
    img = cv2.resize(np.clip(img, 0, 255), (width, height), interpolation=cv2.INTER_LINEAR)
    return img.astype(np.uint8), info


def rect_quad(centre: tuple[float, float], size: tuple[float, float], angle_deg: float,
              pr: random.Random, jitter: float = 0.015) -> np.ndarray:  # fmt: skip
    """Corners (clockwise from top-left) of a rotated rectangle, nudged to mimic perspective."""
    a = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    nudge = np.array([[pr.uniform(-1, 1), pr.uniform(-1, 1)] for _ in range(4)]) * jitter
    base = (np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]]) + nudge) * size
    return base @ rot.T + np.asarray(centre)


def paste(
    frame: np.ndarray, patch: np.ndarray, quad: np.ndarray, occlusion: np.ndarray | None = None
) -> tuple[tuple[slice, slice], np.ndarray] | None:
    """Warp a premultiplied BGRA patch onto ``quad`` of ``frame``, in place.

    Args:
        frame: uint8 BGR frame.
        patch: premultiplied BGRA uint8 image; its top-left corner goes to ``quad[0]``.
        quad: 4 frame points, clockwise from the patch's top-left (may lie outside the frame).
        occlusion: optional float32 frame-sized mask, raised to the patch's coverage.

    Returns:
        The frame region touched and the patch's coverage there, or None when off-frame.
    """
    quad = np.asarray(quad, np.float32)
    h, w = patch.shape[:2]
    sides = np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)
    scale = max(sides[0] / w, sides[2] / w, sides[1] / h, sides[3] / h)
    if scale < 0.9:  # INTER_LINEAR alone would alias fine print when shrinking a lot
        size = (max(2, round(w * scale)), max(2, round(h * scale)))
        patch = cv2.resize(patch, size, interpolation=cv2.INTER_AREA)
    box = _bounds(quad, 1, frame.shape)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    m = cv2.getPerspectiveTransform(
        corners(patch.shape[1], patch.shape[0]), np.float32(quad - [x0, y0])
    )
    warped = cv2.warpPerspective(patch, m, (x1 - x0, y1 - y0), None, cv2.INTER_LINEAR)
    alpha = warped[:, :, 3].astype(np.float32) * np.float32(1 / 255)
    roi = frame[y0:y1, x0:x1]
    roi[:] = np.clip(roi * (1 - alpha[..., None]) + warped[:, :, :3] + 0.5, 0, 255).astype(np.uint8)
    region = (slice(y0, y1), slice(x0, x1))
    if occlusion is not None:
        np.maximum(occlusion[region], alpha, out=occlusion[region])
    return region, alpha


def drop_shadow(
    frame: np.ndarray,
    quad: np.ndarray,
    ppm: float,
    pr: random.Random,
    patch: np.ndarray | None = None,
) -> None:
    """Darken the desk under and beside an object lying on it (a soft, offset silhouette).

    Args:
        frame: uint8 BGR frame, changed in place.
        quad: where the object lies (as for ``paste``).
        ppm: frame pixels per millimetre.
        pr: randomness for the light direction and softness.
        patch: the object's BGRA patch, whose alpha gives the silhouette; None for a rectangle.
    """
    off = np.array([pr.uniform(-1, 1), pr.uniform(0.3, 1.5)]) * ppm
    sigma, strength = pr.uniform(1.0, 3.0) * ppm, pr.uniform(0.15, 0.35)
    q = np.asarray(quad, np.float32) + off.astype(np.float32)
    box = _bounds(q, int(3 * sigma) + 2, frame.shape)
    if box is None:
        return
    x0, y0, x1, y1 = box
    k = int(np.clip(sigma / 1.5, 1, 4))  # the mask is this much smaller: it is blurred anyway
    size = ((x1 - x0) // k + 1, (y1 - y0) // k + 1)
    # Map frame pixels to mask pixels: centre (x0 + (k - 1) / 2) of a k x k block -> 0.
    small = ((q - [x0, y0]) - (k - 1) / 2) / k
    if patch is None:
        mask = np.zeros(size[::-1], np.float32)
        cv2.fillConvexPoly(mask, np.round(small * 16).astype(np.int32), 1.0, cv2.LINE_AA, 4)
    else:
        m = cv2.getPerspectiveTransform(
            corners(patch.shape[1], patch.shape[0]), small.astype(np.float32)
        )
        mask = cv2.warpPerspective(patch[:, :, 3].astype(np.float32) * np.float32(1 / 255), m, size)
    mask = cv2.resize(cv2.GaussianBlur(mask, (0, 0), sigma / k), (x1 - x0, y1 - y0))
    roi = frame[y0:y1, x0:x1]
    roi[:] = (roi * (1 - strength * mask[..., None])).astype(np.uint8)


def sensor_noise(img: np.ndarray, rng: np.random.Generator, sigma: float) -> None:
    """Add gaussian noise of about ``sigma`` per channel, in place.

    Luma noise is per pixel; chroma noise is drawn at half size, as demosaicing leaves it blotchy.
    """
    h, w = img.shape[:2]
    luma = rng.standard_normal((h, w), dtype=np.float32)
    chroma = rng.standard_normal(((h + 1) // 2, (w + 1) // 2, 3), dtype=np.float32)
    chroma = cv2.resize(chroma, (w, h), interpolation=cv2.INTER_LINEAR)
    luma *= np.float32(0.85 * sigma)
    chroma *= np.float32(0.75 * sigma)
    img += luma[..., None]
    img += chroma


# --- Distractor patches: premultiplied BGRA drawn straight onto a transparent canvas ----------
# Opaque shapes drawn with LINE_AA onto zeros come out premultiplied, edges included.


def _canvas(w_mm: float, h_mm: float, ppm: float) -> np.ndarray:
    return np.zeros((max(4, round(h_mm * ppm)), max(4, round(w_mm * ppm)), 4), np.uint8)


def _c(bgr: tuple[float, ...]) -> tuple[int, int, int, int]:
    return (int(min(bgr[0], 255)), int(min(bgr[1], 255)), int(min(bgr[2], 255)), 255)


def _box(p: np.ndarray, x0: float, y0: float, x1: float, y1: float, bgr: tuple[float, ...]) -> None:
    """Fill a rectangle given in fractions of the patch's width and height."""
    h, w = p.shape[:2]
    pt0, pt1 = (int(x0 * w), int(y0 * h)), (int(x1 * w) - 1, int(y1 * h) - 1)
    cv2.rectangle(p, pt0, pt1, _c(bgr), -1, cv2.LINE_AA)


#: Text on the distractors (key labels, a receipt's lines, a note's script), drawn with
#: Pillow in Debian's fonts, as the documents' text is. OpenCV's Hershey fonts were used
#: until corpus version 5, but OpenCV 5.0 draws them in other shapes and sizes than 4.x:
#: a receipt's lines came out about half as long and faint (its text hardly showed), so
#: the corpus depended on OpenCV's version. Each face stands for the Hershey one it
#: replaces, at the same cap height: Hershey's is 21 units of the font's scale for the
#: simplex and script faces, 10 for the plain one.
_TEXT_FACES = {
    "keys": (FONTS["sans"], 21.0),  # was FONT_HERSHEY_SIMPLEX
    "receipt": (FONTS["mono"], 10.0),  # was FONT_HERSHEY_PLAIN; a till prints bold, fixed pitch
    "note": (FONTS["hand"], 21.0),  # was FONT_HERSHEY_SCRIPT_SIMPLEX
}
#: Cap height of Debian's DejaVu faces, as a share of the font size.
_CAP_HEIGHT = 0.73


def _text(p: np.ndarray, s: str, org: tuple[int, int], face: str, scale: float,
          bgr: tuple[float, ...], thick: int = 1) -> None:  # fmt: skip
    """Write `s` on an opaque part of a patch, its baseline starting at `org` (pixels).

    `scale` is the size as OpenCV's Hershey fonts took it; `thick`, their stroke
    width in pixels, widens the glyphs' strokes (Pillow's stroke, in whole pixels).
    """
    path, units = _TEXT_FACES[face]
    font = truetype(str(path), max(4, round(units * scale / _CAP_HEIGHT)))
    stroke = (thick - 1) // 2
    # Only the text's own box is drawn and blended: a keyboard has 40 labels.
    left, top, right, bottom = font.getbbox(s, anchor="ls", stroke_width=stroke)
    x0, y0 = max(org[0] + left, 0), max(org[1] + top, 0)
    x1, y1 = min(org[0] + right, p.shape[1]), min(org[1] + bottom, p.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    ImageDraw.Draw(mask).text(
        (org[0] - x0, org[1] - y0), s, fill=255, font=font, anchor="ls", stroke_width=stroke,
        stroke_fill=255,
    )  # fmt: skip
    alpha = np.asarray(mask, dtype=np.float32)[..., None] / 255.0
    colour = np.array(_c(bgr)[:3], dtype=np.float32)
    box = p[y0:y1, x0:x1, :3]
    box[...] = np.rint(box * (1.0 - alpha) + colour * alpha).astype(np.uint8)


def _scaled(bgr: tuple[float, ...], gain: float, add: float = 0.0) -> tuple[float, ...]:
    return tuple(c * gain + add for c in bgr)


def pen_patch(pr: random.Random, ppm: float) -> np.ndarray:
    """A ballpoint pen or highlighter seen from above: body, cap, tip and a shine line."""
    p = _canvas(145, 10, ppm)
    body = pr.choice((*_VIVID, (190, 190, 195)))
    _box(p, 0.1, 0.15, 1, 0.85, body)
    _box(p, 0.72, 0.05, 1, 0.95, _scaled(body, 0.6) if pr.random() < 0.5 else pr.choice(_VIVID))
    _box(p, 0.12, 0.32, 0.98, 0.42, _scaled(body, 1, 70))
    h, w = p.shape[:2]
    tip = np.array([[int(0.1 * w), int(0.15 * h)], [0, h // 2], [int(0.1 * w), int(0.85 * h)]])
    cv2.fillConvexPoly(p, tip, _c((200, 200, 200)), cv2.LINE_AA)
    return p


def keyboard_patch(pr: random.Random, ppm: float) -> np.ndarray:
    """A French AZERTY keyboard: six rows of keys, four of them labelled."""
    p = _canvas(440, 140, ppm)
    body, key, ink = [
        ((40, 40, 42), (60, 60, 62), (230,) * 3),
        ((200,) * 3, (245,) * 3, (40,) * 3),
    ][
        pr.random() >= 0.6  # most keyboards are dark
    ]
    p[:, :] = _c(body)
    rows = ("", "1234567890", "AZERTYUIOP", "QSDFGHJKLM", "WXCVBN,;:!", "")
    k = 15.5 * ppm  # key size; keys sit on a 19.5 mm pitch
    for r, labels in enumerate(rows):
        y = (6 + r * 21.5) * ppm
        for i in range(20 if r else 17):
            x, wide = (6 + i * 19.5 + (r % 3) * 4) * ppm, k * (6 if r == 5 and i == 5 else 1)
            if (r == 5 and 5 < i < 11) or x + wide > p.shape[1] - 4 * ppm:
                continue  # under the space bar, or past the right edge
            cv2.rectangle(p, (int(x), int(y)), (int(x + wide), int(y + k)), _c(key), -1)
            if 2 <= i < 2 + len(labels):
                org = (int(x + 0.25 * k), int(y + 0.7 * k))
                _text(p, labels[i - 2], org, "keys", 0.38 * ppm, ink)
    return p


def object_patch(kind: str, pr: random.Random, ppm: float) -> np.ndarray:
    """A mug, a phone, a sticky note, a receipt or a box, seen from above."""
    if kind == "mug":  # a ring, the drink inside, a handle
        p = _canvas(125, 90, ppm)
        colour, c, r = pr.choice((*_VIVID, (235, 235, 235))), (int(45 * ppm),) * 2, 42 * ppm
        _box(p, 0.62, 0.41, 0.96, 0.59, colour)
        inside = pr.choice(((20, 35, 60), (200,) * 3))  # coffee, or an empty mug
        for radius, bgr in ((1, colour), (0.86, _scaled(colour, 1, 40)), (0.8, inside)):
            cv2.circle(p, c, int(r * radius), _c(bgr), -1, cv2.LINE_AA)
    elif kind == "phone":
        p = _canvas(72, 150, ppm)
        p[:, :] = _c((25, 25, 28))
        _box(p, 0.06, 0.07, 0.94, 0.93, pr.choice(((45, 40, 38), (180, 120, 60), (90, 150, 200))))
    elif kind in ("sticky", "receipt"):  # a square note in script, or a till receipt
        sticky = kind == "sticky"
        p = _canvas(76, 76 if sticky else pr.uniform(140, 230), ppm)
        pastel = pr.choice(((120, 240, 250), (200, 180, 250), (180, 240, 190)))
        p[:, :] = _c(pastel if sticky else (236,) * 3)
        face = "note" if sticky else "receipt"
        step, ink = (11, (60, 40, 20)) if sticky else (5, (50,) * 3)
        for i in range(int(p.shape[0] / (step * ppm)) - 1):
            text = " ".join(pr.sample(_SNIPPETS, 2 if sticky else 3))
            org = (int(4 * ppm), int((step * (i + 1) + 2) * ppm))
            _text(p, text, org, face, ppm * (0.09 if sticky else 0.07), ink, max(1, round(ppm / 4)))
    else:  # a box or a stapler: a plain coloured block
        p = _canvas(pr.uniform(40, 120), pr.uniform(25, 60), ppm)
        p[:, :] = _c(pr.choice(_VIVID))
    return p


def finger_patch(pr: random.Random, ppm: float) -> tuple[np.ndarray, tuple[int, ...]]:
    """A finger lying flat, tip at the left (x = 0), with a nail and two knuckle creases."""
    p = _canvas(130, pr.uniform(15, 20), ppm)
    h, w = p.shape[:2]
    skin = pr.choice(SKINS)
    # Darker sides, a lighter ridge: the finger reads as rounded.
    side, ridge = _scaled(skin, 0.8), _scaled(skin, 1.1)
    for (y0, y1), bgr in (((0, 1), side), ((0.12, 0.88), skin), ((0.3, 0.55), ridge)):
        centre, radius = (h // 2, int((y0 + y1) * h / 2)), int((y1 - y0) * h / 2)
        cv2.circle(p, centre, radius, _c(bgr), -1, cv2.LINE_AA)
        _box(p, 0.5 * h / w, y0, 1, y1, bgr)
    nail = (int(0.55 * h), h // 2), (int(0.4 * h), int(0.28 * h))
    cv2.ellipse(p, *nail, 0, 0, 360, _c(_scaled(skin, 1.15, 20)), -1, cv2.LINE_AA)
    for x in (0.3 * w, 0.5 * w):  # knuckle creases
        _box(p, x / w, 0.25, x / w + max(1, h // 14) / w, 0.75, side)
    # Blurring a premultiplied patch is exact: it rounds the shading and softens the outline.
    return cv2.GaussianBlur(p, (0, 0), 0.06 * h), skin


# --- Camera ------------------------------------------------------------------------------------


def lighting(pr: random.Random, width: int, height: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """A multiplicative illumination field in [0.6, 1.1] (gradient plus vignette) and a colour cast.

    Returns:
        The (h, w) float32 field, a BGR gain triple and the parameters.
    """
    lo = pr.uniform(0.6, 0.9)
    hi = pr.uniform(max(lo + 0.05, 0.85), 1.1)
    angle, vignette, cast = pr.uniform(0, 2 * np.pi), pr.uniform(0, 0.15), pr.uniform(-0.05, 0.05)
    yy, xx = np.mgrid[0:18, 0:32].astype(np.float32)
    xx, yy = xx / 31 - 0.5, yy / 17 - 0.5
    t = xx * np.cos(angle) + yy * np.sin(angle)
    t = (t - t.min()) / (t.max() - t.min())
    field = (lo + (hi - lo) * t) * (1 - vignette * 2 * (xx**2 + yy**2))
    field = cv2.resize(np.clip(field, 0.6, 1.1), (width, height), interpolation=cv2.INTER_LINEAR)
    gains = np.array([1 - cast, 1.0, 1 + cast], np.float32)
    info = {"low": lo, "high": hi, "angle": angle, "vignette": vignette, "cast": cast}
    return field, gains, info


def cast_shadow(img: np.ndarray, pr: random.Random, quad: np.ndarray) -> dict:
    """Darken part of the document by 30-50 % with a soft polygon (the shadow of a head or arm)."""
    fh, fw = img.shape[:2]
    centre = quad.mean(axis=0)
    through = centre + (quad[pr.randrange(4)] - centre) * pr.uniform(0.0, 0.6)
    a = pr.uniform(0, 2 * np.pi)
    d, n = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])
    big = 3.0 * (fw + fh)
    edge = [through + d * big * t + n * pr.uniform(-0.06, 0.06) * fw for t in (-1, -0.05, 0.05, 1)]
    poly = np.array(edge + [through + d * big + n * big, through - d * big + n * big]) / 4
    mask = np.zeros((fh // 4, fw // 4), np.float32)
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1.0, cv2.LINE_AA)
    blur = pr.uniform(0.005, 0.02) * fw / 4 + 1
    mask = cv2.resize(cv2.GaussianBlur(mask, (0, 0), blur), (fw, fh))
    strength = pr.uniform(0.3, 0.5)
    img *= (1 - strength * mask)[..., None]
    return {"strength": strength, "through": through.tolist(), "angle": a}


def glare(
    img: np.ndarray, pr: random.Random, visible: np.ndarray, area: float, target: float
) -> dict:
    """Add a saturated, soft-edged elliptical highlight on the document, in place.

    Args:
        img: float32 BGR frame.
        pr: randomness for the position and shape.
        visible: float32 mask of the document's visible surface (the reflection lives there).
        area: the document's area in frame pixels.
        target: fraction of ``area`` the highlight should cover (where its alpha >= 0.5).

    Returns:
        The parameters, with the coverage actually reached.
    """
    ys, xs = np.nonzero(visible[::8, ::8] > 0.99)
    k = pr.randrange(len(ys))
    cy, cx = ys[k] * 8.0, xs[k] * 8.0
    aspect, angle = pr.uniform(1.2, 2.5), pr.uniform(0, np.pi)
    major = np.sqrt(target * area * aspect / (np.pi * 0.75**2))  # alpha is 0.5 at r = 0.75
    for _ in range(5):
        x0, y0, x1, y1 = _bounds(np.array([[cx, cy]]), int(major) + 2, img.shape) or (0, 0, 1, 1)
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        u = ((xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle)) / major
        v = ((yy - cy) * np.cos(angle) - (xx - cx) * np.sin(angle)) / (major / aspect)
        t = np.clip((np.sqrt(u * u + v * v) - 0.5) / 0.5, 0, 1)  # saturated core up to r = 0.5
        alpha = (1 - t * t * (3 - 2 * t)) * visible[y0:y1, x0:x1]
        coverage = float(np.count_nonzero(alpha >= 0.5)) / area
        if abs(coverage - target) < 0.1 * target:
            break
        major *= float(np.clip(np.sqrt(target / max(coverage, 1e-4)), 0.7, 1.5))
    # Overshoot 255: the sensor clips afterwards, so the core stays saturated through noise.
    roi = img[y0:y1, x0:x1]
    roi[:] = roi * (1 - alpha[..., None]) + np.float32(255 * 1.3) * alpha[..., None]
    return dict(centre=[cx, cy], major=major, aspect=aspect, angle=angle, coverage=coverage)


def motion_kernel(length: float, angle_deg: float) -> np.ndarray:
    """A normalised linear motion-blur kernel ``length`` px long (drawn 4x supersampled)."""
    size = int(np.ceil(length)) // 2 * 2 + 3
    big = np.zeros((size * 4, size * 4), np.float32)
    c, a = size * 2 - 0.5, np.deg2rad(angle_deg)
    half = np.array([np.cos(a), np.sin(a)]) * length * 2
    p0, p1 = np.round((c - half) * 16).astype(int), np.round((c + half) * 16).astype(int)
    cv2.line(big, tuple(p0), tuple(p1), 1.0, 4, cv2.LINE_AA, shift=4)
    kernel = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    return kernel / kernel.sum()
