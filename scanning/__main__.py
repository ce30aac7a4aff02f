"""Command line for support staff and benchmarks.

    python -m scanning detect --json IMAGE...
    python -m scanning rectify IMAGE --out PAGE.jpg [--mode colour|grey|bw]

``detect`` prints one JSON object per image and per line: its path, the
document's corners in image pixels clockwise from the document's top-left (or
null), the problem codes and the measures behind them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from scanning import detect, pipeline, quality, rectify
from scanning.errors import UnreadableImage
from scanning.sources import read_image
from scanning.types import Frame, Mode, QualitySettings


def _detect(paths: list[Path], as_json: bool) -> int:
    settings = QualitySettings()
    status = 0
    for path in paths:
        try:
            image = read_image(path)
        except (UnreadableImage, OSError) as error:
            print(json.dumps({"image": str(path), "error": str(error)}), flush=True)
            status = 1
            continue
        found = detect.detect(image, min_score=settings.min_detection_score)
        page = rectify.rectify(image, found.quad) if found.quad is not None else None
        problems, measures = quality.assess(found, page, settings, image)
        codes = [problem.value for problem in problems]
        record: dict[str, object] = {
            "image": str(path),
            "quad": np.round(found.quad, 2).tolist() if found.quad is not None else None,
            "problems": codes,
            "measures": measures,
        }
        if as_json:
            print(json.dumps(record), flush=True)
        else:
            corners = record["quad"] or "no document"
            print(f"{path}: {corners} {' '.join(codes) or 'ok'}")
    return status


def _rectify(path: Path, out: Path, mode: str, page_format: str | None) -> int:
    try:
        image = read_image(path)
    except (UnreadableImage, OSError) as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    page = pipeline.scan(Frame(image, source=str(path)), Mode(mode), expected_format=page_format)
    if not page.image:
        print(f"{path}: no document found", file=sys.stderr)
        return 2
    out.write_bytes(page.image)
    problems = ", ".join(problem.value for problem in page.problems) or "none"
    print(
        f"{out}: {page.width}x{page.height} px, {page.format or 'unknown format'}, "
        f"{page.dpi:.0f} DPI, problems: {problems}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="python -m scanning", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    detect_parser = commands.add_parser("detect", help="find the document outline in images")
    detect_parser.add_argument("images", nargs="+", type=Path)
    detect_parser.add_argument("--json", action="store_true", help="one JSON object per line")
    rectify_parser = commands.add_parser("rectify", help="flatten and clean one page")
    rectify_parser.add_argument("image", type=Path)
    rectify_parser.add_argument("--out", type=Path, required=True)
    rectify_parser.add_argument("--mode", choices=[m.value for m in Mode], default="colour")
    rectify_parser.add_argument("--format", dest="page_format", choices=["A4", "ID-1", "ID-3"])
    args = parser.parse_args(argv)
    if args.command == "detect":
        return _detect(args.images, args.json)
    return _rectify(args.image, args.out, args.mode, args.page_format)


if __name__ == "__main__":
    sys.exit(main())
