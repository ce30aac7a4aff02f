"""Pictograms: each kind of supporting document and each capture guidance message has its own.

Two documents share a pictogram only when they are the same kind of paper
(`SAME_KIND`); any other sharing fails, so a new document needs a new drawing
or a deliberate decision here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest

from forms.loader import load_procedures
from kiosk.views.scan import GUIDANCE_PICTOGRAMS, guidance_messages
from scanning.types import Problem

PICTOGRAMS = Path(__file__).resolve().parent.parent / "kiosk" / "static" / "pictograms"
SVG = "{http://www.w3.org/2000/svg}"

#: Documents that are one kind of paper, so one drawing: the pictogram and why.
SAME_KIND = {
    "proof_of_address": {"justificatif_domicile", "domicile_hebergeant"},  # a bill or a lease
    "enrolment_certificate": {"certificat_inscription", "certificat_scolarite"},  # from a school
    "marriage_certificate": {"acte_mariage", "transcription_mariage"},  # the French marriage record
    "sworn_statement": {"declaration_non_polygamie", "declaration_vie_commune"},  # signed, dated
    "french_nationality": {
        "nationalite_conjoint",
        "nationalite_enfant",
    },  # a French ID or certificate
    "upkeep_proof": {
        "contribution_autre_parent",
        "preuves_entretien_enfant",
    },  # receipts, transfers
}


def documents_by_pictogram() -> dict[str, set[str]]:
    used: dict[str, set[str]] = defaultdict(set)
    for procedure in load_procedures().values():
        for document in procedure.documents:
            used[document.pictogram].add(document.id)
    return used


def test_each_kind_of_document_has_its_own_pictogram() -> None:
    for pictogram, documents in documents_by_pictogram().items():
        assert (PICTOGRAMS / f"{pictogram}.svg").is_file(), pictogram
        if len(documents) > 1:
            assert documents <= SAME_KIND.get(pictogram, set()), (pictogram, sorted(documents))


def test_the_visa_and_the_court_decision_are_not_drawn_as_something_else() -> None:
    used = documents_by_pictogram()
    assert used["visa"] == {"visa_long_sejour"}
    assert used["court_decision"] == {"decision_justice"}
    assert used["theft_report"] == {"plainte_vol"}


def test_each_guidance_message_has_its_own_pictogram() -> None:
    codes = {problem.value for problem in Problem} | set(guidance_messages())
    with_app_messages = codes | {"camera_error"}
    assert with_app_messages <= GUIDANCE_PICTOGRAMS.keys()
    names = [GUIDANCE_PICTOGRAMS[code] for code in sorted(with_app_messages)]
    assert len(set(names)) == len(names), names  # no two messages with the same drawing
    documents = documents_by_pictogram().keys()
    assert not set(names) & documents  # and none looks like a document to bring
    for name in names:
        assert (PICTOGRAMS / f"{name}.svg").is_file(), name


@pytest.mark.parametrize("path", sorted(PICTOGRAMS.glob("*.svg")), ids=lambda p: p.stem)
def test_every_pictogram_follows_the_house_style(path: Path) -> None:
    """The rules of kiosk/static/pictograms/README.md, which lists every one of them."""
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 64 64"
    assert root.get("stroke") == "currentColor" and root.get("fill") == "none"
    assert root.get("aria-hidden") == "true"
    for element in root.iter():
        assert element.tag not in {f"{SVG}text", f"{SVG}script", f"{SVG}style", f"{SVG}image"}
        assert "style" not in element.attrib
        assert not any("href" in name for name in element.attrib), "no external reference"
    readme = (PICTOGRAMS / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"^\| `{re.escape(path.stem)}` \|", readme, re.M), "not in README.md"
