"""Write the demo camera's frames (scanning/demo/): a page slid under the camera, then held still.

``make run`` replays these frames as if they came from a webcam, and the tests
use them through the same replay source. Regenerate with
``python -m bench.demo_frames``; the output is deterministic.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from bench.capture_corpus import render_scene

DEMO = Path(__file__).parent.parent / "scanning" / "demo"
SCENE = {
    "document": "a4_letter",
    "background": "wood",
    "blur": "sharp",
    "glare": False,
    "partial": False,
    "dark": False,
    "small": False,
    "fill": 0.85,
    "distractors": 1,
    "finger": False,
    "shadow": False,
}


def frames(size: tuple[int, int] = (1280, 720), seed: int = 7) -> list[np.ndarray]:
    """Empty desk, the page sliding in from the right, then the page still."""
    with_page, truth = render_scene(seed, size, **SCENE)
    desk, _ = render_scene(seed, size, **{**SCENE, "document": None})
    mask = np.zeros(with_page.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.rint(np.array(truth["quad"])).astype(np.int32)], 255)
    mask = cv2.GaussianBlur(mask, (3, 3), 0)
    rng = np.random.default_rng(seed)
    out = [desk.copy() for _ in range(3)]
    for shift in (0.55, 0.3, 0.1):  # sliding in: first cut by the frame, then whole
        offset = int(shift * size[0])
        moved = np.roll(with_page, offset, axis=1)
        moved_mask = np.roll(mask, offset, axis=1).astype(np.float32)[..., None] / 255.0
        if offset:
            moved_mask[:, :offset] = 0.0
        out.append((moved * moved_mask + desk * (1 - moved_mask)).astype(np.uint8))
    for _ in range(10):  # held still: only sensor noise changes
        noise = rng.normal(0, 2.0, with_page.shape)
        out.append(np.clip(with_page + noise, 0, 255).astype(np.uint8))
    return out


def main(argv: list[str] | None = None) -> None:
    """Write the frames as JPEG files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEMO)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("frame-*.jpg"):
        old.unlink()
    for i, frame in enumerate(frames(), start=1):
        cv2.imwrite(str(args.out / f"frame-{i:02d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 82])
    print(f"wrote {i} frames to {args.out}")


if __name__ == "__main__":
    main()
