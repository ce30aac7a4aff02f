"""Loading procedure files: the shipped ones, and broken ones with clear errors."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest

from forms.errors import ProcedureError, UnknownProcedure
from forms.loader import (
    PROCEDURES_DIR,
    get_procedure,
    load_procedure_file,
    load_procedures,
    parse_procedure,
)
from forms.schema import FIELD_TYPES

SHIPPED = (
    "etudiant_premiere",
    "etudiant_renouvellement",
    "conjoint_francais",
    "parent_enfant_francais",
    "visiteur",
    "carte_resident_renouvellement",
    "duplicata",
    "changement_adresse",
)
PICTOGRAMS = Path(__file__).parent.parent / "kiosk" / "static" / "pictograms"


def minimal() -> dict[str, Any]:
    """The smallest valid procedure, to break one piece at a time."""
    return {
        "id": "essai",
        "title": "Essai",
        "description": "Une démarche d'essai.",
        "legal_source": "CESEDA",
        "source_urls": ["https://www.service-public.fr/"],
        "verified_on": dt.date(2026, 1, 1),
        "pages": [
            {
                "id": "p1",
                "title": "Question 1",
                "section": "Section",
                "fields": [
                    {
                        "id": "choix",
                        "type": "single_choice",
                        "label": "Choix",
                        "choices": [
                            {"value": "a", "label": "A"},
                            {"value": "b", "label": "B"},
                        ],
                    }
                ],
            },
            {
                "id": "p2",
                "title": "Question 2",
                "section": "Section",
                "when": {"field": "choix", "equals": "a"},
                "fields": [{"id": "texte", "type": "text", "label": "Texte"}],
            },
        ],
        "documents": [
            {
                "id": "passeport",
                "title": "Passeport",
                "help": "Les pages d'identité.",
                "pictogram": "passport",
                "source": "annexe 10",
            }
        ],
    }


def test_every_shipped_procedure_loads() -> None:
    procedures = load_procedures()
    assert set(SHIPPED) <= set(procedures)
    for procedure in procedures.values():
        assert procedure.legal_source and procedure.source_urls
        assert procedure.verified_on <= dt.date.today()
        assert procedure.pages and procedure.documents


def test_shipped_procedures_use_every_field_type_between_them() -> None:
    used = {f.type for p in load_procedures().values() for f in p.all_fields()}
    assert used == set(FIELD_TYPES)


def test_every_pictogram_exists() -> None:
    for procedure in load_procedures().values():
        names = {d.pictogram for d in procedure.documents}
        names |= {c.pictogram for f in procedure.all_fields() for c in f.choices if c.pictogram}
        for name in names:
            assert (PICTOGRAMS / f"{name}.svg").is_file(), (procedure.id, name)


def test_renewals_carry_the_filing_window() -> None:
    procedures = load_procedures()
    for procedure_id in ("etudiant_renouvellement", "carte_resident_renouvellement"):
        rule = procedures[procedure_id].deadline
        assert rule is not None
        assert (rule.opens_days_before, rule.closes_days_before) == (120, 60)


def test_the_minimal_procedure_is_valid() -> None:
    procedure = parse_procedure(minimal(), "essai.toml")
    assert [page.id for page in procedure.pages] == ["p1", "p2"]


def test_unknown_procedure() -> None:
    with pytest.raises(UnknownProcedure):
        get_procedure(load_procedures(), "nope")


def broken(change: Any) -> str:
    data = minimal()
    change(data)
    with pytest.raises(ProcedureError) as caught:
        parse_procedure(data, "forms/procedures/essai.toml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["pages"][0]["fields"][0].update(type="dat"), "pages[0].fields[0].type: 'dat'"),
        (lambda d: d.pop("legal_source"), "legal_source: is missing"),
        (lambda d: d.update(colour="blue"), "unknown key(s): colour"),
        (lambda d: d["pages"][1].update(title=""), "pages[1].title: must not be empty"),
        (lambda d: d["pages"][1].update(id="p1"), "page id 'p1' is used twice"),
        (lambda d: d["pages"][1].update(id="Page 2"), "is not an id"),
        (
            lambda d: d["pages"][1].update(when={"field": "texte", "equals": "x"}),
            "reads 'texte', which is not asked on an earlier page",
        ),
        (
            lambda d: d["pages"][1].update(when={"field": "choix", "equals": "c"}),
            "'c' is not a possible answer of 'choix'",
        ),
        (
            lambda d: d["pages"][1].update(when={"field": "choix", "is": "a"}),
            "give exactly one of",
        ),
        (lambda d: d.update(verified_on=dt.date.today() + dt.timedelta(days=2)), "in the future"),
        (lambda d: d.update(source_urls=["http://example.org"]), "source_urls"),
        (lambda d: d["documents"][0].update(pages=0), "documents[0].pages: must be at least 1"),
        (lambda d: d["documents"][0].update(ref="inconnu"), "'inconnu' is not defined"),
        (
            lambda d: d["pages"][1]["fields"][0].update(validation={"min": 3}),
            "min not allowed for a text field",
        ),
        (
            lambda d: d["pages"][1]["fields"][0].update(validation={"pattern": "("}),
            "validation.pattern",
        ),
        (lambda d: d["pages"][0]["fields"][0].update(choices=[]), "choices: must not be empty"),
        (lambda d: d["pages"][1]["fields"][0].update(keyboard="qwerty"), "keyboard"),
        (
            lambda d: d.update(
                deadline={
                    "field": "texte",
                    "opens_days_before": 120,
                    "closes_days_before": 60,
                    "late_fee_eur": 180,
                    "late_accepted_days_after": 183,
                    "source": "R.431-5",
                }
            ),
            "deadline.field: must name a date field",
        ),
        (lambda d: d["pages"][1]["fields"][0].update(required="yes"), "must be of type bool"),
    ],
)
def test_broken_procedures_name_file_place_and_problem(change: Any, expected: str) -> None:
    message = broken(change)
    assert message.startswith("forms/procedures/essai.toml: ")
    assert expected in message


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "essai.toml"
    path.write_text('id = "essai"\ntitle = \n', encoding="utf-8")
    with pytest.raises(ProcedureError) as caught:
        load_procedure_file(path)
    assert "essai.toml" in str(caught.value)
    assert "TOML syntax" in str(caught.value)


def test_file_name_must_match_id(tmp_path: Path) -> None:
    source = (PROCEDURES_DIR / "visiteur.toml").read_text(encoding="utf-8")
    path = tmp_path / "autre.toml"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(ProcedureError, match="must match the file name"):
        load_procedure_file(path)


def test_shared_definitions_can_be_overridden() -> None:
    data = minimal()
    data["pages"].append({"ref": "coordonnees_email", "title": "Votre e-mail ?"})
    procedure = parse_procedure(data, "essai.toml")
    email_page = procedure.page("coordonnees_email")
    assert email_page is not None
    assert email_page.title == "Votre e-mail ?"
    assert email_page.fields[0].type == "email"


def test_shipped_files_are_plain_toml() -> None:
    for path in PROCEDURES_DIR.glob("*.toml"):
        with path.open("rb") as handle:
            assert tomllib.load(handle)["id"] == path.stem
