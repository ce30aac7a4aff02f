"""Open ANEF, the State's online service, with the dossier's files at hand.

The applicant files the request themselves on ANEF in the kiosk's browser. The
kiosk only lets the browser go to the allowed hosts, and puts the dossier's PDFs
in a folder that the browser's file picker can offer, then clears it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from forms.dossier.package import DossierFile
from kiosk.delivery import safefiles
from kiosk.delivery.errors import AddressNotAllowed, DeliveryError

DEFAULT_ALLOWED: tuple[str, ...] = ("administration-etrangers-en-france.interieur.gouv.fr",)
PDF = "application/pdf"

#: Characters a well-formed URL may hold. Anything else (backslash, space,
#: control characters) is refused because browsers and urllib split such URLs
#: differently: "https://evil.example\\@allowed/" goes to evil.example in a
#: browser while urllib reads the host as "allowed".
_URL_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&'()*+,;=%"
)


def anef_address(url: str, allowed: Sequence[str] = DEFAULT_ALLOWED) -> str:
    """Return `url` if the kiosk may open it.

    Args:
        url: The address to open.
        allowed: Host names allowed, matched exactly (no subdomains, no
            look-alikes such as "allowed.host.evil.example").

    Returns:
        The URL, unchanged.

    Raises:
        AddressNotAllowed: Not https, a host not in `allowed`, a user name or
            password in the URL, a port other than 443, or unusual characters.
    """
    refused = AddressNotAllowed(f"ANEF address refused: {url!r}")
    if not url or any(c not in _URL_CHARS for c in url):
        raise refused
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError as exc:
        raise refused from exc
    host = (parts.hostname or "").lower()
    if (
        parts.scheme != "https"
        or parts.username is not None
        or parts.password is not None
        or port not in (None, 443)
        or host not in {one.lower() for one in allowed}
    ):
        raise refused
    return url


def prepare_folder(files: Sequence[DossierFile], directory: Path, reference: str) -> Path:
    """Write the dossier's PDFs into `directory/reference/` for the file picker.

    The folder is private to the kiosk's user (0700, files 0600), written whole
    or not at all, and replaces an earlier one for the same dossier. The
    manifest and other non-PDF files are left out: ANEF only takes the PDFs.

    Args:
        files: The dossier's files.
        directory: Where the folders live, on tmpfs (e.g. /run/kiosk-browser/anef).
        reference: The dossier's reference, used as the folder's name.

    Returns:
        The folder.

    Raises:
        DeliveryError: The folder could not be written (the kiosk's own disk is
            full or unwritable); nothing is left behind.
        ValueError: The reference or a file name is unsafe.
    """
    safefiles.check_name(reference)
    pdfs = [one for one in files if one.media_type == PDF]
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return safefiles.write_folder(
            pdfs, directory, reference, dir_mode=0o700, file_mode=0o600, replace=True
        )
    except OSError as exc:
        # A fault of the kiosk, not of the applicant: the generic message
        # sends them to the desk, the detail tells the staff what broke.
        raise DeliveryError(f"ANEF folder {directory / reference}: {exc}") from exc


def clear_folder(directory: Path, reference: str) -> None:
    """Remove the folder made by `prepare_folder`, and any half-made one.

    Removing is enough: the folder lives on tmpfs, where unlinked data is gone.
    A folder that does not exist is not an error.

    Raises:
        OSError: Some of it could not be removed.
    """
    safefiles.check_name(reference)
    targets = [directory / reference]
    if directory.is_dir():
        # Leftovers of an interrupted prepare_folder (see safefiles.write_folder).
        targets += directory.glob(f".{glob.escape(reference)}.partial-*")
        targets += directory.glob(f".{glob.escape(reference)}.old-*")
    for target in targets:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(target)
    if directory.is_dir():
        with contextlib.suppress(OSError):
            safefiles.fsync_directory(directory)
    if os.path.lexists(directory / reference):
        raise OSError(f"could not remove {directory / reference}")
