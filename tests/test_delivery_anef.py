"""Opening ANEF: the address allow-list, and the folder of PDFs for the file picker."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from forms.dossier.package import DossierFile, manifest
from kiosk.delivery import anef, safefiles
from kiosk.delivery.errors import AddressNotAllowed, DeliveryError

ANEF = "https://administration-etrangers-en-france.interieur.gouv.fr/particuliers/#/"


@pytest.mark.parametrize(
    "url",
    [
        ANEF,
        "https://administration-etrangers-en-france.interieur.gouv.fr",
        "https://Administration-Etrangers-en-France.interieur.gouv.fr:443/particuliers",
    ],
)
def test_the_allowed_host_is_opened(url: str) -> None:
    assert anef.anef_address(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://administration-etrangers-en-france.interieur.gouv.fr/",
        "https://example.org/",
        "https://administration-etrangers-en-france.interieur.gouv.fr.evil.example/",
        "https://evil-administration-etrangers-en-france.interieur.gouv.fr/",
        "https://interieur.gouv.fr/",
        "https://administration-etrangers-en-france.interieur.gouv.fr@evil.example/",
        "https://user@administration-etrangers-en-france.interieur.gouv.fr/",
        "https://evil.example\\@administration-etrangers-en-france.interieur.gouv.fr/",
        "https://administration-etrangers-en-france.interieur.gouv.fr:8443/",
        "https://administration-etrangers-en-france.interieur.gouv.fr:99999/",
        "https://administration-etrangers-en-france.interieur.gouv.fr /",
        "javascript:alert(1)",
        "",
    ],
)
def test_other_addresses_are_refused(url: str) -> None:
    with pytest.raises(AddressNotAllowed) as raised:
        anef.anef_address(url)
    assert "autorisée" in raised.value.message


def _names(folder: Path | str) -> list[str]:
    return sorted(p.name for p in Path(folder).iterdir())


def test_the_allow_list_is_configurable() -> None:
    assert anef.anef_address("https://test.anef.example/", ["test.anef.example"])
    with pytest.raises(AddressNotAllowed):
        anef.anef_address(ANEF, ["test.anef.example"])


def _dossier() -> list[DossierFile]:
    pdfs = [
        DossierFile("00-fiche.pdf", b"%PDF-1.4 fiche", "application/pdf", "Fiche"),
        DossierFile("01-titre.pdf", b"%PDF-1.4 titre" * 100, "application/pdf", "Titre"),
    ]
    return [*pdfs, manifest(pdfs, {})]


def test_the_pdfs_are_prepared_privately_then_cleared(tmp_path: Path) -> None:
    directory = tmp_path / "anef"
    files = _dossier()

    folder = anef.prepare_folder(files, directory, "ABC123")

    assert folder == directory / "ABC123"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert _names(folder) == ["00-fiche.pdf", "01-titre.pdf"]  # no manifest
    for one in files[:2]:
        assert stat.S_IMODE((folder / one.name).stat().st_mode) == 0o600
        assert (folder / one.name).read_bytes() == one.data
    assert _names(directory) == ["ABC123"]

    anef.clear_folder(directory, "ABC123")
    assert _names(directory) == []
    anef.clear_folder(directory, "ABC123")  # clearing twice is fine


def test_preparing_again_replaces_the_folder(tmp_path: Path) -> None:
    anef.prepare_folder(_dossier(), tmp_path, "ABC123")
    fewer = [DossierFile("99-recu.pdf", b"%PDF recu", "application/pdf", "Recu")]
    folder = anef.prepare_folder(fewer, tmp_path, "ABC123")
    assert _names(folder) == ["99-recu.pdf"]
    assert _names(tmp_path) == ["ABC123"]


def test_a_failed_preparation_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(path: Path, data: bytes, mode: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safefiles, "write_file", no_space)
    with pytest.raises(DeliveryError) as raised:
        anef.prepare_folder(_dossier(), tmp_path, "ABC123")
    assert "No space" in raised.value.detail
    assert _names(tmp_path) == []


def test_clearing_removes_half_made_folders(tmp_path: Path) -> None:
    (tmp_path / ".ABC123.partial-0123").mkdir()
    (tmp_path / ".ABC123.partial-0123" / "x.pdf").write_bytes(b"x")
    (tmp_path / ".OTHER.partial-0123").mkdir()
    anef.clear_folder(tmp_path, "ABC123")
    assert _names(tmp_path) == [".OTHER.partial-0123"]


@pytest.mark.parametrize("reference", ["../etc", "a/b", ".hidden", ""])
def test_unsafe_references_are_refused(tmp_path: Path, reference: str) -> None:
    with pytest.raises(ValueError):
        anef.prepare_folder(_dossier(), tmp_path, reference)
    with pytest.raises(ValueError):
        anef.clear_folder(tmp_path, reference)
