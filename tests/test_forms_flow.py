"""The flow engine: next and previous pages, progress, pruning, documents."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms import flow
from forms.loader import load_procedures
from forms.schema import SUMMARY, Procedure
from forms.validate import validate_fields
from tests.strategies import TODAY, valid_input

PROCEDURES = load_procedures()


def walk(procedure: Procedure, data: st.DataObject) -> tuple[list[str], dict[str, Any]]:
    """Answer every page with generated valid inputs, following the engine."""
    answers: dict[str, Any] = {}
    visited = []
    page_id = flow.first_page(procedure, answers)
    for _ in range(len(procedure.pages) + 1):
        if page_id == SUMMARY:
            return visited, answers
        page = procedure.page(page_id)
        assert page is not None
        assert page.applies(flow.prune(procedure, answers)), f"visited hidden page {page_id}"
        assert page_id not in visited, f"visited {page_id} twice"
        visited.append(page_id)
        fields = flow.page_fields(page, answers)
        form: dict[str, str] = {}
        for field in fields:
            form.update(data.draw(valid_input(field), label=field.id))
        values, errors = validate_fields(fields, form, TODAY)
        assert errors == [], (form, errors)
        answers = flow.prune(procedure, {**answers, **values})
        page_id = flow.next_page(procedure, answers, page_id)
    raise AssertionError("the flow did not reach the summary")


@pytest.mark.parametrize("procedure_id", sorted(PROCEDURES))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_valid_answers_reach_the_summary(procedure_id: str, data: st.DataObject) -> None:
    procedure = PROCEDURES[procedure_id]
    visited, answers = walk(procedure, data)
    assert flow.is_complete(procedure, answers)
    assert visited == [page.id for page in flow.visible_pages(procedure, answers)]
    assert flow.progress(procedure, answers, visited[-1]).number == len(visited)
    assert flow.required_documents(procedure, answers)


@pytest.mark.parametrize("procedure_id", sorted(PROCEDURES))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_prune_keeps_only_answers_to_asked_questions(
    procedure_id: str, data: st.DataObject
) -> None:
    procedure = PROCEDURES[procedure_id]
    # Any mixture of answers, including ones for pages that end up hidden.
    answers: dict[str, Any] = {}
    for field in procedure.all_fields():
        if data.draw(st.booleans(), label=f"answer {field.id}"):
            answers[field.id] = data.draw(
                st.sampled_from([c.value for c in field.choices] or ["yes", "no", "x"])
            )
    answers["not_a_field"] = "stale"
    kept = flow.prune(procedure, answers)
    assert flow.prune(procedure, kept) == kept
    shown = {f.id for p in flow.visible_pages(procedure, kept) for f in flow.page_fields(p, kept)}
    assert set(kept) <= shown
    assert "not_a_field" not in kept


def test_next_previous_and_progress() -> None:
    procedure = PROCEDURES["etudiant_renouvellement"]
    answers: dict[str, Any] = {}
    first = flow.first_page(procedure, answers)
    assert first == "titre_expiration"
    second = flow.next_page(procedure, answers, first)
    assert second == "titre_numero_etranger"
    assert flow.previous_page(procedure, answers, second) == first
    assert flow.previous_page(procedure, answers, first) is None
    assert flow.progress(procedure, answers, second) == flow.Progress(2, 18)


def test_a_yes_opens_a_page_and_a_no_closes_it_again() -> None:
    procedure = PROCEDURES["etudiant_renouvellement"]
    answers = {"ephoto_disponible": "yes"}
    assert flow.next_page(procedure, answers, "photo_code") == "photo_code_saisie"
    assert flow.progress(procedure, answers, "photo_code").total == 19
    answers = flow.prune(procedure, {**answers, "ephoto_code": "A" * 22})
    assert answers["ephoto_code"] == "A" * 22
    # Changing the earlier answer hides the page and drops its answer.
    answers = flow.prune(procedure, {**answers, "ephoto_disponible": "no"})
    assert "ephoto_code" not in answers
    assert flow.next_page(procedure, answers, "photo_code") == SUMMARY
    assert flow.previous_page(procedure, answers, SUMMARY) == "photo_code"


def test_documents_follow_the_answers() -> None:
    procedure = PROCEDURES["etudiant_renouvellement"]
    base = {"hebergement": "locataire", "niveau_etudes": "master"}
    ids = [d.id for d in flow.required_documents(procedure, base)]
    assert "justificatif_domicile" in ids
    assert "attestation_hebergement" not in ids
    assert "lettre_directeur_these" not in ids
    hosted = [
        d.id
        for d in flow.required_documents(
            procedure, {"hebergement": "heberge", "niveau_etudes": "doctorat"}
        )
    ]
    assert {"attestation_hebergement", "identite_hebergeant", "domicile_hebergeant"} <= set(hosted)
    assert "justificatif_domicile" not in hosted
    assert "lettre_directeur_these" in hosted


def test_first_unanswered_points_at_the_first_gap() -> None:
    procedure = PROCEDURES["etudiant_renouvellement"]
    assert flow.first_unanswered(procedure, {}) == "titre_expiration"
    answers = {"date_expiration_titre": dt.date(2027, 3, 1).isoformat()}
    assert flow.first_unanswered(procedure, answers) == "titre_numero_etranger"
    assert not flow.is_complete(procedure, answers)


def test_fees_depend_on_the_procedure() -> None:
    assert [f.amount_eur for f in flow.fees_due(PROCEDURES["etudiant_renouvellement"], {})] == [75]
    assert flow.fees_due(PROCEDURES["changement_adresse"], {}) == []


def test_unknown_page_is_an_error() -> None:
    from forms.errors import UnknownPage

    with pytest.raises(UnknownPage):
        flow.next_page(PROCEDURES["visiteur"], {}, "nope")
