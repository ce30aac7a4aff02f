"""Sealing with AES-GCM and the master key file: round trips, tampering, permissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from kiosk import applicants, create_app, crypto, db
from kiosk.cli import main
from kiosk.master_key import MasterKeyError

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
tables = st.sampled_from(["applicant_session", "document_page", "built_dossier"])
columns = st.sampled_from(["sealed_answers", "sealed_master", "sealed_archive"])
ids = st.integers(min_value=1, max_value=2**40)


@given(st.binary(max_size=4096), tables, columns, ids)
def test_a_sealed_value_opens_at_its_place(
    plaintext: bytes, table: str, column: str, applicant_id: int
) -> None:
    sealed = crypto.seal_bytes(KEY, plaintext, table, column, applicant_id)
    assert sealed[0] == crypto.FORMAT_VERSION
    assert crypto.open_bytes(KEY, sealed, table, column, applicant_id) == plaintext
    if len(plaintext) >= 8:
        assert plaintext not in sealed


@given(st.binary(min_size=1, max_size=512), st.data())
def test_any_flipped_bit_or_truncation_is_refused(plaintext: bytes, data: st.DataObject) -> None:
    sealed = crypto.seal_bytes(KEY, plaintext, "applicant_session", "sealed_answers", 7)
    position = data.draw(st.integers(min_value=0, max_value=len(sealed) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    tampered = bytearray(sealed)
    tampered[position] ^= 1 << bit
    with pytest.raises(crypto.BrokenSeal):
        crypto.open_bytes(KEY, bytes(tampered), "applicant_session", "sealed_answers", 7)
    cut = data.draw(st.integers(min_value=0, max_value=len(sealed) - 1))
    with pytest.raises(crypto.BrokenSeal):
        crypto.open_bytes(KEY, sealed[:cut], "applicant_session", "sealed_answers", 7)


@given(tables, columns, ids, tables, columns, ids)
def test_a_value_moved_to_another_place_is_refused(
    table: str, column: str, applicant_id: int, to_table: str, to_column: str, to_id: int
) -> None:
    sealed = crypto.seal_bytes(KEY, b"Benali", table, column, applicant_id)
    if (table, column, applicant_id) == (to_table, to_column, to_id):
        assert crypto.open_bytes(KEY, sealed, to_table, to_column, to_id) == b"Benali"
    else:
        with pytest.raises(crypto.BrokenSeal):
            crypto.open_bytes(KEY, sealed, to_table, to_column, to_id)


def test_nonces_are_fresh_and_the_wrong_key_is_refused() -> None:
    one = crypto.seal_bytes(KEY, b"same", "applicant_session", "sealed_answers", 1)
    two = crypto.seal_bytes(KEY, b"same", "applicant_session", "sealed_answers", 1)
    assert one[1:13] != two[1:13] and one != two
    with pytest.raises(crypto.BrokenSeal):
        crypto.open_bytes(OTHER_KEY, one, "applicant_session", "sealed_answers", 1)


def test_a_wrapped_data_key_opens_only_for_its_session_and_master_key() -> None:
    data_key = crypto.new_data_key()
    wrapped = crypto.wrap_data_key(KEY, data_key, 5)
    assert data_key not in wrapped and len(data_key) == 32
    assert crypto.unwrap_data_key(KEY, wrapped, 5) == data_key
    for master, applicant_id in ((KEY, 6), (OTHER_KEY, 5)):
        with pytest.raises(crypto.BrokenSeal):
            crypto.unwrap_data_key(master, wrapped, applicant_id)


# --- the master key file ----------------------------------------------------------


def make_app(tmp_path: Path, **settings: object) -> Flask:
    return create_app({"TESTING": True, **settings}, instance_path=tmp_path / "instance")


def test_the_key_is_created_private_outside_the_instance_and_kept(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    path = tmp_path / "keys" / "master.key"
    assert app.config["MASTER_KEY_FILE"] == str(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert len(path.read_bytes()) == 32
    assert crypto.app_master_key(app) == path.read_bytes()
    assert crypto.app_master_key(make_app(tmp_path)) == path.read_bytes()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o666])
def test_a_key_other_users_can_read_stops_the_kiosk(tmp_path: Path, mode: int) -> None:
    make_app(tmp_path)
    path = tmp_path / "keys" / "master.key"
    path.chmod(mode)
    with pytest.raises(MasterKeyError, match=f"mode {mode:04o}.*chmod 600 {path}"):
        make_app(tmp_path)


def test_a_file_that_is_not_a_key_stops_the_kiosk(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "key"
    path.parent.mkdir()
    path.write_bytes(b"too short")
    path.chmod(0o600)
    with pytest.raises(MasterKeyError, match="holds 9 bytes, not 32"):
        make_app(tmp_path, MASTER_KEY_FILE=str(path))


def test_a_key_inside_the_data_directory_is_refused(tmp_path: Path) -> None:
    inside = tmp_path / "instance" / "master.key"
    with pytest.raises(MasterKeyError, match="inside the data directory"):
        make_app(tmp_path, MASTER_KEY_FILE=str(inside))
    assert not inside.exists()


def sealed_database(tmp_path: Path) -> Path:
    """An instance whose database holds one session sealed with the key in keys/master.key."""
    app = make_app(tmp_path)
    db.upgrade(db.get_engine(app))
    with db.session_scope(app) as session:
        applicants.store_answers(applicants.start(session, "fr"), {"nom": "Benali"})
    db.get_engine(app).dispose()
    return tmp_path / "keys" / "master.key"


def test_a_missing_key_with_sealed_sessions_stops_the_kiosk(tmp_path: Path) -> None:
    path = sealed_database(tmp_path)
    path.unlink()
    with pytest.raises(MasterKeyError, match="is missing, yet the database .* holds 1 sealed"):
        make_app(tmp_path)
    assert not path.exists()  # no new key that would hide the problem


def test_a_wrong_key_stops_the_kiosk(tmp_path: Path) -> None:
    path = sealed_database(tmp_path)
    path.write_bytes(os.urandom(32))
    with pytest.raises(MasterKeyError, match="does not open the sessions sealed in"):
        make_app(tmp_path)


def test_the_command_line_says_what_is_wrong_with_the_key(tmp_path: Path) -> None:
    path = sealed_database(tmp_path)
    path.chmod(0o644)
    result = CliRunner().invoke(main, ["db", "upgrade", "--instance", str(tmp_path / "instance")])
    assert result.exit_code == 1
    assert "Error: The master key" in result.output and "chmod 600" in result.output
    assert "Traceback" not in result.output
