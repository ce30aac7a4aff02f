"""bench/RESULTS.md: each benchmark owns one section between its own markers."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).parent / "RESULTS.md"


def markers(name: str) -> tuple[str, str]:
    """The comments that open and close a benchmark's section."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(name: str, section: str, path: Path = RESULTS) -> None:
    """Replace the named section of the results file (or add it at the end).

    `section` includes its markers; the other sections are left as they are.
    """
    start, end = markers(name)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def publish(name: str, section: str, *, write: bool) -> None:
    """Print a benchmark's section and, when `write`, put it in the results file."""
    print(section)
    if write:
        write_section(name, section)
