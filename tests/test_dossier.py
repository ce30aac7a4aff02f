"""Dossier assembly with real pages, real PDFs opened and rendered, real catalogs."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from pypdf import PdfReader

from bench.capture_corpus import render_scene
from forms.display import load_translator
from forms.dossier import MANIFEST, Dossier, PageImage, build_dossier
from forms.dossier.documents import document_pdf
from forms.dossier.package import verify
from forms.errors import DocumentTooLarge
from forms.loader import load_procedures
from scanning import pipeline
from scanning.types import Frame, Mode
from tests.samples import PLAIN_SCENE, student_answers

ROOT = Path(__file__).parent.parent
PROCEDURE = load_procedures()["etudiant_renouvellement"]
ANSWERS = student_answers("2027-02-27")


@pytest.fixture(scope="module")
def page() -> PageImage:
    """A real A4 page through the real capture pipeline."""
    image, _ = render_scene(3, (1920, 1080), document="a4_letter", background="dark", **PLAIN_SCENE)
    scanned = pipeline.scan(Frame(image), Mode.GREY, expected_format="A4")
    return PageImage(scanned.master, 0, scanned.dpi, "A4", Mode.GREY)


def build(page: PageImage, language: str = "fr", limit: int = 2_000_000) -> Dossier:
    pages = {
        "passeport": [page, page],
        "certificat_scolarite": [page],
        "justificatif_ressources": [page, page, page],
    }
    return build_dossier(
        PROCEDURE,
        ANSWERS,
        pages,
        load_translator(ROOT / "translations", language),
        "GK7M2QX",
        limit,
        "K7M2-QX4P",
        dt.date(2026, 11, 29),
    )


def pdftotext(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode("utf-8")


def render(data: bytes, dpi: int = 100) -> np.ndarray:
    """The first page, rendered by Poppler."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(dpi),
                "-png",
                "-singlefile",
                "-f",
                "1",
                str(source),
                str(Path(folder) / "page"),
            ],
            check=True,
        )
        image = cv2.imread(str(Path(folder) / "page.png"))
    assert image is not None
    return image


def test_one_pdf_per_document_named_in_order(page: PageImage) -> None:
    dossier = build(page)
    names = [f.name for f in dossier.files]
    assert names == [
        "00-fiche-recapitulative.pdf",
        "01-passeport.pdf",
        "04-certificat_scolarite.pdf",
        "06-justificatif_ressources.pdf",
        "99-recu.pdf",
        MANIFEST,
    ]


def test_document_pdfs_open_render_and_keep_their_size(page: PageImage) -> None:
    dossier = build(page)
    passport = next(f for f in dossier.files if f.name == "01-passeport.pdf")
    reader = PdfReader(io.BytesIO(passport.data))
    assert len(reader.pages) == 2
    assert reader.metadata.title == "Passeport"
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (width / 72 * 25.4, height / 72 * 25.4) == pytest.approx((210, 297), abs=0.5)
    # The JPEG is embedded as is: one DCT-compressed image per page, no second compression.
    image = reader.pages[0].images[0]
    assert image.data[:2] == b"\xff\xd8"
    stream = reader.pages[0]["/Resources"]["/XObject"]["/Im0"].get_object()
    assert stream["/Filter"] == "/DCTDecode"
    rendered = render(passport.data)
    assert rendered is not None and rendered.shape[0] > rendered.shape[1]


def test_every_file_is_under_the_limit_or_reported(page: PageImage) -> None:
    # A limit that one page fits at the readability floor, but not two.
    with pytest.raises(DocumentTooLarge) as floor:
        document_pdf([page], "One page", 1)
    limit = round(floor.value.smallest * 1.5)
    dossier = build(page, limit=limit)
    assert dossier.too_large
    titles = {error.title for error in dossier.too_large}
    assert titles == {"Passeport", "Justificatifs de ressources (au moins 615 € par mois)"}
    for one in dossier.files:
        if one.name[:2].isdigit() and one.name not in (
            "00-fiche-recapitulative.pdf",
            "99-recu.pdf",
        ):
            assert len(one.data) <= limit
    manifest = json.loads(dossier.manifest.data)
    statuses = {d["id"]: d["status"] for d in manifest["documents"]}
    assert statuses["justificatif_ressources"] == "missing"


def test_manifest_and_zip(page: PageImage) -> None:
    dossier = build(page)
    files = {f.name: f.data for f in dossier.files}
    manifest = json.loads(files[MANIFEST])
    assert manifest["procedure"]["id"] == "etudiant_renouvellement"
    assert manifest["language"] == "fr" and manifest["application"]["name"] == "Guichet"
    assert verify(files, files[MANIFEST]) == []
    assert verify({**files, "01-passeport.pdf": b"changed"}, files[MANIFEST]) == [
        "01-passeport.pdf"
    ]
    with zipfile.ZipFile(io.BytesIO(dossier.archive)) as archive:
        assert sorted(archive.namelist()) == sorted(f"dossier-GK7M2QX/{n}" for n in files)


def test_summary_in_french_and_arabic(page: PageImage) -> None:
    dossier = build(page, "ar")
    summary = next(f for f in dossier.files if f.name.startswith("00-"))
    text = pdftotext(summary.data)
    for french in (
        "Fiche récapitulative",
        "Nom de naissance",
        "Benali",
        "27 février 2027",
        "GK7M2QX",
        "0806 001 620",
        "75 €",
    ):
        assert french in text, french
    for arabic in ("اسم العائلة", "المغرب", "فبراير"):
        assert arabic in text, arabic
    # Arabic is shaped and in logical order: the words come out whole and readable.
    assert "العائلة" in text
    # The QR code carries the reference, and only it.
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(render(summary.data, 150))
    assert decoded == "GK7M2QX"


def test_receipt_in_the_applicants_language(page: PageImage) -> None:
    dossier = build(page, "ar")
    receipt = next(f for f in dossier.files if f.name == "99-recu.pdf")
    text = pdftotext(receipt.data)
    assert "K7M2-QX4P" in text
    assert "Reçu" not in text  # all in Arabic
    assert "جواز السفر" in text  # the passport, provided
    english = build(page, "en")
    receipt = next(f for f in english.files if f.name == "99-recu.pdf")
    text = pdftotext(receipt.data)
    assert "Receipt" in text and "What is missing" in text
    assert "Proof of address" in text  # not scanned: listed as missing


def guichet(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the `guichet` command line as support staff would."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_command_line_builds_a_dossier(tmp_path: Path) -> None:
    image, _ = render_scene(5, (1920, 1080), document="a4_letter", background="wood", **PLAIN_SCENE)
    photo = tmp_path / "page.jpg"
    cv2.imwrite(str(photo), image)
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS), encoding="utf-8")
    out = tmp_path / "out"
    build = (
        "dossier",
        "build",
        "--procedure",
        "etudiant_renouvellement",
        "--answers",
        str(answers),
    )
    result = guichet(
        *build,
        *("--scan", f"certificat_scolarite={photo}", "--scan", f"releves_notes={photo}"),
        *("--lang", "ar", "--out", str(out)),
    )
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert "04-certificat_scolarite.pdf" in names and "05-releves_notes.pdf" in names
    assert "dossier-CLI.zip" in names and MANIFEST in names
    bad = guichet(*build, "--scan", f"passeport={tmp_path / 'missing.jpg'}", "--out", str(out))
    assert bad.returncode == 1 and "missing.jpg" in bad.stderr
