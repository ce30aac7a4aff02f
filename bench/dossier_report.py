"""The dossier benchmark's section of bench/RESULTS.md: tables, then each target met or not."""

from __future__ import annotations

from typing import Any

from bench.dossier_setup import (
    CAMERA_QUALITY,
    DOSSIER_ANSWERS,
    DOSSIER_PROCEDURE,
    END,
    MAX_DOCUMENT_BYTES,
    MIN_IOU,
    OUTPUTS,
    READABLE_CER,
    REFERENCES,
    RESOLUTIONS,
    START,
    TARGET_4K_GREY_BYTES,
    TARGET_BYTES_RATIO,
    TARGET_DOSSIER_SECONDS,
)


def _kb(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 1000:.1f} kB"


def _num(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def _ratio(mine: float | None, theirs: float | None) -> str:
    if mine is None or theirs is None:
        return "n/a"
    return "∞" if theirs == 0 else f"{mine / theirs:.2f}"


def verdicts(results: dict[str, Any]) -> list[tuple[bool | None, str]]:
    """Each target, met or not (None: not measured in this run), with the measured figures."""
    lines: list[tuple[bool | None, str]] = []
    per_resolution = results["resolutions"]
    for label, summary in per_resolution.items():
        mine = summary["outputs"]["ours"]
        for name in REFERENCES:
            theirs = summary["outputs"][name]
            if mine["bytes"] is None or theirs["bytes"] is None:
                lines.append((None, f"{label}, against {name}: no frame to compare"))
                continue
            ratio = mine["bytes"] / theirs["bytes"]
            readable = mine["cer"] <= theirs["cer"]
            lines.append(
                (
                    ratio <= TARGET_BYTES_RATIO and readable,
                    f"{label}, against {name}: ours has {ratio:.2f}× its bytes per page "
                    f"({_kb(mine['bytes'])} against {_kb(theirs['bytes'])}; target ≤ "
                    f"{TARGET_BYTES_RATIO}) at a median CER of {mine['cer']:.3f} against "
                    f"{theirs['cer']:.3f} ({'equal or better' if readable else 'worse'})",
                )
            )
    if "4k" in per_resolution and per_resolution["4k"]["outputs"]["ours"]["max_bytes"] is not None:
        mine = per_resolution["4k"]["outputs"]["ours"]
        lines.append(
            (
                mine["max_bytes"] <= TARGET_4K_GREY_BYTES,
                f"≤ {TARGET_4K_GREY_BYTES // 1000} kB per A4 page in grey from a 4K camera: "
                f"largest {_kb(mine['max_bytes'])}, median {_kb(mine['bytes'])} "
                f"({per_resolution['4k']['matched']} pages)",
            )
        )
    else:
        lines.append(
            (None, "≤ 300 kB per A4 page in grey from a 4K camera: no 4K page in this run")
        )
    d = results["dossier"]
    complete = d["documents"] == 10 and d["pages"] == 20 and d["too_large"] == 0
    lines.append(
        (
            d["median"] < TARGET_DOSSIER_SECONDS and complete,
            f"dossier of {d['documents']} documents and {d['pages']} pages built in under "
            f"{TARGET_DOSSIER_SECONDS:.0f} s: median {d['median']:.2f} s over {len(d['seconds'])} "
            f"run(s) (slowest {max(d['seconds']):.2f} s)"
            + ("" if complete else f"; {d['too_large']} document(s) too large"),
        )
    )
    return lines


def report(results: dict[str, Any], command: str) -> str:
    """Render the results as the Markdown section of bench/RESULTS.md."""
    lines = [
        START,
        "## Dossier PDFs",
        "",
        f"Reproduce: `{command}` ({results['count']} synthetic A4 page(s) per resolution — "
        "letters, tables and forms on dark, wood and fabric desks, sharp, no glare, shadow or "
        f"clutter, random pose; seed {results['seed']}; camera JPEG at quality "
        f"{CAMERA_QUALITY}).",
        "",
        "- **ours**: decode the camera JPEG, detect, flatten and clean in grey for A4 "
        "(`scanning.pipeline.scan`), then `document_pdf` "
        f"(limit {MAX_DOCUMENT_BYTES / 1e6:g} MB);",
        "- **img2pdf**: the camera JPEG embedded as it is; **Pillow**: "
        '`Image.open(jpeg).save(buffer, "PDF")`, which encodes it again (quality 75).',
        "",
        "Readability is the character error rate (CER: Levenshtein distance over the length of "
        "the printed text, both NFC with whitespace collapsed) of `tesseract IMAGE - -l fra "
        "--psm 3` on the image each PDF embeds, extracted with `pdfimages -png` at its own "
        "resolution: every output is read from exactly the pixels it stores, with no "
        "resampling that would depend on the page size it declares. The references keep the "
        "desk, the tilt (up to 30°) and the rotation (up to ±15°) of the photo: Tesseract reads "
        "their lines out of order or finds no line at all, so their CER mostly measures that, "
        "not their compression. Bytes per page and "
        f"CER cover the frames where our outline matched the truth (IoU ≥ {MIN_IOU}); pages "
        "per second (1 / median time from the camera JPEG to the PDF, one core) cover every "
        f"frame. Readable: pages at CER ≤ {READABLE_CER}.",
    ]
    for label, summary in results["resolutions"].items():
        width, height = RESOLUTIONS[label]
        lines += [
            "",
            f"### {label} ({width}×{height})",
            "",
            f"Outline matched on {summary['matched']}/{summary['frames']} frames "
            f"({len(summary['unmatched'])} excluded from bytes and CER); our pages' effective "
            f"resolution: median {_num(summary['dpi'], '.0f')} DPI; printed text: median "
            f"{_num(summary['truth_chars'], '.0f')} characters; format our flattening "
            "chose (A4 expected): "
            + ", ".join(f"{name} {n}" for name, n in summary["formats"].items())
            + ".",
        ]
        for miss in summary["unmatched"]:
            lines.append(
                f"- excluded: seed {miss['seed']} ({miss['kind']}), IoU {miss['iou']:.3f}"
                + (f", {miss['error']}" if miss["error"] else "")
            )
        lines += [
            "",
            "| output | median bytes/page | median CER | readable | pages/s "
            "| ours / this: bytes | ours / this: CER |",
            "|---|---|---|---|---|---|---|",
        ]
        mine = summary["outputs"]["ours"]
        for name in OUTPUTS:
            o = summary["outputs"][name]
            mine_vs = name != "ours"
            lines.append(
                f"| {name} | {_kb(o['bytes'])} | {_num(o['cer'], '.3f')} "
                f"| {o['readable']}/{summary['matched']} | {_num(o['pages_per_s'], '.1f')} "
                f"| {_ratio(mine['bytes'], o['bytes']) if mine_vs else '—'} "
                f"| {_ratio(mine['cer'], o['cer']) if mine_vs else '—'} |"
            )
        lines += [
            "",
            "Pages on which Tesseract read no text at all: "
            + ", ".join(
                f"{name} {summary['outputs'][name]['read_nothing']}/{summary['matched']}"
                for name in OUTPUTS
            )
            + ".",
        ]
    d = results["dossier"]
    lines += [
        "",
        "### Dossier",
        "",
        f"`build_dossier` for `{DOSSIER_PROCEDURE}` with answers {DOSSIER_ANSWERS} "
        f"({d['documents']} documents, {d['pages']} pages cycled from {results['dossier_sources']} "
        f"distinct 1080p captures, one core): {', '.join(f'{s:.2f}' for s in d['seconds'])} s; "
        f"document PDFs {d['document_bytes'] / 1e6:.2f} MB in all, ZIP "
        f"{d['archive_bytes'] / 1e6:.2f} MB.",
        "",
        "### Targets",
        "",
    ]
    for met, text in verdicts(results):
        verdict = "NOT MEASURED" if met is None else "MET" if met else "NOT MET"
        lines.append(f"- **{verdict}**: {text}.")
    lines.append(END)
    return "\n".join(lines)
