"""From the first tap to the dossier on paper and on a USB key, in Debian's Chromium.

The procedure is answered by touch, the documents are scanned from the demo
camera (replayed frames), the dossier is built, printed through a real private
CUPS queue that writes to a file, and copied to a folder standing in for a USB
key; every copied file is then checked against the manifest, opened with pypdf
and rendered by Poppler.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import LiveKiosk, make_live
from tests.browser.screen import Screen
from tests.browser.test_journeys import (
    answer_first_pages,
    answer_remaining_pages,
    finish,
    start_student_renewal,
)
from tests.cups import QUEUE, Cups, private_cupsd

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cups() -> Iterator[Cups]:
    """A private cupsd for this module."""
    with private_cupsd() as daemon:
        yield daemon


@pytest.fixture
def printed(cups: Cups) -> Path:
    """The file the test queue prints to."""
    return cups.add_queue(QUEUE)


@pytest.fixture
def usb_key(tmp_path: Path) -> Path:
    """A folder standing in for a USB key."""
    key = tmp_path / "KEY"
    key.mkdir()
    return key


@pytest.fixture
def kiosk(tmp_path: Path, cups: Cups, usb_key: Path) -> Iterator[LiveKiosk]:
    """The kiosk, printing to the test queue and offering the stand-in key."""
    server = make_live(
        tmp_path,
        PRINTER_QUEUE=QUEUE,
        CUPS_SERVER=cups.server,
        EXTRA_MEDIA_FOLDERS=[str(usb_key)],
        ANEF_UPLOAD_DIR=str(tmp_path / "outbox"),
    )
    yield server
    server.close()


def scan_one_page(screen: Screen, document_id: str) -> None:
    """Open the camera for a document, let it capture by itself, keep the page."""
    screen.tap_and_wait(f"#doc-{document_id} a.button-primary")
    screen.page.wait_for_url(f"**/scan/{document_id}/pages/*", timeout=45000)
    screen.tap_and_wait("#page-ok")
    screen.tap_and_wait("#document-done")
    expect(screen.page.locator(f"#doc-{document_id}")).to_have_attribute("data-state", "done")


def test_answer_scan_build_print_and_copy(
    kiosk: LiveKiosk, page: Page, cups: Cups, printed: Path, usb_key: Path
) -> None:
    screen = Screen(page, kiosk.url)
    start_student_renewal(screen)
    answer_first_pages(screen)
    answer_remaining_pages(screen)
    finish(screen)
    screen.tap_and_wait("a[href='/scan']")
    for document_id in ("passeport", "certificat_scolarite", "justificatif_ressources"):
        scan_one_page(screen, document_id)

    # Build.
    screen.tap_and_wait("#to-dossier")
    expect(page.locator("[data-document=passeport]")).to_contain_text("1 page")
    expect(page.locator("[data-document=titre_sejour_actuel]")).to_contain_text("manquant")
    screen.tap_and_wait("#build-dossier")
    expect(page.locator(".file-table tbody tr")).to_have_count(5)
    expect(page.locator(".file-table")).to_contain_text("01-passeport.pdf")

    # Print: one job per PDF, each one completed by the real queue.
    screen.tap_and_wait("#print-dossier")
    expect(page.locator("main")).to_contain_text("envoyé à l'imprimante (5 documents)")
    cups.wait_idle(QUEUE)
    assert len(cups.completed(QUEUE)) == 5
    assert printed.read_bytes().startswith(b"%PDF-")
    # The queue keeps only the last job's output: the receipt.
    printed_text = "".join(p.extract_text() for p in PdfReader(printed).pages)
    assert "Reçu" in printed_text

    # Copy to the key, then check what landed there.
    screen.tap_and_wait("#usb-dossier")
    screen.tap_and_wait(".choice-button")
    expect(page.locator("main")).to_contain_text("Vous pouvez retirer la clé USB.")
    (folder,) = usb_key.iterdir()
    manifest = json.loads((folder / "manifest.json").read_bytes())
    assert manifest["procedure"]["id"] == "etudiant_renouvellement"
    assert manifest["reference"] in printed_text
    listed = {entry["name"] for entry in manifest["files"]}
    assert listed | {"manifest.json"} == {p.name for p in folder.iterdir()}
    for entry in manifest["files"]:
        data = (folder / entry["name"]).read_bytes()
        assert len(data) == entry["bytes"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(PdfReader(folder / entry["name"]).pages) >= 1
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "30",
                "-png",
                "-singlefile",
                str(folder / entry["name"]),
                str(folder.parent / "render"),
            ],
            check=True,
        )
    summary = subprocess.run(
        ["pdftotext", str(folder / "00-fiche-recapitulative.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Benali" in summary and "Yasmine" in summary
