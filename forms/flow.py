"""The flow engine: where the applicant goes next, from the answers so far.

Pure functions over a `Procedure` and a mapping of answers (field id to
value). Nothing here knows about Flask, requests or the database, so every rule
can be tested directly, including with Hypothesis.

Rules:

- A page is shown when its condition holds on the answers kept so far.
- An answer is kept only while the page and field it belongs to are shown:
  changing an earlier answer that hides later pages drops their answers
  (`prune`).
- After the last shown page comes `SUMMARY` ("check your answers").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forms.errors import UnknownPage
from forms.schema import SUMMARY, Document, Fee, Field, Page, Procedure

Answers = Mapping[str, Any]


@dataclass(frozen=True)
class Progress:
    """Where a page stands among the pages shown for these answers."""

    number: int
    total: int


def prune(procedure: Procedure, answers: Answers) -> dict[str, Any]:
    """Keep only the answers to questions that are still asked.

    Conditions only read answers from earlier pages, so one pass in page
    order settles every page.
    """
    kept: dict[str, Any] = {}
    for page in procedure.pages:
        if not page.applies(kept):
            continue
        for field in page.fields:
            if field.id in answers and field.applies(kept):
                kept[field.id] = answers[field.id]
    return kept


def visible_pages(procedure: Procedure, answers: Answers) -> list[Page]:
    """Return the pages shown for these answers, in order."""
    kept: dict[str, Any] = {}
    shown = []
    for page in procedure.pages:
        if not page.applies(kept):
            continue
        shown.append(page)
        for field in page.fields:
            if field.id in answers and field.applies(kept):
                kept[field.id] = answers[field.id]
    return shown


def page_fields(page: Page, answers: Answers) -> list[Field]:
    """Return the fields of a page that are asked, given earlier answers."""
    return [field for field in page.fields if field.applies(answers)]


def is_visible(procedure: Procedure, answers: Answers, page_id: str) -> bool:
    """Tell whether a page is shown for these answers."""
    return any(page.id == page_id for page in visible_pages(procedure, answers))


def _index(procedure: Procedure, page_id: str) -> int:
    for i, page in enumerate(procedure.pages):
        if page.id == page_id:
            return i
    raise UnknownPage(page_id)


def first_page(procedure: Procedure, answers: Answers) -> str:
    """Return the id of the first page shown (or `SUMMARY` if none is)."""
    shown = visible_pages(procedure, answers)
    return shown[0].id if shown else SUMMARY


def next_page(procedure: Procedure, answers: Answers, current: str) -> str:
    """Return the id of the page after `current`, or `SUMMARY` after the last one."""
    position = _index(procedure, current)
    for page in visible_pages(procedure, answers):
        if _index(procedure, page.id) > position:
            return page.id
    return SUMMARY


def previous_page(procedure: Procedure, answers: Answers, current: str) -> str | None:
    """Return the id of the page before `current`; None before the first page.

    From `SUMMARY`, the previous page is the last page shown.
    """
    shown = visible_pages(procedure, answers)
    if current == SUMMARY:
        return shown[-1].id if shown else None
    position = _index(procedure, current)
    earlier = [page for page in shown if _index(procedure, page.id) < position]
    return earlier[-1].id if earlier else None


def progress(procedure: Procedure, answers: Answers, current: str) -> Progress:
    """Say that `current` is page n of m among the pages shown."""
    shown = visible_pages(procedure, answers)
    total = len(shown)
    if current == SUMMARY:
        return Progress(total, total)
    position = _index(procedure, current)
    number = 1 + sum(1 for page in shown if _index(procedure, page.id) < position)
    return Progress(min(number, total), total)


def is_answered(field: Field, answers: Answers) -> bool:
    """Tell whether a field has an answer."""
    return answers.get(field.id) not in (None, "", {})


def first_unanswered(procedure: Procedure, answers: Answers) -> str:
    """Return the first shown page with a required question unanswered, else `SUMMARY`."""
    kept = prune(procedure, answers)
    for page in visible_pages(procedure, kept):
        for field in page_fields(page, kept):
            if field.required and not is_answered(field, kept):
                return page.id
    return SUMMARY


def is_complete(procedure: Procedure, answers: Answers) -> bool:
    """Tell whether every required question that is asked has an answer."""
    return first_unanswered(procedure, answers) == SUMMARY


def required_documents(procedure: Procedure, answers: Answers) -> list[Document]:
    """Return the documents required for these answers, in the procedure's order."""
    kept = prune(procedure, answers)
    return [document for document in procedure.documents if document.applies(kept)]


def fees_due(procedure: Procedure, answers: Answers) -> list[Fee]:
    """Return the fees due for these answers."""
    kept = prune(procedure, answers)
    return [fee for fee in procedure.fees if fee.applies(kept)]


def answered_pages(procedure: Procedure, answers: Answers) -> list[tuple[Page, list[Field]]]:
    """Return, for "check your answers", each shown page with its asked fields."""
    kept = prune(procedure, answers)
    return [(page, page_fields(page, kept)) for page in visible_pages(procedure, kept)]
