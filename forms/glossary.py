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

GLOSSARY_FILE = Path(__file__).parent / "glossary.toml"

_ID = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_TERM_KEYS = frozenset({"id", "term", "forms", "explanation", "pictogram", "source"})
_TOP_KEYS = frozenset({"source_urls", "verified_on", "terms"})
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


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ProcedureError(f"{where}.{key}", "must be a text that is not empty")
    return value


def _parse_term(raw: Any, where: str) -> Term:
    if not isinstance(raw, dict):
        raise ProcedureError(where, "must be a table")
    unknown = sorted(set(raw) - _TERM_KEYS)
    if unknown:
        raise ProcedureError(where, f"unknown key(s): {', '.join(unknown)}")
    term_id = _text(raw, "id", where)
    if not _ID.match(term_id):
        raise ProcedureError(f"{where}.id", f"{term_id!r} is not an id")
    forms = raw.get("forms")
    if (
        not isinstance(forms, list)
        or not forms
        or not all(isinstance(form, str) and form.strip() for form in forms)
    ):
        raise ProcedureError(f"{where}.forms", "must list the ways the term is written")
    pictogram = raw.get("pictogram")
    if pictogram is not None and (not isinstance(pictogram, str) or not _ID.match(pictogram)):
        raise ProcedureError(f"{where}.pictogram", "must be the id of a pictogram")
    term = Term(
        id=term_id,
        term=_text(raw, "term", where),
        forms=tuple(forms),
        explanation=_text(raw, "explanation", where),
        source=_text(raw, "source", where),
        pictogram=pictogram,
    )
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
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise ProcedureError("top level", f"unknown key(s): {', '.join(unknown)}")
        verified_on = data.get("verified_on")
        if not isinstance(verified_on, dt.date) or isinstance(verified_on, dt.datetime):
            raise ProcedureError("verified_on", "must be a date, without a time")
        if verified_on > dt.date.today():
            raise ProcedureError("verified_on", "is in the future")
        urls = data.get("source_urls")
        if (
            not isinstance(urls, list)
            or not urls
            or not all(isinstance(url, str) and url.startswith("https://") for url in urls)
        ):
            raise ProcedureError("source_urls", "must list the https:// addresses of the sources")
        raw_terms = data.get("terms")
        if not isinstance(raw_terms, list) or not raw_terms:
            raise ProcedureError("terms", "must not be empty")
        terms = tuple(_parse_term(raw, f"terms[{i}]") for i, raw in enumerate(raw_terms))
        _check_unique(terms)
    except ProcedureError as error:
        raise error.in_file(file) from None
    return Glossary(terms=terms, verified_on=verified_on, source_urls=tuple(urls))


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
        raise ProcedureError("TOML syntax", str(error), path.name) from error
    return parse_glossary(data, f"forms/{path.name}" if path == GLOSSARY_FILE else str(path))
