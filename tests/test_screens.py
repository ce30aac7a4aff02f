"""Every applicant screen through the Flask test client, on a real SQLite file."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kiosk import applicants
from kiosk.db import session_scope
from kiosk.models import ApplicantSession
from tests.conftest import Kiosk

STUDENT = "etudiant_renouvellement"


def text(response: object) -> str:
    """The page's HTML with entities decoded, so French apostrophes compare plainly."""
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def applicant(app: Flask) -> ApplicantSession:
    with session_scope(app) as db:
        rows = db.scalars(select(ApplicantSession)).all()
        return rows[-1]


def stored_answers(app: Flask) -> dict[str, object]:
    """The last session's answers, opened with the app's key."""
    with session_scope(app) as db:
        return applicants.answers_of(db.scalars(select(ApplicantSession)).all()[-1])


def test_welcome_offers_each_language_in_its_own_script(client: FlaskClient) -> None:
    page = text(client.get("/"))
    assert '<html lang="fr" dir="ltr">' in page
    for endonym in ("Français", "English", "العربية"):
        assert endonym in page
    assert 'lang="ar" dir="rtl"' in page


def test_language_changes_direction(kiosk: Kiosk) -> None:
    kiosk.get("/")
    kiosk.post("/language", {"lang": "ar", "next": "/"})
    page = text(kiosk.get("/"))
    assert '<html lang="ar" dir="rtl">' in page
    assert kiosk.post("/language", {"lang": "xx", "next": "/"}).status_code == 400


def test_language_redirect_stays_on_site(kiosk: Kiosk) -> None:
    kiosk.get("/")
    response = kiosk.post("/language", {"lang": "en", "next": "https://evil.example/"})
    assert response.location == "/"


def test_finder_leads_to_a_proposal(kiosk: Kiosk) -> None:
    page = kiosk.start()
    assert page.request.path == "/find/demarche"
    assert "Que voulez-vous faire ?" in text(page)
    page = kiosk.follow(kiosk.post("/find/demarche", {"choice": "renouveler"}))
    page = kiosk.follow(kiosk.post(page.request.path, {"choice": "etudiant"}))
    assert page.request.path == f"/proposal/{STUDENT}"
    assert "Renouveler ma carte de séjour étudiant" in text(page)
    assert "je demande au médiateur" in text(page)


def test_finder_without_choice_asks_again(kiosk: Kiosk) -> None:
    kiosk.start()
    page = kiosk.follow(kiosk.post("/find/demarche", {}))
    assert "Choisissez une réponse." in text(page)


def test_not_sure_goes_to_the_mediator_who_sees_every_procedure(kiosk: Kiosk, app: Flask) -> None:
    from tests.staff_helpers import add_staff, unlock

    kiosk.start()
    page = kiosk.follow(kiosk.post("/find/demarche", {"choice": "pas_sur"}))
    assert page.request.path == "/mediator"
    # The list of every procedure is behind the staff unlock (tests/test_staff_screens.py).
    assert text(page).count('name="procedure_id"') == 0
    add_staff(app)
    unlock(kiosk, next="/mediator", then="take_over")
    assert text(kiosk.get("/mediator")).count('name="procedure_id"') == 8


def test_screens_need_a_session(client: FlaskClient) -> None:
    for path in ("/find/demarche", "/q/titre_expiration", "/check", "/documents", "/done", "/code"):
        response = client.get(path)
        assert response.status_code == 302 and response.location == "/", path


def test_code_and_pin(kiosk: Kiosk, app: Flask) -> None:
    kiosk.start()
    kiosk.get("/mediator")
    page = kiosk.follow(kiosk.post("/choose", {"procedure_id": STUDENT}))
    assert page.request.path == "/code"
    code = applicant(app).resume_code
    assert f"{code[:4]}-{code[4:]}" in text(page)
    refused = kiosk.post("/code", {"pin": "12a4"})
    assert refused.status_code == 400
    assert "4 chiffres" in text(refused)
    page = kiosk.follow(kiosk.post("/code", {"pin": "2468"}))
    assert page.request.path == "/q/titre_expiration"
    assert applicant(app).pin_hash not in (None, "2468")


def test_question_page_shows_progress_back_and_fields(kiosk: Kiosk) -> None:
    kiosk.start()
    page = text(kiosk.choose(STUDENT))
    assert "Question 1 sur 18" in page
    assert 'name="date_expiration_titre.day"' in page
    assert 'href="/proposal/etudiant_renouvellement"' in page  # Back


def test_errors_are_summarised_and_linked_to_the_field(kiosk: Kiosk) -> None:
    kiosk.start()
    kiosk.choose(STUDENT)
    response = kiosk.post(
        "/q/titre_expiration",
        {
            "date_expiration_titre.day": "31",
            "date_expiration_titre.month": "2",
            "date_expiration_titre.year": "2027",
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert 'class="error-summary"' in page
    assert '<a href="#f-date_expiration_titre-day">Cette date n\'existe pas.</a>' in page
    assert 'id="f-date_expiration_titre-day"' in page
    # What was typed is shown again.
    assert '<option value="31" selected>' in page
    assert "<title>Erreur" in page


def answer_date(kiosk: Kiosk, page_id: str, field_id: str, day: dt.date) -> object:
    return kiosk.post(
        f"/q/{page_id}",
        {f"{field_id}.day": day.day, f"{field_id}.month": day.month, f"{field_id}.year": day.year},
    )


STUDENT_ANSWERS = [
    ("titre_numero_etranger", {"numero_etranger": "0123456789"}),
    ("etat_civil_nom", {"nom": "Benali", "prenoms": "Yasmine", "nom_usage": ""}),
    ("etat_civil_sexe", {"sexe": "f"}),
    (
        "etat_civil_naissance_date",
        {"date_naissance.day": "4", "date_naissance.month": "5", "date_naissance.year": "2001"},
    ),
    ("etat_civil_naissance_lieu", {"pays_naissance": "MA", "ville_naissance": "Fès"}),
    ("etat_civil_nationalite", {"nationalite": "MA"}),
    ("etat_civil_situation_familiale", {"situation_familiale": "celibataire"}),
    (
        "coordonnees_adresse",
        {
            "adresse.line1": "12 rue des Lilas",
            "adresse.line2": "",
            "adresse.postcode": "69007",
            "adresse.city": "Lyon",
        },
    ),
    ("coordonnees_hebergement", {"hebergement": "foyer"}),
    ("coordonnees_telephone", {"telephone": "06 12 34 56 78"}),
    ("coordonnees_email", {"email": "yasmine@example.fr"}),
    ("etudes_niveau", {"niveau_etudes": "master"}),
    ("etudes_etablissement", {"etablissement": "Université Lyon 2"}),
    ("etudes_redoublement", {"redoublement": "no"}),
    ("ressources_montant", {"ressources_mensuelles": "800"}),
    ("ressources_origine", {"origine_ressources": "bourse"}),
    ("photo_code", {"ephoto_disponible": "no"}),
]


def complete_student_renewal(kiosk: Kiosk, expiry: dt.date, language: str = "fr") -> object:
    kiosk.start(language)
    kiosk.choose(STUDENT)
    response = answer_date(kiosk, "titre_expiration", "date_expiration_titre", expiry)
    for page_id, data in STUDENT_ANSWERS:
        assert response.location == f"/q/{page_id}", (response.location, page_id)  # type: ignore[attr-defined]
        kiosk.get(f"/q/{page_id}")
        response = kiosk.post(f"/q/{page_id}", data)
    assert response.location == "/documents"  # type: ignore[attr-defined]
    return response


def test_complete_journey_saves_every_page(kiosk: Kiosk, app: Flask) -> None:
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
    stored = stored_answers(app)
    assert stored["adresse"] == {
        "line1": "12 rue des Lilas",
        "line2": "",
        "postcode": "69007",
        "city": "Lyon",
    }
    assert stored["telephone"] == "+33612345678"
    assert stored["ressources_mensuelles"] == 800
    assert "nom_usage" not in stored

    documents = text(kiosk.get("/documents"))
    assert "Justificatif de domicile de moins de 6 mois" in documents
    assert "Attestation d'hébergement" not in documents
    assert (
        documents.count('class="document-item"') == 7
    )  # passport, card, address, enrolment, transcripts, resources, e-photo

    check = text(kiosk.get("/check"))
    assert "Benali" in check and "Lyon" in check and "06 12 34 56 78" in check
    assert "Maroc" in check  # country names in the applicant's language
    assert "75\u00a0€" in check
    assert "C'est le bon moment" in check
    assert check.count(">Modifier<") == 18  # one per page shown

    done = kiosk.follow(kiosk.post("/check"))
    assert done.request.path == "/done"
    assert applicant(app).reference in text(done)
    assert "0806 001 620" in text(done)


def test_change_from_check_returns_to_check(kiosk: Kiosk) -> None:
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
    page = text(kiosk.get("/q/etat_civil_nom?change=1"))
    assert 'name="change" value="1"' in page
    assert 'href="/check"' in page
    response = kiosk.post(
        "/q/etat_civil_nom", {"nom": "Benali", "prenoms": "Yasmina", "change": "1"}
    )
    assert response.location == "/check"
    assert "Yasmina" in text(kiosk.get("/check"))


def test_change_that_opens_a_page_asks_it_then_returns(kiosk: Kiosk, app: Flask) -> None:
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
    kiosk.get("/q/photo_code?change=1")
    response = kiosk.post("/q/photo_code", {"ephoto_disponible": "yes", "change": "1"})
    assert response.location == "/q/photo_code_saisie?change=1"
    kiosk.get(response.location)
    response = kiosk.post(
        "/q/photo_code_saisie", {"ephoto_code": "AB12CD34EF56GH78IJ90KL", "change": "1"}
    )
    assert response.location == "/check"
    kiosk.get("/q/photo_code?change=1")
    kiosk.post("/q/photo_code", {"ephoto_disponible": "no", "change": "1"})
    assert "ephoto_code" not in stored_answers(app)


def test_hidden_pages_cannot_be_reached(kiosk: Kiosk) -> None:
    kiosk.start()
    kiosk.choose(STUDENT)
    response = kiosk.get("/q/photo_code_saisie")
    assert response.status_code == 302
    assert kiosk.get("/q/nope").status_code == 404


def test_check_and_documents_wait_for_every_answer(kiosk: Kiosk) -> None:
    kiosk.start()
    kiosk.choose(STUDENT)
    assert kiosk.get("/check").location == "/q/titre_expiration"
    assert kiosk.get("/documents").location == "/q/titre_expiration"
    assert kiosk.get("/done").location == "/check"


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (200, "à partir du"),
        (90, "C'est le bon moment"),
        (30, "tout de suite"),
        (-30, "180\u00a0€"),
        (-400, "Parlez au médiateur"),
    ],
)
def test_deadline_message(kiosk: Kiosk, days: int, expected: str) -> None:
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=days))
    assert expected in text(kiosk.get("/check"))


def test_language_switch_keeps_answers(kiosk: Kiosk) -> None:
    kiosk.start()
    kiosk.choose(STUDENT)
    answer_date(kiosk, "titre_expiration", "date_expiration_titre", dt.date(2027, 3, 1))
    kiosk.get("/q/titre_numero_etranger")
    kiosk.post("/language", {"lang": "ar", "next": "/q/titre_expiration"})
    page = text(kiosk.get("/q/titre_expiration"))
    assert 'dir="rtl"' in page
    assert '<option value="2027" selected>' in page


def test_save_and_resume(kiosk: Kiosk, app: Flask, client: FlaskClient) -> None:
    kiosk.start()
    kiosk.choose(STUDENT, pin="4321")
    answer_date(kiosk, "titre_expiration", "date_expiration_titre", dt.date(2027, 3, 1))
    code = applicant(app).resume_code
    page = text(kiosk.get("/save"))
    assert f"{code[:4]}-{code[4:]}" in page
    saved = kiosk.follow(kiosk.post("/save"))
    assert saved.request.path == "/saved"
    assert f"{code[:4]}-{code[4:]}" in text(saved)
    stored = applicant(app)
    assert stored.status == "closed" and stored.saved_for_later
    assert stored.resumable_until is not None
    assert (stored.resumable_until - stored.created_at).days in (29, 30)
    # The old browser session no longer shows the application.
    assert kiosk.get("/q/titre_numero_etranger").location == "/"

    other = Kiosk(app.test_client())
    other.get("/resume")
    wrong = other.post("/resume", {"code": code, "pin": "0000"})
    assert wrong.status_code == 400
    page = other.follow(
        other.post("/resume", {"code": f"{code[:4].lower()}-{code[4:]}", "pin": "4321"})
    )
    assert page.request.path == "/q/titre_numero_etranger"
    assert applicant(app).status == "active"


def test_resume_is_locked_after_five_wrong_pins(kiosk: Kiosk, app: Flask) -> None:
    kiosk.start()
    kiosk.choose(STUDENT, pin="4321")
    kiosk.get("/save")
    kiosk.post("/save")
    code = applicant(app).resume_code
    other = Kiosk(app.test_client())
    other.get("/resume")
    statuses = [
        other.post("/resume", {"code": code, "pin": f"000{i}"}).status_code for i in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    # Even the right PIN is refused while the code is locked.
    assert other.post("/resume", {"code": code, "pin": "4321"}).status_code == 429


def test_idle_close_keeps_the_session_resumable(kiosk: Kiosk, app: Flask) -> None:
    kiosk.start()
    kiosk.choose(STUDENT, pin="4321")
    response = kiosk.post("/session/close")
    assert response.location == "/"
    stored = applicant(app)
    assert stored.status == "closed" and not stored.saved_for_later
    assert stored.resumable_until is not None
    assert kiosk.get("/check").location == "/"


def test_server_closes_a_silent_session(kiosk: Kiosk, app: Flask) -> None:
    kiosk.start()
    kiosk.choose(STUDENT, pin="4321")
    with session_scope(app) as db:
        row = db.scalars(select(ApplicantSession)).one()
        row.last_activity_at = row.last_activity_at - dt.timedelta(hours=1)
    response = kiosk.get("/q/titre_expiration")
    assert response.location == "/"
    assert applicant(app).status == "closed"
    assert "longue pause" in text(kiosk.get("/"))


def test_finish_erases_answers(kiosk: Kiosk, app: Flask) -> None:
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
    kiosk.follow(kiosk.post("/check"))
    kiosk.get("/finish")
    response = kiosk.post("/finish")
    assert response.status_code == 200 and "Au revoir" in text(response)
    assert '"cookies"' in response.headers["Clear-Site-Data"]
    assert 'data-return-home="20" data-home="/"' in text(response)
    stored = applicant(app)
    assert stored.status == "ended"
    assert stored.sealed_answers is None and stored.pin_hash is None
    assert stored.sealed_finder_answers is None and stored.sealed_key is None


def test_ping_records_activity(kiosk: Kiosk, app: Flask) -> None:
    kiosk.start()
    before = applicant(app).last_activity_at
    response = kiosk.client.post("/session/ping", headers={"X-CSRFToken": kiosk.token})
    assert response.status_code == 204
    assert applicant(app).last_activity_at >= before


def test_csrf_is_required(kiosk: Kiosk) -> None:
    kiosk.get("/")
    assert kiosk.client.post("/start").status_code == 400
    assert kiosk.client.post("/session/ping").status_code == 400


def test_not_found_is_a_friendly_page(client: FlaskClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Revenir à l'accueil" in text(response)


def test_security_headers_on_every_page(kiosk: Kiosk) -> None:
    response = kiosk.start()
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' 'nonce-" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce and f'nonce="{nonce.group(1)}"' in text(response)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    cookie = kiosk.client.get_cookie("__Host-guichet")
    assert cookie is not None and cookie.secure and cookie.http_only
    assert cookie.same_site == "Strict"


def test_healthz(client: FlaskClient) -> None:
    # The test machine has no "guichet" print queue: degraded, still 200.
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] in ("ok", "degraded")
    assert body["checks"]["database"]["ok"] and body["checks"]["disk"]["ok"]
