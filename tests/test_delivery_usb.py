"""Copying the dossier to a USB key: real files, real (tmpfs) mounts, real errors.

A temporary directory stands in for a mounted key. The full and read-only keys
are small tmpfs mounts (the tests run as root); where mounting is not allowed,
those tests skip and the fault-injection tests below still cover the same
errors at the OS boundary.
"""

from __future__ import annotations

import errno
import json
import os
import string
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.dossier.package import MANIFEST, DossierFile, manifest, verify
from kiosk.delivery import safefiles, usb
from kiosk.delivery.errors import CopyNotVerified, MediumFull, MediumGone, MediumReadOnly


def _names(folder: Path | str) -> list[str]:
    return sorted(p.name for p in Path(folder).iterdir())


def _dossier(sizes: dict[str, int]) -> list[DossierFile]:
    files = [
        DossierFile(name, os.urandom(size), "application/pdf", name) for name, size in sizes.items()
    ]
    return [*files, manifest(files, {"reference": "TEST"})]


def _read_tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _mount_tmpfs(point: Path, options: str) -> None:
    point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); see fault injection")


@pytest.fixture
def small_key(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs mounted under a 'media' folder, unmounted at teardown."""
    point = tmp_path / "media" / "KEY"
    point.parent.mkdir()
    _mount_tmpfs(point, "size=64k,mode=0755")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=False)
        if os.path.ismount(point):
            subprocess.run(["umount", "-l", str(point)], check=False)


def test_export_writes_a_verified_folder(tmp_path: Path) -> None:
    files = _dossier({"00-fiche.pdf": 3000, "01-passeport.pdf": 70_000})

    result = usb.export(files, tmp_path, "dossier-ABC123")

    assert result.folder == tmp_path / "dossier-ABC123"
    assert result.verified and result.safe_to_remove
    assert result.files == [f.name for f in files]
    assert result.bytes == sum(len(f.data) for f in files)
    copied = _read_tree(result.folder)
    assert copied == {f.name: f.data for f in files}
    assert verify(copied, copied[MANIFEST]) == []
    assert _names(tmp_path) == ["dossier-ABC123"]  # no .partial left


def test_exporting_again_numbers_the_folder(tmp_path: Path) -> None:
    files = _dossier({"a.pdf": 10})
    names = [usb.export(files, tmp_path, "dossier").folder.name for _ in range(3)]
    assert names == ["dossier", "dossier (2)", "dossier (3)"]
    assert _names(tmp_path) == ["dossier", "dossier (2)", "dossier (3)"]


def test_a_manifest_is_checked_even_when_the_caller_has_none(tmp_path: Path) -> None:
    files = [DossierFile("a.pdf", b"%PDF-1.4 a", "application/pdf", "a")]
    result = usb.export(files, tmp_path, "d")
    assert _names(result.folder) == ["a.pdf"]


def test_a_full_key_is_refused_before_writing(small_key: Path) -> None:
    files = _dossier({"scan.pdf": 100_000})
    with pytest.raises(MediumFull) as raised:
        usb.export(files, small_key, "dossier")
    assert "pleine" in raised.value.message
    assert _names(small_key) == []


def test_a_key_that_fills_up_while_writing_is_left_clean(
    small_key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Skip the early check so that the kernel itself answers ENOSPC mid-copy.
    monkeypatch.setattr(usb, "_preflight", lambda files, medium: None)
    files = _dossier({"00-a.pdf": 30_000, "01-b.pdf": 30_000, "02-c.pdf": 30_000})
    with pytest.raises(MediumFull) as raised:
        usb.export(files, small_key, "dossier")
    assert "ENOSPC" in raised.value.detail
    assert _names(small_key) == []


def test_a_read_only_key_is_refused(small_key: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(small_key)], check=True)
    [medium] = usb.removable_media([small_key.parent])
    assert medium.path == small_key and not medium.writable
    files = _dossier({"a.pdf": 100})

    with pytest.raises(MediumReadOnly) as raised:
        usb.export(files, small_key, "dossier")
    assert "read-only" in raised.value.detail and "protégée" in raised.value.message

    # Without the early check, the kernel's own EROFS gives the same answer.
    monkeypatch.setattr(usb, "_preflight", lambda files, medium: None)
    with pytest.raises(MediumReadOnly) as raised:
        usb.export(files, small_key, "dossier")
    assert "EROFS" in raised.value.detail
    assert _names(small_key) == []


def test_mounted_keys_are_listed_under_their_root(small_key: Path) -> None:
    (small_key.parent / "not-a-key").mkdir()  # a plain folder is not a medium
    [medium] = usb.removable_media([small_key.parent])
    assert medium.path == small_key and medium.label == "KEY"
    assert medium.writable and 0 < medium.free_bytes <= 64 * 1024


def test_roots_are_media_only_when_asked(tmp_path: Path) -> None:
    assert usb.removable_media([tmp_path]) == []
    assert usb.removable_media([tmp_path / "absent"]) == []
    [medium] = usb.removable_media([tmp_path], include_roots=True)
    assert medium.path == tmp_path and medium.writable and medium.free_bytes > 0


def test_removable_devices_come_from_lsblk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The hardware edge: a stand-in lsblk reporting one USB disk and the system disk.
    mounted = tmp_path / "mnt"
    mounted.mkdir()
    tree = {
        "blockdevices": [
            {"name": "vda", "rm": False, "hotplug": False, "mountpoints": ["/"], "label": None},
            {"name": "sda", "rm": True, "hotplug": True, "mountpoints": ["/", "/boot/efi"]},
            {
                "name": "sdb",
                "rm": True,
                "hotplug": True,
                "mountpoints": [None],
                "label": None,
                "children": [
                    {
                        "name": "sdb1",
                        "rm": "0",
                        "hotplug": "0",
                        "label": "CLE",
                        "mountpoints": [str(mounted)],
                    },
                    {"name": "sdb2", "rm": True, "label": None, "mountpoints": ["[SWAP]"]},
                ],
            },
        ]
    }
    fake = tmp_path / "bin" / "lsblk"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(tree)}\nEOF\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")

    [medium] = usb.removable_media()
    assert medium.path == mounted and medium.label == "CLE"


def test_the_real_lsblk_answers() -> None:
    assert all(isinstance(m, usb.Medium) for m in usb.removable_media())


def test_a_missing_key_is_gone(tmp_path: Path) -> None:
    with pytest.raises(MediumGone):
        usb.export(_dossier({"a.pdf": 10}), tmp_path / "pulled-out", "dossier")


def test_a_corrupted_copy_is_detected_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_back = safefiles.read_folder

    def flip_a_byte(folder: Path, names: Any) -> dict[str, bytes]:
        contents = read_back(folder, names)
        data = bytearray(contents["01-b.pdf"])
        data[len(data) // 2] ^= 0x01
        contents["01-b.pdf"] = bytes(data)
        return contents

    monkeypatch.setattr(safefiles, "read_folder", flip_a_byte)
    with pytest.raises(CopyNotVerified) as raised:
        usb.export(_dossier({"00-a.pdf": 500, "01-b.pdf": 500}), tmp_path, "dossier")
    assert "01-b.pdf" in raised.value.detail
    assert _names(tmp_path) == []


def _failing(function: str, code: int, after: int = 0) -> Callable[..., Any]:
    """Wrap an os function so that it fails with `code` after `after` good calls.

    For os.open, only the calls that create a file count and fail: the clean-up
    (shutil.rmtree) opens directories too, and a key that refuses new files
    still lets them be removed.
    """
    real = getattr(os, function)
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        creates = function != "open" or bool(args[1] & os.O_CREAT)
        if creates:
            calls += 1
            if calls > after:
                raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize(
    ("function", "code", "after", "error"),
    [
        ("write", errno.ENOSPC, 1, MediumFull),
        ("write", errno.EDQUOT, 0, MediumFull),
        ("open", errno.EROFS, 0, MediumReadOnly),
        ("open", errno.EACCES, 1, MediumReadOnly),
        ("fsync", errno.EIO, 1, MediumGone),
        ("write", errno.ENODEV, 0, MediumGone),
    ],
)
def test_os_errors_while_writing_leave_nothing_behind(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    function: str,
    code: int,
    after: int,
    error: type[Exception],
) -> None:
    files = _dossier({"00-a.pdf": 2000, "01-b.pdf": 2000})
    monkeypatch.setattr(os, function, _failing(function, code, after))
    with pytest.raises(error):
        usb.export(files, tmp_path, "dossier")
    monkeypatch.undo()
    assert _names(tmp_path) == []


@pytest.mark.parametrize(
    "name", ["", ".", "..", "../x", "a/b", "a\\b", ".cache", "a\x00b", "a\nb", "a:b", 'a"b', "a?"]
)
def test_unsafe_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        usb.export(_dossier({"a.pdf": 1}), tmp_path, name)
    with pytest.raises(ValueError):
        usb.export([DossierFile(name, b"x", "application/pdf", "")], tmp_path, "d")
    assert _names(tmp_path) == []


SAFE_NAME = st.text(
    alphabet=string.ascii_letters + string.digits + "-_ éà()", min_size=1, max_size=40
).filter(lambda n: n.strip() == n and not n.startswith("."))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        SAFE_NAME.map(lambda n: n + ".pdf"), st.integers(0, 50_000), min_size=1, max_size=6
    ),
    SAFE_NAME,
)
def test_any_safe_names_and_sizes_round_trip(sizes: dict[str, int], folder: str) -> None:
    files = _dossier(sizes)
    with tempfile.TemporaryDirectory() as key:
        result = usb.export(files, Path(key), folder)
        assert result.folder == Path(key) / folder
        assert _read_tree(result.folder) == {f.name: f.data for f in files}
        assert _names(key) == [folder]
