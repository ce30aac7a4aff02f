"""The glossary: administrative terms explained in plain words, and where they appear.

``forms/glossary.toml`` lists each term with the ways French writes it
(``forms``) and a one- or two-sentence explanation. It is checked like a
procedure file: every error names the file and the place, the date it was
verified is not in the future, its sources are https addresses, each term
cites its source. `Glossary.found_in` tells which terms a French text uses, so
that every screen can offer the explanation of the words it shows.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forms.errors import ProcedureError

# The procedure files' table reader: same checks (ids, texts, unknown keys), same messages.
from forms.loader import Table, display_path, provenance

GLOSSARY_FILE = Path(__file__).parent / "glossary.toml"

#: Typographic apostrophes are written ' in the message ids: compare them alike.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})


@dataclass(frozen=True)
class Term:
    """One administrative term and its plain explanation (both French message ids)."""

    id: str
    term: str
    forms: tuple[str, ...]
    explanation: str
    source: str
    pictogram: str | None = None


@dataclass(frozen=True)
class Glossary:
    """Every term, in file order, and a search for them in French text."""

    terms: tuple[Term, ...]
    verified_on: dt.date
    source_urls: tuple[str, ...]

    def term(self, term_id: str) -> Term | None:
        """Return the term with this id, or None."""
        for one in self.terms:
            if one.id == term_id:
                return one
        return None

    def found_in(self, texts: list[str]) -> list[Term]:
        """The terms written in any of these French texts, in glossary order.

        A form matches whole words only, whatever the case (a title starts
        with a capital): "ANEF" is not found in "ANEF_URL".
        """
        joined = "\n".join(texts).translate(_APOSTROPHES)
        return [one for one in self.terms if _pattern(one.forms).search(joined)]


def _pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so that "code e-photo" is preferred to "e-photo".
    choices = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{choices})(?![\w-])", re.IGNORECASE)


def _parse_term(raw: Any, where: str) -> Term:
    table = Table(raw, where)
    forms = table.get("forms", list)
    if not forms or not all(isinstance(form, str) and form.strip() for form in forms):
        raise ProcedureError(table.path("forms"), "must list the ways the term is written")
    term = Term(
        id=table.ident(),
        term=table.text("term"),
        forms=tuple(forms),
        explanation=table.text("explanation"),
        source=table.text("source"),
        pictogram=table.ident("pictogram") if "pictogram" in table.raw else None,
    )
    table.finish()
    # The term as shown must be found by its own forms, or its own title would not link.
    if not _pattern(term.forms).fullmatch(term.term.translate(_APOSTROPHES)):
        raise ProcedureError(f"{where}.forms", f"do not match the term {term.term!r} itself")
    return term


def parse_glossary(data: dict[str, Any], file: str = "") -> Glossary:
    """Build and check a `Glossary` from the parsed TOML.

    Raises:
        ProcedureError: the data breaks the rules; the message names the file.
    """
    try:
        table = Table(data, "")
        verified_on, urls = provenance(table)
        terms = tuple(table.items("terms", _parse_term))
        table.finish()
        _check_unique(terms)
    except ProcedureError as error:
        raise error.in_file(file) from None
    return Glossary(terms=terms, verified_on=verified_on, source_urls=urls)


def _check_unique(terms: tuple[Term, ...]) -> None:
    ids: set[str] = set()
    forms: dict[str, str] = {}
    for i, one in enumerate(terms):
        if one.id in ids:
            raise ProcedureError(f"terms[{i}].id", f"{one.id!r} is used twice")
        ids.add(one.id)
        for form in one.forms:
            key = form.casefold()
            if key in forms:
                raise ProcedureError(
                    f"terms[{i}].forms", f"{form!r} is also a form of {forms[key]!r}"
                )
            forms[key] = one.id


def load_glossary(path: Path = GLOSSARY_FILE) -> Glossary:
    """Read and check the glossary file."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ProcedureError("TOML syntax", str(error), display_path(path)) from error
    return parse_glossary(data, display_path(path))
