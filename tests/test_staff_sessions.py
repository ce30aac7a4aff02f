"""Staff actions on sessions: end and wipe, reprint, today's dashboard, statistics, CSV.

A canary name typed into a session must never reach the dashboard, the
statistics or the audit log.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kiosk.db import session_scope
from kiosk.models import ApplicantSession, SessionStatistic, utcnow
from tests.conftest import Kiosk
from tests.cups import QUEUE, private_cupsd
from tests.staff_helpers import (
    add_page_with_warning,
    add_staff,
    audit_actions,
    audit_rows,
    the_applicant,
    unlock,
)
from tests.test_screens import complete_student_renewal

STUDENT = "etudiant_renouvellement"
CANARY = "Zqxwvkanari"
HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


def text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def canary_session(kiosk: Kiosk) -> None:
    """A session in which the applicant typed the canary as their name."""
    kiosk.start()
    kiosk.choose(STUDENT)
    kiosk.post(
        "/q/titre_expiration",
        {
            "date_expiration_titre.day": "1",
            "date_expiration_titre.month": "6",
            "date_expiration_titre.year": str(dt.date.today().year + 1),
        },
    )
    kiosk.post("/q/titre_numero_etranger", {"numero_etranger": "0123456789"})
    response = kiosk.post("/q/etat_civil_nom", {"nom": CANARY, "prenoms": CANARY, "nom_usage": ""})
    assert response.status_code == 302, response.status_code


def test_end_and_wipe_the_session_on_this_screen(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app)
    canary_session(kiosk)
    reference = the_applicant(app).reference
    unlock(kiosk)
    kiosk.post("/staff/take-over")
    confirm = text(kiosk.get(f"/staff/sessions/{reference}/end"))
    assert "l'écran reviendra à l'accueil" in confirm
    response = kiosk.post(f"/staff/sessions/{reference}/end", {"next": "/staff"})
    assert response.status_code == 200
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert f"La demande {reference} est terminée et effacée." in text(response)
    erased = the_applicant(app)
    assert erased.status == "ended" and erased.pin_hash is None
    with session_scope(app) as db:
        kept = db.scalars(select(SessionStatistic)).one()
        assert kept.procedure_id == STUDENT and kept.assisted
    # The browser is clean: no applicant session, and the staff panel is locked.
    assert kiosk.get("/q/etat_civil_nom").location == "/"
    assert kiosk.get("/staff").status_code == 302
    assert audit_actions(app) == [
        "unlock",
        "take_over",
        "end_session",
        "hand_back",
        "lock",
    ]
    assert CANARY not in repr(audit_rows(app))


def test_wipe_another_session_from_todays_list(app: Flask, client: FlaskClient) -> None:
    add_staff(app)
    applicant = Kiosk(client)
    canary_session(applicant)
    reference = the_applicant(app).reference
    mediator = Kiosk(app.test_client())
    unlock(mediator)
    today = text(mediator.get("/staff/today"))
    assert reference in today and CANARY not in today
    assert "Nom d'usage" not in today  # the step is named, never an answer
    response = mediator.post(f"/staff/sessions/{reference}/end", {"next": "/staff/today"})
    assert response.location == "/staff/today"
    assert "Clear-Site-Data" not in response.headers  # this browser held nothing of it
    assert "Terminée" in text(mediator.follow(response))
    assert mediator.post(f"/staff/sessions/{reference}/end").status_code == 404
    # The applicant's screen has nothing left to show.
    assert applicant.get("/q/etat_civil_nom").location == "/"
    assert CANARY not in repr(audit_rows(app))


def test_the_dashboard_statistics_and_csv_name_no_one(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app)
    canary_session(kiosk)
    with session_scope(app) as db:
        today = dt.date.today()
        for outcome, minutes, missing in (
            ("completed", 20, '["passeport"]'),
            ("abandoned", 4, '["passeport", "justificatif_domicile"]'),
            ("completed", 30, "[]"),
        ):
            db.add(
                SessionStatistic(
                    day=today,
                    procedure_id=STUDENT,
                    language="ar",
                    outcome=outcome,
                    minutes=minutes,
                    missing_documents=missing,
                    assisted=outcome == "abandoned",
                )
            )
        db.add(
            SessionStatistic(
                day=today - dt.timedelta(days=200),
                procedure_id="visiteur",
                language="fr",
                outcome="expired",
                minutes=9,
                missing_documents="[]",
                assisted=False,
            )
        )
    mediator = Kiosk(app.test_client())
    unlock(mediator)
    page = text(mediator.get("/staff/statistics?period=30"))
    assert CANARY not in page
    figures = page[page.index('id="figures"') : page.index("</dl>")]
    assert "<dd>3</dd>" in figures  # ended in the period (the old one is outside it)
    assert "<dd>1</dd>" in figures  # the canary's session, still open
    assert "67 %" in figures and "20 minutes" in figures  # 2 of 3 completed; median
    assert "Passeport" in page  # the most often missing document, by its title
    visitor = "Carte de séjour visiteur : vivre en France sans travailler"
    assert visitor not in page  # 200 days ago: outside the last 30 days
    assert visitor in text(mediator.get("/staff/statistics?period=365"))
    export = mediator.get("/staff/statistics.csv?period=30")
    assert export.mimetype == "text/csv" and "attachment" in export.headers["Content-Disposition"]
    for header in HEADERS:
        assert header in export.headers
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [
        "day",
        "procedure",
        "language",
        "outcome",
        "minutes",
        "assisted",
        "missing_documents",
    ]
    assert len(rows) == 5  # three ended sessions and the open one
    assert rows[-1][3] == "in_progress" and rows[-1][1] == STUDENT
    assert CANARY not in export.get_data(as_text=True)
    assert the_applicant(app).reference not in export.get_data(as_text=True)
    assert audit_actions(app)[-1] == "statistics_export"
    assert CANARY not in repr(audit_rows(app))


def _built(kiosk: Kiosk, app: Flask) -> str:
    """A student renewal with one page scanned and its dossier built; its reference."""
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
    kiosk.follow(kiosk.post("/check"))
    add_page_with_warning(app)
    assert kiosk.post("/dossier/build").location == "/dossier"
    return the_applicant(app).reference


def test_reprint_says_when_the_printer_is_missing(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app)
    app.config["PRINTER_QUEUE"] = "guichet-test-absent"
    reference = _built(kiosk, app)
    unlock(kiosk)
    assert 'id="reprint"' in text(kiosk.get("/staff"))
    response = kiosk.post(f"/staff/sessions/{reference}/reprint", {"next": "/staff/today"})
    assert response.location == "/staff/today"
    assert "L'imprimante n'est pas disponible" in text(kiosk.follow(response))
    rows = audit_rows(app)
    assert "reprint" in repr(rows) and "PrinterUnavailable" in repr(rows)


def test_reprint_sends_the_dossier_again(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app)
    with private_cupsd() as cups:
        output = cups.add_queue(QUEUE)
        app.config.update(PRINTER_QUEUE=QUEUE, CUPS_SERVER=cups.server)
        reference = _built(kiosk, app)
        unlock(kiosk)
        response = kiosk.post(f"/staff/sessions/{reference}/reprint", {"next": "/staff"})
        assert "Le dossier est envoyé à l'imprimante" in text(kiosk.follow(response))
        cups.wait_idle(QUEUE)
        assert output.exists() and output.read_bytes().startswith(b"%PDF-")
    assert '"printed":' in repr(audit_rows(app))


def test_an_out_of_date_dossier_is_not_reprinted(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app)
    reference = _built(kiosk, app)
    add_page_with_warning(app, "passeport")  # a page more: the dossier is out of date
    unlock(kiosk)
    response = kiosk.post(f"/staff/sessions/{reference}/reprint", {"next": "/staff"})
    assert "il faut refaire le dossier" in text(kiosk.follow(response))


@pytest.mark.parametrize("path", ["/staff/sessions/GNOPE00/end", "/staff/sessions/GNOPE00/reprint"])
def test_an_unknown_reference_is_404(kiosk: Kiosk, app: Flask, path: str) -> None:
    add_staff(app)
    unlock(kiosk)
    response = kiosk.get(path) if path.endswith("end") else kiosk.post(path)
    assert response.status_code == 404


def test_todays_list_shows_the_step_and_duration(kiosk: Kiosk, app: Flask) -> None:
    add_staff(app)
    canary_session(kiosk)
    with session_scope(app) as db:
        row = db.scalars(select(ApplicantSession)).one()
        row.created_at = utcnow() - dt.timedelta(minutes=12)
    mediator = Kiosk(app.test_client())
    unlock(mediator)
    page = text(mediator.get("/staff/today"))
    assert "Renouveler ma carte de séjour étudiant" in page
    assert "12 minutes" in page and "En cours" in page
    assert "Quel sexe est écrit sur votre passeport ?" in page  # the page the applicant is on
