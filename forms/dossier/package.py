"""The dossier's files, their manifest, and the ZIP that carries them all.

`manifest.json` lists every file with its size and SHA-256, the procedure,
the language and the application's version, so that whoever receives the
dossier (a USB key, a printer queue, an organisation's server) can check
that nothing was lost or changed on the way.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from importlib import metadata
from typing import Any

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class DossierFile:
    """One file of the dossier."""

    name: str
    data: bytes
    media_type: str
    description: str  # what it is, in French

    @property
    def sha256(self) -> str:
        """The file's SHA-256, in hexadecimal."""
        return hashlib.sha256(self.data).hexdigest()


def version() -> str:
    """The installed application's version."""
    try:
        return metadata.version("guichet")
    except metadata.PackageNotFoundError:
        return "unknown"


def manifest(files: list[DossierFile], about: dict[str, Any]) -> DossierFile:
    """Describe the files: name, size, SHA-256, plus what the dossier is about."""
    content = {
        **about,
        "application": {"name": "Guichet", "version": version()},
        "files": [
            {
                "name": f.name,
                "bytes": len(f.data),
                "sha256": f.sha256,
                "media_type": f.media_type,
                "description": f.description,
            }
            for f in files
        ],
    }
    data = json.dumps(content, ensure_ascii=False, indent=2).encode("utf-8")
    return DossierFile(MANIFEST, data, "application/json", "Liste des fichiers et empreintes")


def zip_archive(files: list[DossierFile], folder: str) -> bytes:
    """All the files in one ZIP, inside a folder named after the dossier."""
    buffer = io.BytesIO()
    # PDFs and JPEGs are already compressed: storing them is faster and as small.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for one in files:
            info = zipfile.ZipInfo(f"{folder}/{one.name}", date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, one.data)
    return buffer.getvalue()


def verify(files: dict[str, bytes], manifest_data: bytes) -> list[str]:
    """Compare files with a manifest; return the names that differ or are missing."""
    listed = json.loads(manifest_data)["files"]
    problems = []
    for entry in listed:
        data = files.get(entry["name"])
        if (
            data is None
            or len(data) != entry["bytes"]
            or hashlib.sha256(data).hexdigest() != entry["sha256"]
        ):
            problems.append(entry["name"])
    return problems
