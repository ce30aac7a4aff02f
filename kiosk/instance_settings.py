"""Settings an administrator changes on screen, kept in the instance's ``guichet.toml``.

Only a few settings are offered (retention, size limit, printer, ANEF
address, languages): the ones a local administrator has reason to change,
each checked by the setting's own parser (`config.coerce`) and then by the
rule its user relies on (a known catalog, an allowed ANEF host, a queue name
CUPS accepts). A setting given by a ``GUICHET_*`` environment variable wins
over the file, so the screen shows it and does not offer to change it.

The file is rewritten atomically (a temporary file in the same folder,
fsync, rename, fsync of the folder): a power cut leaves the old file or the
new one, never half of one. Lines of the file that are not changed keep
their place and comments. The running app takes the new values at once.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from kiosk import config
from kiosk.delivery import anef
from kiosk.delivery.errors import DeliveryError
from kiosk.i18n import KNOWN_LANGUAGES

#: The settings the admin screen offers, in the order it shows them.
EDITABLE = (
    "RESUME_DAYS",
    "UNSAVED_RESUME_HOURS",
    "DOCUMENT_MAX_BYTES",
    "PRINTER_QUEUE",
    "ANEF_URL",
    "LANGUAGES",
)
#: Sensible bounds, so that a slip of the finger cannot make the kiosk
#: unusable (a 0-byte limit) or keep data for years.
BOUNDS = {
    "RESUME_DAYS": (1, 365),
    "UNSAVED_RESUME_HOURS": (1, 24 * 30),
    "DOCUMENT_MAX_BYTES": (100_000, 100_000_000),
}
#: CUPS queue names (kiosk.delivery.printing checks the same before printing).
QUEUE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,126}")
_writing = threading.Lock()


class InvalidSetting(ValueError):
    """A value typed on the settings screen is refused; `code` says why."""

    def __init__(self, name: str, code: str) -> None:
        super().__init__(f"{name}: {code}")
        self.name = name
        self.code = code


@dataclass(frozen=True)
class Editable:
    """One setting as the admin screen shows it."""

    setting: config.Setting
    value: Any
    #: "default", "file" or "environment" (not editable then).
    origin: str
    bounds: tuple[int, int] | None

    @property
    def editable(self) -> bool:
        """Whether the screen may change it (the environment wins)."""
        return self.origin != "environment"


def instance_file(app: Flask) -> Path:
    """The instance's settings file."""
    return Path(app.instance_path) / config.INSTANCE_FILE


def _from_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return {key.upper(): value for key, value in tomllib.load(handle).items()}


def editable(app: Flask, environ: Mapping[str, str] | None = None) -> list[Editable]:
    """The settings the screen offers, with where their value comes from."""
    environ = os.environ if environ is None else environ
    in_file = _from_file(instance_file(app))
    shown = []
    for name in EDITABLE:
        setting = config.SETTINGS_BY_NAME[name]
        if config.ENV_PREFIX + name in environ:
            origin = "environment"
        elif name in in_file:
            origin = "file"
        else:
            origin = "default"
        shown.append(Editable(setting, app.config[name], origin, BOUNDS.get(name)))
    return shown


def parse(app: Flask, name: str, typed: Any) -> Any:
    """Read a value typed on screen with the setting's parser, then check it.

    Raises:
        InvalidSetting: with a code the screen explains ("number", "range",
            "queue", "address", "languages", "default_language").
    """
    setting = config.SETTINGS_BY_NAME[name]
    if isinstance(typed, str):
        typed = typed.strip()
    try:
        value = config.coerce(setting, typed, "screen")
    except (config.SettingError, ValueError):
        raise InvalidSetting(name, "number" if setting.type is int else "form") from None
    if name in BOUNDS:
        low, high = BOUNDS[name]
        if not low <= value <= high:
            raise InvalidSetting(name, "range")
    if name == "PRINTER_QUEUE" and not QUEUE_NAME.fullmatch(value):
        raise InvalidSetting(name, "queue")
    if name == "ANEF_URL":
        try:
            anef.anef_address(value, app.config["ANEF_ALLOWED_HOSTS"])
        except DeliveryError:
            raise InvalidSetting(name, "address") from None
    if name == "LANGUAGES":
        if not value or any(code not in KNOWN_LANGUAGES for code in value):
            raise InvalidSetting(name, "languages")
        if app.config["DEFAULT_LANGUAGE"] not in value:
            raise InvalidSetting(name, "default_language")
    return value


def _toml_value(value: Any) -> str:
    """Write a value of a setting's type in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("settings are finite numbers")
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    text = str(value)
    escaped = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _updated_text(old_text: str, changes: Mapping[str, Any]) -> str:
    """The file with each changed key's line replaced, or appended if absent."""
    lines = old_text.splitlines()
    pending = dict(changes)
    for index, line in enumerate(lines):
        match = re.match(r"\s*([A-Za-z0-9_]+)\s*=", line)
        if match and match.group(1).upper() in pending:
            name = match.group(1).upper()
            lines[index] = f"{name.lower()} = {_toml_value(pending.pop(name))}"
    lines.extend(f"{name.lower()} = {_toml_value(value)}" for name, value in pending.items())
    return "\n".join(lines) + "\n"


def _full_text(values: Mapping[str, Any]) -> str:
    header = "# Guichet settings (README.md, 'Settings'); the admin screen rewrites this file.\n"
    body = "".join(f"{name.lower()} = {_toml_value(value)}\n" for name, value in values.items())
    return header + body


def _write_atomically(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    fd, temporary = tempfile.mkstemp(prefix=".guichet-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def save(app: Flask, changes: Mapping[str, Any]) -> None:
    """Write the changed settings to the instance file, then apply them to the running app.

    A line of the file is replaced in place when it holds the whole value;
    if the file is laid out otherwise (a list over several lines), it is
    written again from its values, comments lost.
    """
    path = instance_file(app)
    with _writing:
        old_text = path.read_text(encoding="utf-8") if path.exists() else ""
        expected = {**_from_file(path), **changes}
        text = _updated_text(old_text, changes)
        try:
            parsed = {key.upper(): value for key, value in tomllib.loads(text).items()}
        except tomllib.TOMLDecodeError:
            parsed = {}
        if parsed != expected:
            text = _full_text(expected)
        _write_atomically(path, text)
        app.config.update(changes)
