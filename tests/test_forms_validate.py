"""Validators: clean values out, clear French message ids for what is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from forms.schema import Choice, Field
from forms.validate import (
    clean_text,
    form_from_answer,
    validate_field,
)

TODAY = dt.date(2026, 11, 29)


def field(kind: str, **extra: Any) -> Field:
    return Field(id="f", type=kind, label="Question", **extra)


def check(one: Field, form: dict[str, str]) -> tuple[Any, str | None]:
    value, error = validate_field(one, form, TODAY)
    return value, error.message if error else None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("+212 6 12 34 56 78", "+212612345678"),
    ],
)
def test_phone_numbers_are_stored_in_international_form(typed: str, stored: str) -> None:
    assert check(field("phone"), {"f": typed}) == (stored, None)


@pytest.mark.parametrize("typed", ["12345", "00 12 34 56 78", "+0123", "06 12 34 56 7x"])
def test_bad_phone_numbers_are_refused(typed: str) -> None:
    value, message = check(field("phone"), {"f": typed})
    assert value is None and message and "10 chiffres" in message


def test_person_names_must_be_latin() -> None:
    assert check(field("person_name"), {"f": "  Ben  Ali-Trabelsi "}) == ("Ben Ali-Trabelsi", None)
    assert check(field("person_name"), {"f": "N’Diaye"}) == ("N'Diaye", None)
    value, message = check(field("person_name"), {"f": "بن علي"})
    assert value is None and message and "lettres latines" in message
    assert check(field("person_name"), {"f": "---"})[1] is not None


def test_required_and_optional() -> None:
    assert check(field("text"), {"f": "   "})[1] == "Répondez à cette question."
    assert check(field("text", required=False), {"f": ""}) == (None, None)
    assert check(field("yes_no"), {})[1] == "Choisissez oui ou non."


def test_text_length_and_pattern() -> None:
    assert check(field("text"), {"f": "x" * 201})[1] == "Écrivez au plus %(max)d caractères."
    numbered = field("text", validation={"pattern": "[0-9]{10}", "pattern_message": "Dix."})
    assert check(numbered, {"f": "0123456789"}) == ("0123456789", None)
    assert check(numbered, {"f": "012345678"})[1] == "Dix."


def test_dates_come_in_three_parts() -> None:
    one = field("date", validation={"past_only": True, "max_years_ago": 110})
    form = {"f.day": "29", "f.month": "2", "f.year": "2000"}
    assert check(one, form) == ("2000-02-29", None)
    value, error = validate_field(one, {**form, "f.year": "2001"}, TODAY)
    assert error is not None and error.message == "Cette date n'existe pas."
    assert error.input_name == "f.day"
    assert check(one, {"f.day": "1", "f.month": "1", "f.year": "2030"})[1] == (
        "La date doit être aujourd'hui ou avant."
    )
    assert check(one, {"f.day": "1", "f.month": "", "f.year": "1990"})[1] == (
        "Choisissez le jour, le mois et l'année."
    )
    assert check(one, {"f.day": "1", "f.month": "1", "f.year": "1900"})[1] == (
        "L'année doit être %(year)d ou après."
    )


def test_address_parts() -> None:
    one = field("address")
    form = {"f.line1": "3 rue de la Paix", "f.line2": "", "f.postcode": "75 002", "f.city": "Paris"}
    value, message = check(one, form)
    assert message is None
    assert value == {"line1": "3 rue de la Paix", "line2": "", "postcode": "75002", "city": "Paris"}
    _, error = validate_field(one, {**form, "f.postcode": "7500"}, TODAY)
    assert error is not None and error.input_name == "f.postcode"


def test_choices_countries_numbers_emails() -> None:
    choice = field("single_choice", choices=(Choice("a", "A"), Choice("b", "B")))
    assert check(choice, {"f": "b"}) == ("b", None)
    assert check(choice, {"f": "c"})[1] == "Choisissez une des réponses proposées."
    assert check(field("country"), {"f": "ma"}) == ("MA", None)
    assert check(field("country"), {"f": "XX"})[1] == "Choisissez un pays dans la liste."
    amount = field("number", validation={"min": 0, "max": 100})
    assert check(amount, {"f": "615"})[1] == "Écrivez un nombre entre %(min)d et %(max)d."
    assert check(amount, {"f": "6.5"})[1] is not None
    assert check(amount, {"f": "٦٥"})[1] is not None  # Arabic-Indic digits are not typed here
    assert check(field("email"), {"f": "Nom@Exemple.FR"}) == ("Nom@exemple.fr", None)
    assert check(field("email"), {"f": "nom@exemple"})[1] is not None
    for invisible in ("\u200b", "\u0007", "\ud7fc"):  # zero-width space, bell, unassigned
        typed = f"nom@exemple.fr{invisible}"
        assert check(field("email"), {"f": typed})[1] == (
            "Écrivez une adresse e-mail comme nom@exemple.fr."
        )


def test_stored_answers_go_back_into_the_form() -> None:
    assert form_from_answer(field("date"), "2001-03-09") == {
        "f.year": "2001",
        "f.month": "3",
        "f.day": "9",
    }
    assert form_from_answer(field("phone"), "+33612345678") == {"f": "0612345678"}
    one = field("address")
    stored = {"line1": "1 rue A", "line2": "", "postcode": "75001", "city": "Paris"}
    again = form_from_answer(one, stored)
    assert validate_field(one, again, TODAY) == (stored, None)


def test_clean_text_removes_controls_and_extra_spaces() -> None:
    assert clean_text("a\u0000b\tc\u202e  d") == "a b c d"


ALL_KINDS = (
    field("text"),
    field("person_name"),
    field("date", validation={"past_only": True}),
    field("single_choice", choices=(Choice("a", "A"),)),
    field("yes_no"),
    field("country"),
    field("address"),
    field("phone"),
    field("email"),
    field("number", validation={"min": 0, "max": 10}),
)
INPUT_NAMES = ["f", "f.day", "f.month", "f.year", "f.line1", "f.line2", "f.postcode", "f.city"]


@settings(max_examples=300, deadline=None)
@given(
    one=st.sampled_from(ALL_KINDS),
    form=st.dictionaries(st.sampled_from(INPUT_NAMES), st.text(max_size=300)),
)
# Found by a clean-clone run: an unassigned code point (U+D7FC) in an e-mail's domain.
@example(one=field("email"), form={"f": "0@0.0\ud7fc"})
def test_validators_never_crash_and_never_keep_junk(one: Field, form: dict[str, str]) -> None:
    value, error = validate_field(one, form, TODAY)
    assert (value is None) or (error is None)
    if error is not None:
        assert error.field_id == "f" and error.input_name in INPUT_NAMES
        assert error.message
    if isinstance(value, str):
        assert len(value) <= 254
        assert all(ch.isprintable() for ch in value)
