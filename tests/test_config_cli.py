"""Settings load order and documentation; the guichet command line."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk import create_app
from kiosk.cli import main
from kiosk.config import SETTINGS, SettingError, load_settings, settings_table

README = Path(__file__).parent.parent / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    assert settings_table() in readme, "README.md: paste the output of `guichet settings`"
    for setting in SETTINGS:
        assert f"`GUICHET_{setting.name}`" in readme or f"| `{setting.name}` |" in readme


def test_defaults_then_instance_file_then_environment_then_overrides(tmp_path: Path) -> None:
    (tmp_path / "guichet.toml").write_text("port = 9000\nidle_seconds = 120\n", encoding="utf-8")
    values = load_settings(tmp_path, {"GUICHET_PORT": "9100"}, {"RESUME_DAYS": 7})
    assert values["PORT"] == 9100  # environment beats the file
    assert values["IDLE_SECONDS"] == 120  # the file beats the default
    assert values["RESUME_DAYS"] == 7  # a test override beats everything
    assert values["THREADS"] == 4  # default
    assert values["DATABASE"] == str(tmp_path / "guichet.sqlite3")


def test_list_settings_from_the_environment(tmp_path: Path) -> None:
    assert load_settings(tmp_path, {"GUICHET_LANGUAGES": "fr, ar"}, None)["LANGUAGES"] == [
        "fr",
        "ar",
    ]
    assert load_settings(tmp_path, {"GUICHET_LANGUAGES": '["en"]'}, None)["LANGUAGES"] == ["en"]


def test_bad_settings_are_named(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match="GUICHET_PORT: PORT must be a whole number"):
        load_settings(tmp_path, {"GUICHET_PORT": "eighty"}, None)
    (tmp_path / "guichet.toml").write_text("colour = 'blue'\n", encoding="utf-8")
    with pytest.raises(SettingError, match="unknown setting 'colour'"):
        load_settings(tmp_path, {}, None)


def test_unknown_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no catalog for xx"):
        create_app({"LANGUAGES": ["fr", "xx"]}, instance_path=tmp_path)


def test_secret_key_is_created_private_and_kept(tmp_path: Path) -> None:
    first = create_app({}, instance_path=tmp_path).config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert create_app({}, instance_path=tmp_path).config["SECRET_KEY"] == first


def test_procedures_check_lists_every_procedure() -> None:
    result = CliRunner().invoke(main, ["procedures", "check"])
    assert result.exit_code == 0, result.output
    rows = [
        line for line in result.output.splitlines() if re.match(r"^[a-z_]+ +\d{4}-\d\d-\d\d", line)
    ]
    assert len(rows) >= 8
    assert all("CESEDA" in row for row in rows)
    assert "8 procedure(s) valid" in result.output


def test_procedures_check_fails_on_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "cassee.toml").write_text('id = "cassee"\n', encoding="utf-8")
    result = CliRunner().invoke(
        main, ["procedures", "check"], env={"GUICHET_PROCEDURES_DIR": str(tmp_path)}
    )
    assert result.exit_code == 1
    assert "cassee.toml" in result.output


def test_procedures_show_json() -> None:
    result = CliRunner().invoke(main, ["procedures", "show", "etudiant_renouvellement", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["id"] == "etudiant_renouvellement"
    fields = {f["id"]: f["type"] for page in data["pages"] for f in page["fields"]}
    assert fields["date_expiration_titre"] == "date"
    assert fields["adresse"] == "address"
    assert "passeport" in [d["id"] for d in data["documents"]]
    assert CliRunner().invoke(main, ["procedures", "show", "nope"]).exit_code != 0


def test_db_upgrade_creates_a_wal_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["db", "upgrade", "--instance", str(tmp_path)])
    assert result.exit_code == 0, result.output
    database = tmp_path / "guichet.sqlite3"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"applicant_session", "browser_session", "alembic_version"} <= tables
    # Running it again changes nothing and does not fail.
    assert CliRunner().invoke(main, ["db", "upgrade", "--instance", str(tmp_path)]).exit_code == 0
