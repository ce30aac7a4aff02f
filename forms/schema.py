"""What a procedure is made of, as typed, immutable data.

Procedures are written as TOML files in ``forms/procedures/`` and turned into
these objects by `forms.loader`. Every user-facing string here (titles, labels,
hints, help texts) is a French gettext message id: French is the source
language and the screens translate them at display time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from forms.conditions import Answers, Condition

#: The field types a procedure may use, and what an answer of each type holds.
FIELD_TYPES: dict[str, str] = {
    "text": "free text on one line",
    "person_name": "a name in Latin letters, as written in the passport",
    "date": "a calendar date, chosen on screen (never typed), stored as YYYY-MM-DD",
    "single_choice": "one value among the field's choices",
    "yes_no": "'yes' or 'no'",
    "country": "an ISO 3166-1 alpha-2 country code",
    "address": "a French postal address: line1, line2 (optional), postcode, city",
    "phone": "a telephone number, stored in international form (+33…)",
    "email": "an e-mail address",
    "number": "a whole number",
}

#: The validation options each field type accepts in its ``validation`` table.
VALIDATION_OPTIONS: dict[str, frozenset[str]] = {
    "text": frozenset({"min_length", "max_length", "pattern", "pattern_message"}),
    "person_name": frozenset({"max_length"}),
    "date": frozenset({"past_only", "future_only", "max_years_ago", "max_years_ahead"}),
    "single_choice": frozenset(),
    "yes_no": frozenset(),
    "country": frozenset(),
    "address": frozenset(),
    "phone": frozenset(),
    "email": frozenset(),
    "number": frozenset({"min", "max"}),
}

#: Physical page formats a document may have (see scanning.geometry.FORMATS).
PAGE_FORMATS = ("A4", "ID-1", "ID-3")

#: On-screen keyboards a text field may ask for (others follow from the type).
KEYBOARDS = ("latin", "digits")

#: The values a yes/no field stores.
YES, NO = "yes", "no"

#: Marks the end of the questions: the "check your answers" page.
SUMMARY = "summary"


@dataclass(frozen=True)
class Choice:
    """One possible answer of a single-choice field."""

    value: str
    label: str
    hint: str | None = None
    pictogram: str | None = None


@dataclass(frozen=True)
class Field:
    """One question asked on a page."""

    id: str
    type: str
    label: str
    hint: str | None = None
    required: bool = True
    choices: tuple[Choice, ...] = ()
    validation: dict[str, Any] = field(default_factory=dict)
    when: Condition | None = None
    portal_label: str | None = None
    keyboard: str | None = None

    def applies(self, answers: Answers) -> bool:
        """Tell whether this field is asked, given the earlier answers."""
        return self.when is None or self.when.holds(answers)

    def choice_label(self, value: str) -> str | None:
        """Return the label of one of this field's choices, if it exists."""
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return None


@dataclass(frozen=True)
class Page:
    """One screen of questions: one thing per page."""

    id: str
    title: str
    fields: tuple[Field, ...]
    section: str
    hint: str | None = None
    when: Condition | None = None

    def applies(self, answers: Answers) -> bool:
        """Tell whether this page is shown, given the earlier answers."""
        return self.when is None or self.when.holds(answers)


@dataclass(frozen=True)
class Document:
    """A supporting document the applicant must provide."""

    id: str
    title: str
    help: str
    pictogram: str
    source: str
    pages: int = 1
    #: Physical format of one page: "A4", "ID-1" (cards) or "ID-3" (passport page).
    format: str = "A4"
    sworn_translation: bool = False
    max_age_days: int | None = None
    when: Condition | None = None

    def applies(self, answers: Answers) -> bool:
        """Tell whether this document is required, given the answers."""
        return self.when is None or self.when.holds(answers)


@dataclass(frozen=True)
class Fee:
    """A fee paid with a timbre fiscal."""

    id: str
    label: str
    amount_eur: int
    source: str
    when: Condition | None = None

    def applies(self, answers: Answers) -> bool:
        """Tell whether this fee is due, given the answers."""
        return self.when is None or self.when.holds(answers)


@dataclass(frozen=True)
class DeadlineRule:
    """When the application must be filed, relative to a date answered earlier.

    A renewal is filed between `opens_days_before` and `closes_days_before`
    days before the card expires (CESEDA R.431-5); after that it is late, costs
    `late_fee_eur` more, and is accepted until `late_accepted_days_after` days
    after expiry.
    """

    field: str
    opens_days_before: int
    closes_days_before: int
    late_fee_eur: int
    late_accepted_days_after: int
    source: str


@dataclass(frozen=True)
class Procedure:
    """A residence-permit procedure on ANEF, with its legal source."""

    id: str
    title: str
    description: str
    legal_source: str
    source_urls: tuple[str, ...]
    verified_on: dt.date
    pages: tuple[Page, ...]
    documents: tuple[Document, ...]
    fees: tuple[Fee, ...] = ()
    deadline: DeadlineRule | None = None
    file: str = ""

    def page(self, page_id: str) -> Page | None:
        """Return the page with this id, or None."""
        for page in self.pages:
            if page.id == page_id:
                return page
        return None

    def field(self, field_id: str) -> Field | None:
        """Return the field with this id, or None."""
        for page in self.pages:
            for one in page.fields:
                if one.id == field_id:
                    return one
        return None

    def all_fields(self) -> list[Field]:
        """Return every field of every page, in page order."""
        return [one for page in self.pages for one in page.fields]
