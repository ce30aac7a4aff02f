"""Load procedure files and check them against the schema.

Each file in ``forms/procedures/`` describes one procedure. Pages and documents
shared by several procedures live once in ``forms/data/pages.toml`` and
``forms/data/documents.toml``; a procedure uses them with ``ref = "id"`` and may
override any key (a condition, a maximum age) next to the ``ref``.

Every error names the file, the place in it and what is wrong, for example::

    forms/procedures/visiteur.toml: pages[3].fields[0].type: 'dat' is not a field type
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from forms.conditions import AllOf, AnyOf, Condition, FieldTest, Not, parse_condition
from forms.errors import ProcedureError, UnknownProcedure
from forms.schema import (
    FIELD_TYPES,
    KEYBOARDS,
    PAGE_FORMATS,
    VALIDATION_OPTIONS,
    Choice,
    DeadlineRule,
    Document,
    Fee,
    Field,
    Page,
    Procedure,
)

PACKAGE_DIR = Path(__file__).parent
PROCEDURES_DIR = PACKAGE_DIR / "procedures"
DATA_DIR = PACKAGE_DIR / "data"

_ID = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
T = TypeVar("T")


class Table:
    """Reads one TOML table, remembering which keys were used."""

    def __init__(self, raw: Any, where: str) -> None:
        if not isinstance(raw, dict):
            raise ProcedureError(where, "must be a table")
        self.raw: dict[str, Any] = raw
        self.where = where
        self.used: set[str] = set()

    def path(self, key: str) -> str:
        """Where a key is, for error messages ("pages[2].label")."""
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        """The value of `key`, of type `kind`; missing is an error unless a default is given."""
        self.used.add(key)
        if key not in self.raw:
            if default is ...:
                raise ProcedureError(self.path(key), "is missing")
            return default
        value = self.raw[key]
        # bool is an int in Python; a number field must not accept true/false.
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            names = " or ".join(k.__name__ for k in _as_tuple(kind))
            raise ProcedureError(self.path(key), f"must be of type {names}, not {value!r}")
        return value

    def text(self, key: str, default: Any = ...) -> Any:
        """A text that is not empty."""
        value = self.get(key, str, default)
        if isinstance(value, str) and not value.strip():
            raise ProcedureError(self.path(key), "must not be empty")
        return value

    def ident(self, key: str = "id") -> str:
        """An id: lower-case letters, digits and _."""
        value: str = self.get(key, str)
        if not _ID.match(value):
            raise ProcedureError(
                self.path(key), f"{value!r} is not an id (lower-case letters, digits and _)"
            )
        return value

    def condition(self, key: str = "when") -> Condition | None:
        """The condition under `key`, if any."""
        self.used.add(key)
        if key not in self.raw:
            return None
        return parse_condition(self.raw[key], self.path(key))

    def items(self, key: str, parse: Callable[[Any, str], T], required: bool = True) -> list[T]:
        """Each item of the list under `key`, parsed with `parse`."""
        raw = self.get(key, list, ... if required else [])
        if required and not raw:
            raise ProcedureError(self.path(key), "must not be empty")
        return [parse(item, f"{self.path(key)}[{i}]") for i, item in enumerate(raw)]

    def finish(self) -> None:
        """Refuse the keys nobody read (a typo must not pass unnoticed)."""
        unknown = sorted(set(self.raw) - self.used)
        if unknown:
            raise ProcedureError(self.where or "top level", f"unknown key(s): {', '.join(unknown)}")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _with_ref(raw: Any, where: str, library: dict[str, dict[str, Any]]) -> Any:
    """Merge a ``ref = "id"`` table over the shared definition it names."""
    if not isinstance(raw, dict) or "ref" not in raw:
        return raw
    ref = raw["ref"]
    if ref not in library:
        raise ProcedureError(f"{where}.ref", f"{ref!r} is not defined in the shared library")
    merged = dict(library[ref])
    merged.update({k: v for k, v in raw.items() if k != "ref"})
    return merged


def _parse_choice(raw: Any, where: str) -> Choice:
    table = Table(raw, where)
    choice = Choice(
        value=table.ident("value"),
        label=table.text("label"),
        hint=table.text("hint", None),
        pictogram=table.ident("pictogram") if "pictogram" in table.raw else None,
    )
    table.finish()
    return choice


def _parse_field(raw: Any, where: str) -> Field:
    table = Table(raw, where)
    field_type = table.get("type", str)
    if field_type not in FIELD_TYPES:
        raise ProcedureError(
            table.path("type"),
            f"{field_type!r} is not a field type (one of {', '.join(FIELD_TYPES)})",
        )
    validation = table.get("validation", dict, {})
    unknown = set(validation) - VALIDATION_OPTIONS[field_type]
    if unknown:
        raise ProcedureError(
            table.path("validation"),
            f"{', '.join(sorted(unknown))} not allowed for a {field_type} field",
        )
    if "pattern" in validation:
        try:
            re.compile(validation["pattern"])
        except re.error as error:
            raise ProcedureError(table.path("validation.pattern"), str(error)) from error
    choices = table.items("choices", _parse_choice, required=field_type == "single_choice")
    if choices and field_type != "single_choice":
        raise ProcedureError(table.path("choices"), "only a single_choice field has choices")
    if len({c.value for c in choices}) != len(choices):
        raise ProcedureError(table.path("choices"), "two choices have the same value")
    result = Field(
        id=table.ident(),
        type=field_type,
        label=table.text("label"),
        hint=table.text("hint", None),
        required=table.get("required", bool, True),
        choices=tuple(choices),
        validation=dict(validation),
        when=table.condition(),
        portal_label=table.text("portal_label", None),
        keyboard=table.get("keyboard", str, None),
    )
    if result.keyboard is not None and (result.type != "text" or result.keyboard not in KEYBOARDS):
        raise ProcedureError(
            table.path("keyboard"), f"a text field may ask for one of {', '.join(KEYBOARDS)}"
        )
    table.finish()
    return result


def _parse_page(raw: Any, where: str) -> Page:
    table = Table(raw, where)
    page = Page(
        id=table.ident(),
        title=table.text("title"),
        section=table.text("section"),
        hint=table.text("hint", None),
        when=table.condition(),
        fields=tuple(table.items("fields", _parse_field)),
    )
    table.finish()
    return page


def _parse_document(raw: Any, where: str) -> Document:
    table = Table(raw, where)
    pages = table.get("pages", int, 1)
    if pages < 1:
        raise ProcedureError(table.path("pages"), "must be at least 1")
    max_age = table.get("max_age_days", int, None)
    if max_age is not None and max_age < 1:
        raise ProcedureError(table.path("max_age_days"), "must be at least 1 day")
    page_format = table.raw.get("format", "A4")
    if page_format not in PAGE_FORMATS:
        raise ProcedureError(table.path("format"), f"must be one of {', '.join(PAGE_FORMATS)}")
    document = Document(
        id=table.ident(),
        title=table.text("title"),
        help=table.text("help"),
        pictogram=table.ident("pictogram"),
        source=table.text("source"),
        pages=pages,
        format=table.get("format", str, "A4"),
        sworn_translation=table.get("sworn_translation", bool, False),
        max_age_days=max_age,
        when=table.condition(),
    )
    table.finish()
    return document


def _parse_fee(raw: Any, where: str) -> Fee:
    table = Table(raw, where)
    amount = table.get("amount_eur", int)
    if amount < 0:
        raise ProcedureError(table.path("amount_eur"), "must not be negative")
    fee = Fee(
        id=table.ident(),
        label=table.text("label"),
        amount_eur=amount,
        source=table.text("source"),
        when=table.condition(),
    )
    table.finish()
    return fee


def _parse_deadline(raw: Any, where: str) -> DeadlineRule:
    table = Table(raw, where)
    rule = DeadlineRule(
        field=table.ident("field"),
        opens_days_before=table.get("opens_days_before", int),
        closes_days_before=table.get("closes_days_before", int),
        late_fee_eur=table.get("late_fee_eur", int),
        late_accepted_days_after=table.get("late_accepted_days_after", int),
        source=table.text("source"),
    )
    if not rule.opens_days_before > rule.closes_days_before >= 0:
        raise ProcedureError(where, "opens_days_before must be greater than closes_days_before")
    table.finish()
    return rule


def _check_references(procedure: Procedure) -> None:
    """Check ids are unique and conditions only read answers given earlier."""
    seen_pages: set[str] = set()
    earlier: dict[str, Field] = {}
    for p, page in enumerate(procedure.pages):
        where = f"pages[{p}]"
        if page.id in seen_pages:
            raise ProcedureError(f"{where}.id", f"page id {page.id!r} is used twice")
        seen_pages.add(page.id)
        _check_condition(page.when, earlier, f"{where}.when")
        for f, one in enumerate(page.fields):
            if one.id in earlier:
                raise ProcedureError(
                    f"{where}.fields[{f}].id", f"field id {one.id!r} is used twice"
                )
            _check_condition(one.when, earlier, f"{where}.fields[{f}].when")
        for one in page.fields:
            earlier[one.id] = one
    seen_documents: set[str] = set()
    for d, document in enumerate(procedure.documents):
        if document.id in seen_documents:
            raise ProcedureError(f"documents[{d}].id", f"document id {document.id!r} is used twice")
        seen_documents.add(document.id)
        _check_condition(document.when, earlier, f"documents[{d}].when")
    for f, fee in enumerate(procedure.fees):
        _check_condition(fee.when, earlier, f"fees[{f}].when")
    if procedure.deadline is not None:
        target = earlier.get(procedure.deadline.field)
        if target is None or target.type != "date":
            raise ProcedureError("deadline.field", "must name a date field of this procedure")


def _check_condition(condition: Condition | None, earlier: dict[str, Field], where: str) -> None:
    if condition is None:
        return
    for name in sorted(condition.fields()):
        if name not in earlier:
            raise ProcedureError(where, f"reads {name!r}, which is not asked on an earlier page")
    _check_values(condition, earlier, where)


def _check_values(condition: Condition, earlier: dict[str, Field], where: str) -> None:
    """Check that compared values are among the choices of the field they test."""
    if isinstance(condition, AllOf | AnyOf):
        for part in condition.parts:
            _check_values(part, earlier, where)
    elif isinstance(condition, Not):
        _check_values(condition.part, earlier, where)
    elif isinstance(condition, FieldTest) and condition.operator != "answered":
        target = earlier[condition.field]
        allowed = _allowed_values(target)
        if allowed is None:
            return
        values = condition.value if condition.operator == "in" else (condition.value,)
        for value in values:
            if value not in allowed:
                raise ProcedureError(where, f"{value!r} is not a possible answer of {target.id!r}")


def _allowed_values(target: Field) -> set[str] | None:
    if target.type == "single_choice":
        return {c.value for c in target.choices}
    if target.type == "yes_no":
        return {"yes", "no"}
    return None


def _library(name: str, key: str) -> dict[str, dict[str, Any]]:
    path = DATA_DIR / name
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    entries = data.get(key, [])
    library: dict[str, dict[str, Any]] = {}
    for entry in entries:
        library[entry["id"]] = entry
    return library


def provenance(table: Table) -> tuple[dt.date, tuple[str, ...]]:
    """A data file's `verified_on` (a date, not in the future) and its https:// `source_urls`."""
    verified_on = table.get("verified_on", dt.date)
    if isinstance(verified_on, dt.datetime):
        raise ProcedureError("verified_on", "must be a date, without a time")
    if verified_on > dt.date.today():
        raise ProcedureError("verified_on", "is in the future")
    urls = table.get("source_urls", list)
    if not urls or not all(isinstance(url, str) and url.startswith("https://") for url in urls):
        raise ProcedureError("source_urls", "must list the https:// addresses of the sources")
    return verified_on, tuple(urls)


def parse_procedure(data: dict[str, Any], file: str = "") -> Procedure:
    """Build a `Procedure` from the parsed TOML of one file.

    Raises:
        ProcedureError: the data breaks the schema; the message names the file.
    """
    try:
        pages_library = _library("pages.toml", "pages")
        documents_library = _library("documents.toml", "documents")
        table = Table(data, "")
        verified_on, source_urls = provenance(table)
        pages_raw = table.get("pages", list)
        documents_raw = table.get("documents", list)
        procedure = Procedure(
            id=table.ident(),
            title=table.text("title"),
            description=table.text("description"),
            legal_source=table.text("legal_source"),
            source_urls=source_urls,
            verified_on=verified_on,
            pages=tuple(
                _parse_page(_with_ref(raw, f"pages[{i}]", pages_library), f"pages[{i}]")
                for i, raw in enumerate(pages_raw)
            ),
            documents=tuple(
                _parse_document(
                    _with_ref(raw, f"documents[{i}]", documents_library), f"documents[{i}]"
                )
                for i, raw in enumerate(documents_raw)
            ),
            fees=tuple(table.items("fees", _parse_fee, required=False)),
            deadline=(
                _parse_deadline(table.raw["deadline"], "deadline")
                if table.get("deadline", dict, None) is not None
                else None
            ),
            file=file,
        )
        table.finish()
        if not procedure.pages:
            raise ProcedureError("pages", "must not be empty")
        if not procedure.documents:
            raise ProcedureError("documents", "must not be empty")
        _check_references(procedure)
    except ProcedureError as error:
        raise error.in_file(file) from None
    return procedure


def load_procedure_file(path: Path) -> Procedure:
    """Read and check one procedure file."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ProcedureError("TOML syntax", str(error), display_path(path)) from error
    procedure = parse_procedure(data, display_path(path))
    if procedure.id != path.stem:
        raise ProcedureError("id", f"{procedure.id!r} must match the file name", display_path(path))
    return procedure


def load_procedures(directory: Path = PROCEDURES_DIR) -> dict[str, Procedure]:
    """Read and check every ``*.toml`` procedure in a directory, sorted by id."""
    procedures = {}
    for path in sorted(directory.glob("*.toml")):
        procedure = load_procedure_file(path)
        procedures[procedure.id] = procedure
    return procedures


def get_procedure(procedures: dict[str, Procedure], procedure_id: str) -> Procedure:
    """Return one procedure by id, or raise `UnknownProcedure`."""
    try:
        return procedures[procedure_id]
    except KeyError:
        raise UnknownProcedure(procedure_id) from None


def display_path(path: Path) -> str:
    """Show a path relative to the project when it is inside it."""
    try:
        return str(path.resolve().relative_to(PACKAGE_DIR.parent))
    except ValueError:
        return str(path)
