"""The offline bundle `make bundle` builds (deploy/bundle.sh): whole, pinned, installable alone.

The archive of dist/ is used (make test builds it before pytest); it is built
again when older than the files it is made from. pip resolves its
requirements with no package index and no configuration of this machine
(which points at local wheel folders), so a missing wheel fails here; the
provisioning test then installs it for real on a fresh Debian 12.
"""

from __future__ import annotations

import gettext
import hashlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from kiosk.i18n import catalog_status
from tests.deploy_container import current_bundle

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("bundle")
    with tarfile.open(current_bundle()) as archive:
        archive.extractall(target, filter="data")
    (root,) = target.iterdir()
    return root


def test_the_bundle_holds_a_release_checked_by_its_sums(unpacked: Path) -> None:
    release = (unpacked / "VERSION").read_text(encoding="utf-8").splitlines()[0]
    assert release == unpacked.name and release.startswith("guichet-")
    sums = subprocess.run(
        ["sha256sum", "--strict", "-c", "SHA256SUMS"],
        cwd=unpacked,
        capture_output=True,
        text=True,
        check=False,
    )
    assert sums.returncode == 0, sums.stdout[-2000:]
    sums_file = (unpacked / "SHA256SUMS").read_text(encoding="utf-8")
    listed = {line.split("  ", 1)[1] for line in sums_file.splitlines()}
    on_disk = {
        path.relative_to(unpacked).as_posix()
        for path in unpacked.rglob("*")
        if path.is_file() and path.name != "SHA256SUMS"
    }
    assert listed == on_disk


def test_the_deploy_files_are_the_repository_s(unpacked: Path) -> None:
    for source in (REPO / "deploy").rglob("*"):
        if source.is_file():
            copy = unpacked / source.relative_to(REPO)
            assert copy.read_bytes() == source.read_bytes(), source
            assert copy.stat().st_mode & 0o111 == source.stat().st_mode & 0o111, source


def test_every_catalog_is_compiled_and_loads(unpacked: Path) -> None:
    catalogs = sorted((REPO / "translations").glob("*/LC_MESSAGES/messages.po"))
    assert catalogs
    for po in catalogs:
        language = po.parent.parent.name
        mo = unpacked / "translations" / language / "LC_MESSAGES" / "messages.mo"
        assert mo.is_file(), f"{language}: no compiled catalog in the bundle"
        with open(mo, "rb") as handle:
            gettext.GNUTranslations(handle)  # a damaged .mo raises here
        # The admin screen reads the translation's status from the shipped .po.
        shipped = catalog_status(language, unpacked / "translations")
        assert shipped.declared == catalog_status(language, REPO / "translations").declared
        assert shipped.declared, f"{language}: no Translation-Status in the bundle"


def test_every_wheel_is_pinned_by_its_hash(unpacked: Path) -> None:
    wheels = {path.name: path for path in (unpacked / "wheels").glob("*.whl")}
    assert any(name.startswith("guichet-") for name in wheels)
    pins = [
        line.split()
        for line in (unpacked / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert len(pins) == len(wheels)
    for requirement, hash_option in pins:
        name, version = requirement.split("==")
        (wheel,) = [path for file, path in wheels.items() if file.startswith(f"{name}-{version}-")]
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        assert hash_option == f"--hash=sha256:{digest}"


def test_pip_installs_it_with_no_package_index(unpacked: Path, tmp_path: Path) -> None:
    # Not this machine's pip settings (extra indexes, wheel folders): only the bundle.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PIP_") and key != "PYTHONPATH"
    }
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
         "--no-index", "--require-hashes", "--only-binary=:all:", "--report",
         str(tmp_path / "report.json"), "--find-links", str(unpacked / "wheels"),
         "-r", str(unpacked / "requirements.txt")],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Would install" in done.stdout and "guichet-" in done.stdout
