"""Settings, as data: each one has a name, a default, a type and a help text.

Load order (later wins): the defaults below → ``guichet.toml`` in the instance
folder → ``GUICHET_<NAME>`` environment variables → the mapping a test passes
to `create_app`. Nothing is read at import time: `load_settings` runs inside
the app factory.

Every setting must be documented in README.md (a test checks it).
"""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
INSTANCE_FILE = "guichet.toml"
ENV_PREFIX = "GUICHET_"


@dataclass(frozen=True)
class Setting:
    """One configuration value and its documentation."""

    name: str
    default: Any
    type: type
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("HOST", "127.0.0.1", str, "Address the server listens on. Keep it on loopback."),
    Setting("PORT", 8080, int, "Port the server listens on."),
    Setting("THREADS", 4, int, "Worker threads of the waitress server."),
    Setting(
        "DATABASE",
        "",
        str,
        "Path of the SQLite database; empty means guichet.sqlite3 in the instance folder.",
    ),
    Setting(
        "SECRET_KEY_FILE",
        "",
        str,
        "File holding the key that signs CSRF tokens; empty means secret_key in the instance "
        "folder. Created with mode 0600 if missing.",
    ),
    Setting(
        "MASTER_KEY_FILE",
        "",
        str,
        "File holding the master key that seals every session's key (answers, scans and "
        "dossiers are encrypted at rest); empty means keys/master.key next to the instance "
        "folder, never inside it. Created (32 random bytes, mode 0600) if missing; the kiosk "
        "refuses to start if other users can read it.",
    ),
    Setting(
        "TRANSLATIONS_DIR",
        "",
        str,
        "Folder of the compiled gettext catalogs; empty means translations/ in the project.",
    ),
    Setting(
        "PROCEDURES_DIR",
        "",
        str,
        "Folder of the procedure files; empty means the ones shipped in forms/procedures/.",
    ),
    Setting(
        "LANGUAGES",
        ["fr", "en", "ar", "zh_Hans", "fa_AF", "ps", "uk", "ru", "tr", "es", "pt", "bn"],
        list,
        "Languages offered on the welcome screen, in order (catalog names: fr, en, ar, "
        "zh_Hans, fa_AF, ps, uk, ru, tr, es, pt, bn).",
    ),
    Setting("DEFAULT_LANGUAGE", "fr", str, "Language of the welcome screen."),
    Setting(
        "IDLE_SECONDS",
        300,
        int,
        "Seconds without a touch before the 'Are you still there?' countdown appears.",
    ),
    Setting(
        "IDLE_COUNTDOWN_SECONDS",
        60,
        int,
        "Length of that countdown; at its end the session is closed and the screen returns "
        "to welcome.",
    ),
    Setting(
        "RESUME_DAYS",
        30,
        int,
        "Days a session saved for later can be resumed with its code and PIN.",
    ),
    Setting(
        "UNSAVED_RESUME_HOURS",
        24,
        int,
        "Hours a session closed without 'save for later' (idle timeout, browser crash) can "
        "still be resumed with its code and PIN.",
    ),
    Setting(
        "RESUME_MAX_ATTEMPTS",
        5,
        int,
        "Wrong PINs allowed for one resume code before it is locked.",
    ),
    Setting(
        "RESUME_LOCK_MINUTES",
        15,
        int,
        "Minutes a resume code stays locked after too many wrong PINs.",
    ),
    Setting(
        "STAFF_MAX_ATTEMPTS",
        5,
        int,
        "Wrong PINs (or passwords) allowed for one staff account before its PIN (or the whole "
        "account) is locked; counted per account, never per address.",
    ),
    Setting(
        "STAFF_LOCK_MINUTES",
        15,
        int,
        "Minutes a staff PIN or account stays locked after too many wrong attempts.",
    ),
    Setting(
        "STAFF_IDLE_SECONDS",
        300,
        int,
        "Seconds without a staff action after which the staff panel locks and asks for the PIN "
        "again.",
    ),
    Setting(
        "STAFF_SESSION_MINUTES",
        60,
        int,
        "Minutes after which a staff unlock ends whatever happens (the PIN is asked again).",
    ),
    Setting(
        "CAMERA",
        "demo",
        str,
        "Where document pictures come from: v4l2:/dev/video0 (a webcam or document camera), "
        "replay:PATH (a folder of images or a video, looped), sane or sane:DEVICE (a flatbed "
        "scanner), demo (the bundled demo frames).",
    ),
    Setting("CAMERA_PREVIEW_WIDTH", 1280, int, "Width of the live picture asked of the camera."),
    Setting("CAMERA_PREVIEW_HEIGHT", 720, int, "Height of the live picture asked of the camera."),
    Setting("CAMERA_REPLAY_FPS", 15.0, float, "Frames per second of a replay source."),
    Setting(
        "AUTO_CAPTURE_FRAMES",
        8,
        int,
        "Frames the outline must stay still, with no problem, before the kiosk captures by itself.",
    ),
    Setting(
        "GLARE_MAX_FRACTION",
        0.02,
        float,
        "Share of the page washed out by a reflection above which a capture has glare "
        "(capture.md: 2-5 %).",
    ),
    Setting(
        "DOCUMENT_MIN_AREA_FRACTION",
        0.12,
        float,
        "Smallest share of the picture the document may cover before 'move closer'.",
    ),
    Setting(
        "BLUR_MAX_EDGE_WIDTH",
        3.5,
        float,
        "Width of the sharpest edges (pixels, page long side at 800 px) above which a page "
        "is blurry.",
    ),
    Setting(
        "DOCUMENT_MAX_BYTES",
        2_000_000,
        int,
        "Largest PDF for one supporting document. 2 MB is a third-party figure for ANEF, not "
        "verified (shared/docs/domain.md §3): check it against the live portal.",
    ),
    Setting("PRINTER_QUEUE", "guichet", str, "CUPS queue the dossier is printed on."),
    Setting("CUPS_SERVER", "", str, "CUPS server (host:port); empty means the local one."),
    Setting(
        "REMOVABLE_MEDIA_ROOTS",
        [],
        list,
        "Folders under which USB keys are mounted (each mount point in them is a key); empty "
        "means the removable drives the system reports (lsblk).",
    ),
    Setting(
        "EXTRA_MEDIA_FOLDERS",
        [],
        list,
        "Folders always offered as if they were USB keys, mounted or not (a fixed export "
        "folder, or a test's stand-in).",
    ),
    Setting(
        "ANEF_URL",
        "https://administration-etrangers-en-france.interieur.gouv.fr/",
        str,
        "Address opened by 'Open ANEF'; its host must be in ANEF_ALLOWED_HOSTS.",
    ),
    Setting(
        "ANEF_ALLOWED_HOSTS",
        ["administration-etrangers-en-france.interieur.gouv.fr"],
        list,
        "Hosts the kiosk may open for filing (the Chromium policy allows the same).",
    ),
    Setting(
        "ANEF_UPLOAD_DIR",
        "",
        str,
        "Folder (on tmpfs) where the dossier is put for the browser's file picker; empty means "
        "outbox in the instance folder.",
    ),
    Setting(
        "UPLOAD_URL",
        "",
        str,
        "HTTPS address of an organisation's server that receives dossiers; empty: no upload.",
    ),
    Setting("UPLOAD_TOKEN_FILE", "", str, "File holding the bearer token for UPLOAD_URL."),
    Setting("UPLOAD_CA_FILE", "", str, "Certificate authorities trusted for UPLOAD_URL."),
    Setting(
        "MAX_FORM_BYTES",
        64 * 1024,
        int,
        "Largest form submission accepted, in bytes.",
    ),
    Setting(
        "IMPORT_MAX_BYTES",
        25_000_000,
        int,
        "Largest picture file (JPEG or PNG) that can be imported for a document, in bytes; it "
        "is held in memory, never written to disk.",
    ),
    Setting(
        "IMPORT_MAX_PIXELS",
        40_000_000,
        int,
        "Most pixels an imported picture may have, read from its header before decoding "
        "(decompression bombs); never above Pillow's own limit.",
    ),
)

SETTINGS_BY_NAME = {setting.name: setting for setting in SETTINGS}


def settings_table() -> str:
    """Render every setting as the Markdown table README.md carries (a test compares them)."""
    lines = ["| setting | default | what it does |", "|---|---|---|"]
    for setting in SETTINGS:
        if isinstance(setting.default, list):
            default = ", ".join(setting.default)
        else:
            default = str(setting.default) if setting.default != "" else "(empty)"
        lines.append(f"| `{setting.name}` | {default} | {setting.help} |")
    return "\n".join(lines)


class SettingError(ValueError):
    """A setting has a value of the wrong type, or an unknown name."""


def coerce(setting: Setting, value: Any, origin: str) -> Any:
    """Convert a value read from a file or the environment to the setting's type."""
    if setting.type is list and isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = json.loads(text)
        else:
            value = [part.strip() for part in text.split(",") if part.strip()]
    elif setting.type is float and isinstance(value, str | int) and not isinstance(value, bool):
        try:
            value = float(value)
        except ValueError:
            raise SettingError(f"{origin}: {setting.name} must be a number") from None
    elif setting.type is int and isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise SettingError(f"{origin}: {setting.name} must be a whole number") from None
    elif setting.type is bool and isinstance(value, str):
        value = value.strip().lower() in ("1", "true", "yes", "on")
    if not isinstance(value, setting.type) or (setting.type is int and isinstance(value, bool)):
        raise SettingError(f"{origin}: {setting.name} must be of type {setting.type.__name__}")
    return value


def load_settings(
    instance_path: Path, environ: Mapping[str, str], overrides: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Return every setting, applying the instance file, environment and overrides."""
    values = {setting.name: setting.default for setting in SETTINGS}
    instance_file = instance_path / INSTANCE_FILE
    if instance_file.exists():
        with instance_file.open("rb") as handle:
            from_file = tomllib.load(handle)
        for key, value in from_file.items():
            setting = SETTINGS_BY_NAME.get(key.upper())
            if setting is None:
                raise SettingError(f"{instance_file}: unknown setting {key!r}")
            values[setting.name] = coerce(setting, value, str(instance_file))
    for setting in SETTINGS:
        name = ENV_PREFIX + setting.name
        if name in environ:
            values[setting.name] = coerce(setting, environ[name], name)
    for key, value in (overrides or {}).items():
        values[key] = value
    values["DATABASE"] = values["DATABASE"] or str(instance_path / "guichet.sqlite3")
    values["TRANSLATIONS_DIR"] = values["TRANSLATIONS_DIR"] or str(PROJECT_DIR / "translations")
    values["SECRET_KEY_FILE"] = values["SECRET_KEY_FILE"] or str(instance_path / "secret_key")
    return values


def read_or_create_secret(path: Path) -> bytes:
    """Return the secret key kept in `path`, creating it (mode 0600) if missing."""
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # O_EXCL: two workers starting together must not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    return key
