"""The dossier benchmark: its edit distance and CER, its results file, one small real run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import bench_dossier
from bench.ocr import cer, levenshtein, normalise
from bench.results import RESULTS, write_section

SHORT = st.text(alphabet="abé ç\u0301", max_size=8)
MEDIUM = st.text(alphabet="abcdé -", max_size=40)


def naive(a: str, b: str) -> int:
    """The textbook dynamic programme, cell by cell."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("abc", "", 3),
        ("", "abc", 3),
        ("kitten", "sitting", 3),
        ("flaw", "lawn", 2),
        ("intention", "execution", 5),
        ("séjour", "sejour", 1),
        ("titre de séjour", "titre de séjour", 0),
        ("Préfecture", "Prefecture ", 2),
        ("abcdef", "azced", 3),
    ],
)
def test_known_distances(a: str, b: str, distance: int) -> None:
    assert levenshtein(a, b) == distance
    assert levenshtein(b, a) == distance


def test_code_points_outside_the_basic_plane_count_once() -> None:
    assert levenshtein("a😀b", "ab") == 1
    assert levenshtein("😀", "😁") == 1


def test_long_texts_match_the_textbook_programme() -> None:
    a = "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations. " * 4
    b = a.replace("vous", "nous").replace("é", "e")[5:] + "fin"
    assert levenshtein(a, b) == naive(a, b)


@settings(max_examples=300, deadline=None)
@given(SHORT, SHORT)
def test_same_as_the_textbook_programme(a: str, b: str) -> None:
    assert levenshtein(a, b) == naive(a, b)


@settings(max_examples=300, deadline=None)
@given(MEDIUM, MEDIUM)
def test_symmetric_zero_iff_equal_and_bounded(a: str, b: str) -> None:
    distance = levenshtein(a, b)
    assert distance == levenshtein(b, a)
    assert (distance == 0) == (a == b)
    assert abs(len(a) - len(b)) <= distance <= max(len(a), len(b))


@settings(max_examples=300, deadline=None)
@given(SHORT, SHORT, SHORT)
def test_triangle_inequality(a: str, b: str, c: str) -> None:
    assert levenshtein(a, c) <= levenshtein(a, b) + levenshtein(b, c)


def test_normalise_collapses_whitespace_and_composes() -> None:
    assert normalise("  Titre\tde\n\n se\u0301jour  ") == "Titre de séjour"


def test_cer() -> None:
    assert cer("Titre  de\nséjour", "Titre de séjour") == 0.0
    assert cer("Titre de se\u0301jour", "Titre de séjour") == 0.0  # NFD against NFC
    assert cer("", "abcd") == 1.0
    assert cer("abxd", "abcd") == 0.25
    assert cer("abcdabcd", "abcd") == 1.0  # insertions can take it past 1
    with pytest.raises(ValueError):
        cer("anything", " \n ")


def test_results_section_is_added_then_replaced(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text(
        "# Benchmark results\n\n<!-- capture:start -->\nA\n<!-- capture:end -->\n", "utf-8"
    )
    first = f"{bench_dossier.START}\none\n{bench_dossier.END}"
    write_section("dossier", first, path)
    write_section("dossier", f"{bench_dossier.START}\ntwo\n{bench_dossier.END}", path)
    text = path.read_text("utf-8")
    assert text.count(bench_dossier.START) == 1
    assert "two" in text and "one" not in text
    assert "<!-- capture:start -->\nA\n<!-- capture:end -->" in text
    assert text.index("capture:end") < text.index(bench_dossier.START)


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("tesseract", "pdfimages")),
    reason="needs Debian's tesseract-ocr, tesseract-ocr-fra and poppler-utils",
)
def test_one_frame_at_720p(capsys: pytest.CaptureFixture[str]) -> None:
    results_file = RESULTS
    before = results_file.read_bytes() if results_file.exists() else None
    results = bench_dossier.main(
        ["--count", "1", "--resolutions", "720p", "--repeat", "1", "--no-write", "--jobs", "2"]
    )
    section = capsys.readouterr().out
    assert section.startswith(bench_dossier.START)
    assert section.rstrip().endswith(bench_dossier.END)
    assert "`python -m bench.bench_dossier --count 1 --resolutions 720p --repeat 1`" in section
    number = r"\d+(\.\d+)?"
    for name in bench_dossier.OUTPUTS:
        row = rf"^\| {name} \| {number} kB \| {number} \| \d/1 \| {number} \|"
        assert re.search(row, section, re.MULTILINE), name
    assert re.search(r"\*\*(MET|NOT MET)\*\*: dossier of 10 documents and 20 pages", section)
    assert "**NOT MEASURED**: ≤ 300 kB per A4 page in grey from a 4K camera" in section
    summary = results["resolutions"]["720p"]
    assert summary["frames"] == 1
    for name in bench_dossier.OUTPUTS:
        assert summary["outputs"][name]["pages_per_s"] > 0
    assert results["dossier"]["documents"] == 10
    assert results["dossier"]["pages"] == 20
    # --no-write leaves the results file alone.
    assert (results_file.read_bytes() if results_file.exists() else None) == before
