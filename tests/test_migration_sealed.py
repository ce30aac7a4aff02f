"""Migration 0005: a database made before encryption at rest keeps its data, sealed."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import Engine, select, text

from kiosk import applicants, create_app, crypto, db, dossiers, pages
from kiosk.models import ApplicantSession, BuiltDossier, DocumentPage

CANARY = "Plaintextcanary"
NOW = dt.datetime(2026, 11, 30, 10, 0)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The kiosk on a database left at revision 0004, holding plaintext personal data."""
    app = create_app({"TESTING": True}, instance_path=tmp_path / "instance")
    engine = db.get_engine(app)
    with engine.connect() as connection:
        config = db.alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    fill_legacy(engine)
    yield app
    app.extensions["guichet.camera"].stop()
    engine.dispose()


def legacy_archive() -> tuple[bytes, str]:
    manifest = {
        "files": [{"name": "00-fiche.pdf", "media_type": "application/pdf", "description": "Fiche"}]
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("dossier/00-fiche.pdf", f"%PDF {CANARY}".encode())
        archive.writestr("dossier/manifest.json", json.dumps(manifest))
    return buffer.getvalue(), json.dumps({**manifest, "holder": CANARY})


def fill_legacy(engine: Engine) -> None:
    session_row = (
        "INSERT INTO applicant_session (id, reference, resume_code, failed_pin_attempts, "
        "language, finder_answers, answers, status, saved_for_later, created_at, updated_at, "
        "last_activity_at) VALUES (:id, :ref, :code, 0, 'fr', :finder, :answers, :status, 0, "
        ":now, :now, :now)"
    )
    page_row = (
        "INSERT INTO document_page (applicant_id, document_id, position, master, preview, width, "
        "height, dpi, mode, rotation, problems, measures, created_at) VALUES (:id, 'passeport', "
        "1, :master, :preview, 10, 10, 150.0, 'grey', 0, '[]', '{}', :now)"
    )
    archive, manifest = legacy_archive()
    with engine.begin() as connection:
        connection.execute(
            text(session_row),
            {
                "id": 1,
                "ref": "GLIVE01",
                "code": "LIVECODE",
                "finder": json.dumps({"demarche": "renouveler"}),
                "answers": json.dumps({"nom": CANARY}),
                "status": "closed",
                "now": NOW,
            },
        )
        connection.execute(
            text(session_row),
            {"id": 2, "ref": "GENDED2", "code": "XENDED", "finder": "{}", "answers": "{}"}
            | {"status": "ended", "now": NOW},
        )
        for applicant_id in (1, 2):
            picture = f"JPEG of {CANARY} #{applicant_id}".encode()
            connection.execute(
                text(page_row),
                {"id": applicant_id, "master": picture, "preview": picture, "now": NOW},
            )
        connection.execute(
            text(
                "INSERT INTO built_dossier (applicant_id, archive, manifest, too_large, source, "
                "built_at) VALUES (1, :archive, :manifest, '[]', :source, :now)"
            ),
            {"archive": archive, "manifest": manifest, "source": "ab" * 32, "now": NOW},
        )


def database_bytes(app: Flask) -> bytes:
    database = Path(app.config["DATABASE"])
    names = [database.name, database.name + "-wal", database.name + "-shm"]
    return b"".join(
        (database.parent / name).read_bytes() for name in names if (database.parent / name).exists()
    )


def test_the_migration_needs_the_master_key_for_existing_data(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="migration 0005 must seal"):
        db.upgrade(db.get_engine(app))
    assert CANARY.encode() in database_bytes(app)  # nothing half done


def test_upgrading_seals_everything_and_leaves_no_plaintext(app: Flask) -> None:
    assert CANARY.encode() in database_bytes(app)
    db.upgrade(db.get_engine(app), crypto.app_master_key(app))
    assert db.is_current(db.get_engine(app))
    assert CANARY.encode() not in database_bytes(app)
    with app.app_context(), db.session_scope(app) as session:
        live = session.get(ApplicantSession, 1)
        assert live is not None
        assert applicants.answers_of(live) == {"nom": CANARY}
        assert applicants.finder_answers_of(live) == {"demarche": "renouveler"}
        (page,) = session.scalars(select(DocumentPage)).all()  # the ended session's page is gone
        assert pages.master_image(session, page) == f"JPEG of {CANARY} #1".encode()
        assert pages.preview_image(session, page) == f"JPEG of {CANARY} #1".encode()
        built = session.scalars(select(BuiltDossier)).one()
        assert built.source == ""  # a plain hash of the answers is not kept: rebuilt on demand
        (fiche, listed) = dossiers.files_of(live, built)
        assert fiche.data == f"%PDF {CANARY}".encode() and listed.name == "manifest.json"
        ended = session.get(ApplicantSession, 2)
        assert ended is not None and ended.sealed_key is None and ended.sealed_answers is None


def test_downgrading_opens_the_data_again(app: Flask) -> None:
    engine = db.get_engine(app)
    db.upgrade(engine, crypto.app_master_key(app))
    with engine.connect() as connection:
        config = db.alembic_config(engine)
        config.attributes["connection"] = connection
        config.attributes["master_key"] = crypto.app_master_key(app)
        command.downgrade(config, "0004")
    with engine.connect() as connection:
        answers = connection.execute(text("SELECT answers FROM applicant_session WHERE id = 1"))
        assert json.loads(answers.scalar_one()) == {"nom": CANARY}
        manifest = connection.execute(text("SELECT manifest FROM built_dossier")).scalar_one()
        assert CANARY in manifest
