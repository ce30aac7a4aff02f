"""The master key: one file, outside the data directory, that opens every session's key.

The database holds each applicant session's data key only wrapped by this
key (see `kiosk.crypto`), so a copy of the database, its WAL or a backup of
the data directory is useless without it. That is why the file must live
elsewhere: by default ``<parent of the instance folder>/keys/master.key``;
on a deployed kiosk, a systemd credential (``LoadCredentialEncrypted=``).

At start-up the kiosk creates the key if it is missing (32 random bytes,
mode 0600, in a folder made 0700) and refuses to start, with a message that
says what to do, when the file can be read by other users, is not a key, is
missing while the database holds sealed sessions, or does not open them.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from sqlalchemy import Engine, text

from kiosk import crypto

FILE_NAME = "master.key"


class MasterKeyError(RuntimeError):
    """The master key cannot be used: the kiosk must not start."""


def key_path(configured: str, instance_path: Path) -> Path:
    """Where the master key lives: the setting, or ``keys/master.key`` next to the instance."""
    if configured:
        return Path(configured)
    return instance_path.resolve().parent / "keys" / FILE_NAME


def _is_within(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def check_location(path: Path, data_folders: list[Path]) -> None:
    """Refuse a key kept inside the folders it protects: a copy of them would carry it."""
    for folder in data_folders:
        if _is_within(path, folder):
            raise MasterKeyError(
                f"The master key {path} is inside the data directory {folder}: a copy of the "
                "data would carry its key. Set MASTER_KEY_FILE to a file outside it."
            )


def read_key(path: Path) -> bytes:
    """Read an existing key file, refusing one other users may read or that is not a key."""
    status = path.stat()
    if not stat.S_ISREG(status.st_mode):
        raise MasterKeyError(f"The master key {path} is not a regular file.")
    if status.st_mode & 0o077:
        raise MasterKeyError(
            f"The master key {path} can be read or changed by other users "
            f"(mode {stat.S_IMODE(status.st_mode):04o}). Make it private: chmod 600 {path}"
        )
    key = path.read_bytes()
    if len(key) != crypto.KEY_BYTES:
        raise MasterKeyError(
            f"The master key {path} holds {len(key)} bytes, not {crypto.KEY_BYTES}: "
            "it is not a Guichet master key."
        )
    return key


def create_key(path: Path) -> bytes:
    """Create a new random key file (0600, in a 0700 folder); another process may win the race."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    key = secrets.token_bytes(crypto.KEY_BYTES)
    # O_EXCL: two processes starting together must not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return read_key(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return key


def sealed_keys(engine: Engine, database: Path) -> list[tuple[int, bytes]]:
    """The wrapped data keys in the database (none if it does not exist or predates them)."""
    if not database.exists():
        return []
    with engine.connect() as connection:
        columns = {
            row[1] for row in connection.execute(text("PRAGMA table_info(applicant_session)"))
        }
        if "sealed_key" not in columns:
            return []
        rows = connection.execute(
            text("SELECT id, sealed_key FROM applicant_session WHERE sealed_key IS NOT NULL")
        )
        return [(int(row[0]), bytes(row[1])) for row in rows]


def opens_any(key: bytes, wrapped_keys: list[tuple[int, bytes]]) -> bool:
    """Whether the key unwraps at least one session key: one altered row must not stop the kiosk."""
    for applicant_id, wrapped in wrapped_keys:
        try:
            crypto.unwrap_data_key(key, wrapped, applicant_id)
        except crypto.BrokenSeal:
            continue
        return True
    return False


def load_master_key(path: Path, engine: Engine, database: Path, data_folders: list[Path]) -> bytes:
    """Return the master key, creating it on first start; raise `MasterKeyError` if unusable."""
    check_location(path, data_folders)
    wrapped = sealed_keys(engine, database)
    if path.exists():
        key = read_key(path)
    elif wrapped:
        raise MasterKeyError(
            f"The master key {path} is missing, yet the database {database} holds "
            f"{len(wrapped)} sealed session(s). Put the key file back (from where it was "
            "kept), or set MASTER_KEY_FILE to it; a new key would not open them."
        )
    else:
        key = create_key(path)
    if wrapped and not opens_any(key, wrapped):
        raise MasterKeyError(
            f"The master key {path} does not open the sessions sealed in {database}: it is "
            "another kiosk's key, or a new one. Put the right key file back."
        )
    return key
