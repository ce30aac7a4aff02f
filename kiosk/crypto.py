"""Encryption at rest: every piece of an applicant's personal data is sealed with AES-GCM.

Key hierarchy:

- the master key (`kiosk.master_key`): 32 random bytes in a file outside the
  data directory, never in the database;
- a data key per applicant session: 32 random bytes, stored only wrapped by
  the master key, in ``applicant_session.sealed_key``. Deleting it
  (crypto-shredding) leaves every ciphertext of the session unreadable
  wherever a copy lingers (a freed disk block, a stray file), as long as the
  wrapped key did not linger with it: a copy of the whole database taken
  before the erasure still opens with the master key, so no such copy may
  outlive the sessions it holds.

A sealed value is ``version (1 byte) ‖ nonce (12 random bytes) ‖ AES-GCM
ciphertext and tag``. Its associated data names its place: table, column and
applicant session id. A ciphertext moved to another column or another
session, a wrapped key moved to another row, a flipped bit or a truncated
value all fail to open with `BrokenSeal`, which the applicant sees as a plain
message (the rest of the session is untouched).

Views never call this module directly: they go through the accessors in
`kiosk.applicants`, `kiosk.pages` and `kiosk.dossiers`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app, render_template
from flask_babel import gettext as _
from sqlalchemy.orm import QueryableAttribute, object_session

from kiosk.models import ApplicantSession

FORMAT_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
#: Where the database session and the app keep the master key.
MASTER_KEY = "guichet.master_key"
#: Place of the wrapped data key, for its associated data.
KEY_TABLE, KEY_COLUMN = "applicant_session", "sealed_key"

_log = logging.getLogger("guichet")


class BrokenSeal(Exception):
    """A sealed value did not open: altered, truncated, moved elsewhere, or its key is gone."""

    def __init__(self, place: str) -> None:
        super().__init__(f"sealed value refused at {place}")
        #: Table, column and applicant session id: never the data itself.
        self.place = place


def associated_data(table: str, column: str, applicant_id: int) -> bytes:
    """Bind a ciphertext to its place, so that it opens nowhere else."""
    return f"guichet/v{FORMAT_VERSION}/{table}.{column}/{applicant_id}".encode("ascii")


def seal_bytes(key: bytes, plaintext: bytes, table: str, column: str, applicant_id: int) -> bytes:
    """Encrypt and authenticate `plaintext` for one place, with a fresh random nonce."""
    nonce = os.urandom(NONCE_BYTES)
    aad = associated_data(table, column, applicant_id)
    return bytes([FORMAT_VERSION]) + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_bytes(key: bytes, sealed: bytes, table: str, column: str, applicant_id: int) -> bytes:
    """Decrypt a value sealed for this place; `BrokenSeal` if it is not exactly that."""
    place = f"{table}.{column} of session {applicant_id}"
    if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[0] != FORMAT_VERSION:
        raise BrokenSeal(place)
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, associated_data(table, column, applicant_id))
    except InvalidTag:
        raise BrokenSeal(place) from None


def new_data_key() -> bytes:
    """A fresh random 256-bit data key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def wrap_data_key(master: bytes, data_key: bytes, applicant_id: int) -> bytes:
    """Seal a session's data key with the master key, bound to that session."""
    return seal_bytes(master, data_key, KEY_TABLE, KEY_COLUMN, applicant_id)


def unwrap_data_key(master: bytes, wrapped: bytes, applicant_id: int) -> bytes:
    """Open a session's wrapped data key; `BrokenSeal` if it is not that session's."""
    return open_bytes(master, wrapped, KEY_TABLE, KEY_COLUMN, applicant_id)


def app_master_key(app: Flask) -> bytes:
    """The master key the app loaded at start-up."""
    key: bytes = app.extensions[MASTER_KEY]
    return key


# --- an applicant session's data ------------------------------------------------


def master_key_of(applicant: ApplicantSession) -> bytes:
    """The master key of the app whose database session holds this row."""
    session = object_session(applicant)
    if session is not None and MASTER_KEY in session.info:
        key: bytes = session.info[MASTER_KEY]
        return key
    return app_master_key(current_app)


def _data_key(applicant: ApplicantSession, *, create: bool) -> bytes:
    """The session's data key, unwrapped; made on first write if the session has none."""
    if applicant.sealed_key is not None:
        return unwrap_data_key(master_key_of(applicant), applicant.sealed_key, applicant.id)
    if not create:
        raise BrokenSeal(f"{KEY_TABLE}.{KEY_COLUMN} of session {applicant.id}")
    if applicant.status == "ended":
        # An ended session has been shredded: nothing personal may be written again.
        raise ValueError("an ended session cannot hold personal data")
    if applicant.id is None:
        session = object_session(applicant)
        if session is None:
            raise ValueError("the applicant session must be added to a database session first")
        session.flush()  # the id goes into the associated data
    data_key = new_data_key()
    applicant.sealed_key = wrap_data_key(master_key_of(applicant), data_key, applicant.id)
    return data_key


def _place(column: QueryableAttribute[Any]) -> tuple[str, str]:
    return str(column.class_.__tablename__), column.key


def seal(applicant: ApplicantSession, column: QueryableAttribute[Any], plaintext: bytes) -> bytes:
    """Seal `plaintext` for `column` (e.g. ``DocumentPage.sealed_master``) of this session."""
    table, name = _place(column)
    return seal_bytes(_data_key(applicant, create=True), plaintext, table, name, applicant.id)


def unseal(applicant: ApplicantSession, column: QueryableAttribute[Any], sealed: bytes) -> bytes:
    """Open a value sealed for `column` of this session; `BrokenSeal` if it does not open."""
    table, name = _place(column)
    return open_bytes(_data_key(applicant, create=False), sealed, table, name, applicant.id)


def fingerprint(applicant: ApplicantSession, data: bytes) -> str:
    """A keyed digest of personal data (HMAC-SHA256 under a key derived from the data key).

    Unlike a plain SHA-256 it cannot be checked against a guess without the
    key, and once the session is shredded it means nothing.
    """
    subkey = hmac.new(_data_key(applicant, create=True), b"guichet fingerprint", "sha256").digest()
    return hmac.new(subkey, data, hashlib.sha256).hexdigest()


def shred(applicant: ApplicantSession) -> None:
    """Forget the session's data key: whatever ciphertext is left can never be opened."""
    applicant.sealed_key = None


# --- the app ---------------------------------------------------------------------


def _broken_seal_page(error: BrokenSeal) -> tuple[str, int]:
    # Where, never what: the place names a table, a column and a session id.
    _log.warning("sealed data refused: %s", error.place)
    title = _("Une donnée ne peut pas être relue")
    message = _(
        "Une partie de cette demande a été abîmée sur cet ordinateur et ne peut pas être "
        "relue. Le reste est gardé. Demandez au médiateur."
    )
    return render_template("error.html", title=title, message=message, status=409), 409


def init_app(app: Flask) -> None:
    """Load the master key (or refuse to start), and hand it to every database session."""
    from pathlib import Path

    from kiosk import db, master_key

    path = master_key.key_path(app.config["MASTER_KEY_FILE"], Path(app.instance_path))
    database = Path(app.config["DATABASE"])
    key = master_key.load_master_key(
        path, db.get_engine(app), database, [Path(app.instance_path), database.parent]
    )
    app.config["MASTER_KEY_FILE"] = str(path)
    app.extensions[MASTER_KEY] = key
    app.extensions["guichet.sessionmaker"].configure(info={MASTER_KEY: key})
    app.register_error_handler(BrokenSeal, _broken_seal_page)
