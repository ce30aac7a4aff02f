"""Copy a dossier to the applicant's USB key, and make sure the copy is good.

`removable_media` lists the keys that are mounted; `export` writes the dossier
into a new folder on one of them (whole or not at all, see `safefiles`), reads
every file back, checks it against the manifest, then syncs, so the screen can
say "you may remove the key" only when that is true.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from forms.dossier.package import MANIFEST, DossierFile, manifest, verify
from kiosk.delivery import mounts, safefiles
from kiosk.delivery.errors import (
    CopyNotVerified,
    DeliveryError,
    MediumFull,
    MediumGone,
    MediumReadOnly,
)

#: Room kept free beyond the files themselves: directory entries, FAT clusters,
#: and the file system's own bookkeeping are not in `statvfs`'s free count.
MARGIN_BYTES = 64 * 1024

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


@dataclass(frozen=True)
class Medium:
    """A mounted removable file system."""

    path: Path
    label: str
    free_bytes: int
    writable: bool


@dataclass(frozen=True)
class ExportResult:
    """A finished, verified copy."""

    folder: Path
    files: list[str]
    bytes: int
    verified: bool
    safe_to_remove: bool


def removable_media(
    roots: list[Path] | None = None, *, include_roots: bool = False
) -> list[Medium]:
    """List the mounted removable media.

    Args:
        roots: None to ask the system (`lsblk`) for mounted removable or
            hot-plugged devices. Otherwise the directories under which keys are
            mounted (e.g. /media/kiosk): each root that is itself a mount point,
            and each of its subdirectories that is one, is a medium.
        include_roots: Count every root as a medium even when it is not a mount
            point (a fixed export folder, or a test's temporary directory). Off
            by default so that an empty /media/kiosk is never mistaken for a key
            and the copy never lands on the kiosk's own disk.

    Returns:
        The media, in path order.
    """
    if roots is None:
        found = mounts.removable_mounts()
    else:
        found = []
        for root in roots:
            if include_roots or os.path.ismount(root):
                found.append((root, root.name))
                continue
            if not root.is_dir():
                continue  # a root that does not exist yet simply has no key under it
            with os.scandir(root) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False) and os.path.ismount(entry.path):
                        found.append((Path(entry.path), entry.name))
    media = [_describe(path, label) for path, label in sorted(found)]
    return [one for one in media if one is not None]


def _describe(path: Path, label: str) -> Medium | None:
    """Free space and writability of a medium, or None if it vanished meanwhile."""
    try:
        stats = os.statvfs(path)
    except OSError:
        return None
    writable = os.access(path, os.W_OK) and "ro" not in mounts.mount_options(path)
    return Medium(path, label, stats.f_bavail * stats.f_frsize, writable)


def _medium_error(exc: OSError) -> DeliveryError:
    """Translate an errno into what it means for the applicant's key."""
    detail = f"{exc.strerror or exc} ({errno.errorcode.get(exc.errno or 0, exc.errno)})"
    if exc.filename:
        detail += f": {exc.filename}"
    if exc.errno in _FULL:
        return MediumFull(detail)
    if exc.errno in _READ_ONLY:
        return MediumReadOnly(detail)
    # ENOENT, ENODEV, EIO, ENXIO and the rest: the key went away or broke.
    return MediumGone(detail)


def _manifest_data(files: Sequence[DossierFile]) -> bytes:
    """The dossier's manifest, or one made on the spot if the caller has none."""
    for one in files:
        if one.name == MANIFEST:
            return one.data
    return manifest(list(files), {}).data


def _preflight(files: Sequence[DossierFile], medium: Path) -> None:
    """Refuse early, before writing anything, a key that is absent, locked or too small."""
    try:
        stats = os.statvfs(medium)
    except OSError as exc:
        raise _medium_error(exc) from exc
    # Checked before the space: a locked key may also report no free space,
    # and "full" would send the applicant deleting files for nothing.
    if "ro" in mounts.mount_options(medium) or not os.access(medium, os.W_OK):
        raise MediumReadOnly(f"{medium} is mounted read-only or not writable")
    block = stats.f_frsize or 4096
    # Each file takes whole blocks, plus the folder and the temporary folder.
    needed = sum(-(-len(one.data) // block) * block for one in files)
    needed += (len(files) + 2) * block + MARGIN_BYTES
    free = stats.f_bavail * stats.f_frsize
    if needed > free:
        raise MediumFull(f"{needed} bytes needed, {free} free on {medium}")


def export(files: Sequence[DossierFile], medium: Path, folder: str) -> ExportResult:
    """Copy the dossier into `medium/folder/`, read it back, check it, and sync.

    Args:
        files: The dossier's files, usually with its manifest.json.
        medium: The key's mount point (a `Medium.path`).
        folder: The folder to create; " (2)", " (3)"… is added if it exists.

    Returns:
        Where the copy is and how big; `safe_to_remove` is True once synced.

    Raises:
        MediumFull: Not enough space (checked first, or hit while writing).
        MediumReadOnly: The key is write-protected or not writable (checked
            first, or hit while writing).
        MediumGone: The key was removed or failed during the copy.
        CopyNotVerified: What was read back differs from the dossier.
        ValueError: A file or folder name is unsafe.
    """
    files = list(files)
    safefiles.check_name(folder)
    expected = _manifest_data(files)
    _preflight(files, medium)
    try:
        final = safefiles.write_folder(files, medium, folder)
    except OSError as exc:
        raise _medium_error(exc) from exc
    try:
        copied = safefiles.read_folder(final, [one.name for one in files])
        # The manifest catches lost or changed documents; comparing with the
        # bytes in memory also covers the manifest itself and unlisted files.
        problems = set(verify(copied, expected))
        problems.update(
            one.name
            for one in files
            if hashlib.sha256(copied.get(one.name, b"")).hexdigest() != one.sha256
        )
        if problems:
            raise CopyNotVerified(f"differ after copy: {', '.join(sorted(problems))}")
        os.sync()
    except OSError as exc:
        safefiles.remove_tree(final)
        raise _medium_error(exc) from exc
    except BaseException:
        safefiles.remove_tree(final)
        raise
    return ExportResult(
        folder=final,
        files=[one.name for one in files],
        bytes=sum(len(one.data) for one in files),
        verified=True,
        safe_to_remove=True,
    )
