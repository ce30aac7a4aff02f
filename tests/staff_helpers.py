"""Staff accounts and unlocks for the tests, through the real code and screens."""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Flask
from PIL import Image
from sqlalchemy import select, text
from werkzeug.test import TestResponse

from kiosk import pages, staff
from kiosk.db import get_engine, session_scope
from kiosk.models import ApplicantSession, AuditEvent
from scanning.types import Mode, Problem, ScannedPage
from tests.conftest import Kiosk

PASSWORD = "un mot de passe assez long"
ADMIN_PIN = "258013"
MEDIATOR_PIN = "741852"


def add_staff(
    app: Flask,
    username: str = "cmartin",
    role: str = "mediator",
    pin: str | None = MEDIATOR_PIN,
    name: str = "Camille Martin",
) -> None:
    """Create an account the way `guichet staff add` does."""
    with session_scope(app) as db:
        staff.create(db, username, name, role, PASSWORD, pin)


def unlock(kiosk: Kiosk, username: str = "cmartin", pin: str = MEDIATOR_PIN, **extra: str) -> Any:
    """Open the unlock screen, tap a name, type the PIN."""
    kiosk.get("/staff/unlock")
    return kiosk.post("/staff/unlock", {"username": username, "pin": pin, **extra})


def login(kiosk: Kiosk, username: str = "admin", password: str = PASSWORD) -> TestResponse:
    """Sign in with the password (the admin screens need it)."""
    kiosk.get("/staff/login")
    return kiosk.post("/staff/login", {"username": username, "password": password})


def audit_rows(app: Flask) -> list[tuple[Any, ...]]:
    """Every audit event as stored, every column."""
    with get_engine(app).connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT * FROM audit_event"))]


def audit_actions(app: Flask) -> list[str]:
    """The actions logged, oldest first."""
    with session_scope(app) as db:
        return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def the_applicant(app: Flask) -> ApplicantSession:
    """The newest applicant session."""
    with session_scope(app) as db:
        return db.scalars(select(ApplicantSession).order_by(ApplicantSession.id)).all()[-1]


def jpeg(width: int = 60, height: int = 80) -> bytes:
    """A small grey JPEG, standing for a flattened page."""
    buffer = io.BytesIO()
    Image.new("L", (width, height), 200).save(buffer, "JPEG")
    return buffer.getvalue()


def add_page_with_warning(app: Flask, document_id: str = "passeport") -> int:
    """Store a captured page with a glare warning for the newest applicant session."""
    page = ScannedPage(
        image=jpeg(),
        media_type="image/jpeg",
        width=60,
        height=80,
        dpi=150.0,
        format="ID-3",
        mode=Mode.COLOUR,
        problems=[Problem.GLARE],
        measures={"glare_fraction": 0.05},
        master=jpeg(),
    )
    with app.app_context(), session_scope(app) as db:
        applicant = db.scalars(
            select(ApplicantSession).order_by(ApplicantSession.id.desc())
        ).first()
        assert applicant is not None
        return pages.add_page(db, applicant.id, document_id, page).id


def problems_of_page(app: Flask, page_id: int) -> list[str]:
    """The warning codes of a stored page."""
    from kiosk.models import DocumentPage

    with session_scope(app) as db:
        page = db.get(DocumentPage, page_id)
        assert page is not None
        codes: list[str] = json.loads(page.problems)
        return codes
