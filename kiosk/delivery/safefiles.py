"""Write a folder of files so that it appears whole, or not at all.

The steps follow the kiosk's rule for files (kiosk-security.md §4): write into a
temporary name in the same directory, fsync, rename, fsync the directory. Here
the temporary name is a hidden folder `.NAME.partial-RANDOM`; it is renamed to
its final name only once every file in it is on the device, so a key pulled out
mid-copy never holds a folder that looks complete but is not. On any error the
temporary folder is removed before the error goes up.

USB copies (`usb.py`) and the ANEF upload folder (`anef.py`) share this module.
Errors stay `OSError`: each caller knows what they mean for its medium.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from forms.dossier.package import DossierFile

#: Separators, and what FAT/exFAT keys refuse: a name must work on any key.
_FORBIDDEN = frozenset('/\\\0<>:"|?*')
#: After "name", try "name (2)" … up to this number before giving up.
MAX_NUMBERED = 999


def check_name(name: str) -> str:
    """Refuse a file or folder name that could leave its directory or hide itself.

    Args:
        name: A single path component, such as "recapitulatif.pdf".

    Returns:
        The name, unchanged.

    Raises:
        ValueError: The name is empty, starts with a dot, or holds a separator,
            a control character, or a character that FAT keys refuse.
    """
    if (
        not name
        or name.startswith(".")
        or any(c in name for c in _FORBIDDEN)
        or any(ord(c) < 32 or ord(c) == 127 for c in name)
    ):
        raise ValueError(f"unsafe file name: {name!r}")
    return name


def fsync_directory(path: Path) -> None:
    """Flush a directory's entries (new, renamed or removed names) to the device."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(path: Path, data: bytes, mode: int) -> None:
    """Create a new file, write all of `data`, and fsync it.

    O_EXCL and O_NOFOLLOW: the file must be new, never a link planted there.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        view = memoryview(data)
        while view:
            # os.write may write less than asked (signals, some FUSE drivers).
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        # The pages are clean now: ask the kernel to drop them, so that the
        # read-back comes from the device where the file system allows it.
        with contextlib.suppress(OSError, AttributeError):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def remove_tree(path: Path) -> None:
    """Remove a folder and what it holds, quietly: used while another error goes up."""
    shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(OSError):
        fsync_directory(path.parent)


def _numbered(parent: Path, name: str) -> Path:
    """The first of "name", "name (2)", "name (3)"… that does not exist yet."""
    # Check-then-rename leaves a tiny window if two copies to the same key ran
    # at once; the kiosk has one applicant at a time, so it does not happen.
    for number in range(1, MAX_NUMBERED + 1):
        candidate = parent / (name if number == 1 else f"{name} ({number})")
        if not os.path.lexists(candidate):
            return candidate
    raise FileExistsError(f"{parent / name}: {MAX_NUMBERED} copies already")


def write_folder(
    files: Sequence[DossierFile],
    parent: Path,
    name: str,
    *,
    dir_mode: int = 0o755,
    file_mode: int = 0o644,
    replace: bool = False,
) -> Path:
    """Write `files` into the folder `parent/name`, whole or not at all.

    Args:
        files: The files to write; their names must pass `check_name`.
        parent: Existing directory that receives the folder.
        name: The folder's name.
        dir_mode: Mode of the new folder (the process umask still applies).
        file_mode: Mode of each new file (the process umask still applies).
        replace: If the folder exists, replace it (True) or pick a free
            numbered name "name (2)", "name (3)"… (False).

    Returns:
        The final folder.

    Raises:
        OSError: Writing failed; nothing written is left behind.
        ValueError: A name is unsafe, or two files share a name.
    """
    check_name(name)
    names = [check_name(one.name) for one in files]
    if len(set(names)) != len(names):
        raise ValueError("two files share a name")
    temporary = parent / f".{name}.partial-{secrets.token_hex(6)}"
    temporary.mkdir(mode=dir_mode)
    try:
        for one in files:
            write_file(temporary / one.name, one.data, file_mode)
        fsync_directory(temporary)
        final = parent / name if replace else _numbered(parent, name)
        if replace and os.path.lexists(final):
            _swap(temporary, final)
        else:
            temporary.rename(final)
    except BaseException:
        remove_tree(temporary)
        raise
    try:
        fsync_directory(parent)
    except BaseException:
        remove_tree(final)
        raise
    return final


def _swap(temporary: Path, final: Path) -> None:
    """Put `temporary` in the place of the existing folder `final`, then drop the old one."""
    # rename(2) cannot replace a non-empty directory: move the old one aside first.
    old = final.parent / f".{final.name}.old-{secrets.token_hex(6)}"
    final.rename(old)
    try:
        temporary.rename(final)
    except BaseException:
        old.rename(final)
        raise
    shutil.rmtree(old)


def read_folder(folder: Path, names: Iterable[str]) -> dict[str, bytes]:
    """Read files back from a folder: each one re-opened and read in full.

    Args:
        folder: The folder written by `write_folder`.
        names: The files to read.

    Returns:
        Each file's content by name.

    Raises:
        OSError: A file is missing or cannot be read.
    """
    contents = {}
    for name in names:
        with open(folder / check_name(name), "rb") as stream:
            contents[name] = stream.read()
    return contents
