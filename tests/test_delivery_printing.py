"""Printing against a real, private CUPS daemon (tests/cups.py) whose queue writes to a file."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from forms.dossier.package import DossierFile, manifest
from kiosk.delivery import printing
from kiosk.delivery.errors import PrinterUnavailable, PrintFailed
from tests.cups import LIMIT_REQUEST_BODY, QUEUE, Cups, free_port, private_cupsd


@pytest.fixture(scope="module")
def cups() -> Iterator[Cups]:
    """A private cupsd for this module's tests."""
    with private_cupsd() as daemon:
        yield daemon


@pytest.fixture(scope="module")
def queue(cups: Cups) -> Path:
    """The test queue; returns the file its jobs are written to."""
    return cups.add_queue(QUEUE)


def _pdf(text: str) -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text=text)
    return bytes(document.output())


def _file(name: str, text: str) -> DossierFile:
    return DossierFile(name, _pdf(text), "application/pdf", text)


def _printed_text(path: Path) -> str:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_one_pdf_comes_out_of_the_queue_as_that_pdf(cups: Cups, queue: Path) -> None:
    jobs = printing.print_files(
        [_file("00-recapitulatif.pdf", "Fiche Guichet A")], QUEUE, cups.server
    )

    assert len(jobs) == 1 and re.fullmatch(rf"{QUEUE}-\d+", jobs[0])
    cups.wait_idle(QUEUE)
    assert jobs[0] in cups.completed(QUEUE)
    assert "Fiche Guichet A" in _printed_text(queue)


def test_each_pdf_is_one_job_and_other_files_are_skipped(cups: Cups, queue: Path) -> None:
    pdfs = [_file("01-passeport.pdf", "Passeport B"), _file("99-recu.pdf", "Recu C")]
    files = [pdfs[0], manifest(pdfs, {}), pdfs[1]]

    jobs = printing.print_files(files, QUEUE, cups.server)

    assert len(jobs) == 2 and len(set(jobs)) == 2
    cups.wait_idle(QUEUE)
    assert set(jobs) <= cups.completed(QUEUE)
    # Every job rewrites the queue's one output file: the last one is left.
    assert "Recu C" in _printed_text(queue)
    assert printing.queue_status(QUEUE, cups.server) == "idle"


def test_no_pdf_means_no_job(cups: Cups, queue: Path) -> None:
    assert printing.print_files([manifest([], {})], QUEUE, cups.server) == []


def test_missing_queue_is_unavailable(cups: Cups) -> None:
    assert printing.queue_status("no-such-queue", cups.server) == "missing"
    with pytest.raises(PrinterUnavailable) as raised:
        printing.print_files([_file("a.pdf", "A")], "no-such-queue", cups.server)
    assert "no-such-queue" in raised.value.detail
    assert "imprimante" in raised.value.message


def test_stopped_or_refusing_queue_is_unavailable(cups: Cups) -> None:
    cups.add_queue("guichet-stopped")
    cups.run("cupsdisable", "guichet-stopped")
    assert printing.queue_status("guichet-stopped", cups.server) == "disabled"
    with pytest.raises(PrinterUnavailable):
        printing.print_files([_file("a.pdf", "A")], "guichet-stopped", cups.server)

    cups.run("cupsenable", "guichet-stopped")
    cups.run("cupsreject", "guichet-stopped")
    assert printing.queue_status("guichet-stopped", cups.server) == "disabled"
    with pytest.raises(PrinterUnavailable):
        printing.print_files([_file("a.pdf", "A")], "guichet-stopped", cups.server)
    # Nothing was queued while it was unavailable.
    assert cups.run("lpstat", "-o", "guichet-stopped").strip() == ""


def test_no_server_answering_is_unavailable() -> None:
    server = f"127.0.0.1:{free_port()}"
    assert printing.queue_status(QUEUE, server, timeout=10) == "missing"
    with pytest.raises(PrinterUnavailable):
        printing.print_files([_file("a.pdf", "A")], QUEUE, server)


def test_job_refused_by_the_server_is_a_print_failure(cups: Cups, queue: Path) -> None:
    small = _file("01-small.pdf", "Petit")
    # A valid PDF followed by padding, larger than the server's LimitRequestBody.
    big = DossierFile(
        "02-big.pdf", small.data + b"\n%" + b"x" * LIMIT_REQUEST_BODY, small.media_type, ""
    )

    with pytest.raises(PrintFailed) as raised:
        printing.print_files([small, big], QUEUE, cups.server)

    assert len(raised.value.submitted) == 1  # the small one went through
    assert "02-big.pdf" in raised.value.detail
    cups.wait_idle(QUEUE)


@pytest.mark.parametrize("queue_name", ["", "-x", "a b", "a/b", "a#b"])
def test_malformed_queue_names_are_refused(queue_name: str) -> None:
    assert printing.queue_status(queue_name) == "missing"
    with pytest.raises(PrinterUnavailable) as raised:
        printing.print_files([_file("a.pdf", "A")], queue_name)
    assert "malformed" in raised.value.detail


@pytest.mark.parametrize("server", ["-h", "host name", "a;b"])
def test_malformed_servers_are_refused(server: str) -> None:
    assert printing.queue_status(QUEUE, server) == "missing"
    with pytest.raises(PrinterUnavailable):
        printing.print_files([_file("a.pdf", "A")], QUEUE, server)
