"""The procedure finder and the renewal filing window."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from forms.deadlines import Timing, filing_window
from forms.errors import ProcedureError
from forms.finder import MAX_QUESTIONS, load_finder, parse_finder
from forms.loader import load_procedures
from forms.schema import DeadlineRule

PROCEDURES = load_procedures()


def paths(finder: Any, question_id: str, depth: int = 1) -> list[tuple[int, str]]:
    """Every (number of questions, destination) the finder can lead to."""
    ends = []
    question = finder.question(question_id)
    for choice in question.choices:
        if choice.next_question:
            ends += paths(finder, choice.next_question, depth + 1)
        else:
            ends.append((depth, choice.procedure or "mediator"))
    return ends


def test_the_finder_reaches_every_procedure_in_few_questions() -> None:
    finder = load_finder(PROCEDURES)
    ends = paths(finder, finder.start)
    assert {end for _, end in ends} == set(PROCEDURES) | {"mediator"}
    assert all(1 <= depth <= MAX_QUESTIONS for depth, _ in ends)
    # "I am not sure: ask the mediator" is offered by every question.
    for question in finder.questions.values():
        assert any(choice.to_mediator for choice in question.choices), question.id


def finder_data(**change: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "start": "q1",
        "questions": [
            {
                "id": "q1",
                "title": "Q1",
                "choices": [
                    {"value": "a", "label": "A", "next": "q2"},
                    {"value": "m", "label": "M", "mediator": True},
                ],
            },
            {
                "id": "q2",
                "title": "Q2",
                "choices": [
                    {"value": "v", "label": "V", "procedure": "visiteur"},
                    {"value": "m", "label": "M", "mediator": True},
                ],
            },
        ],
    }
    data.update(change)
    return data


def test_a_valid_finder_parses() -> None:
    finder = parse_finder(finder_data(), PROCEDURES)
    question = finder.question("q1")
    assert question is not None
    choice = question.choice("a")
    assert choice is not None and choice.next_question == "q2"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["questions"][1]["choices"][0].update(procedure="inconnue"),
            "unknown procedure",
        ),
        (lambda d: d["questions"][1]["choices"][0].update(next="q1"), "exactly one of"),
        (lambda d: d["questions"][1]["choices"][0].update(procedure=None, next="q1"), "loop"),
        (lambda d: d.update(start="q9"), "no question has this id"),
        (
            lambda d: d["questions"][0].update(choices=d["questions"][0]["choices"][:1]),
            "two choices",
        ),
    ],
)
def test_broken_finders_are_refused(mutate: Any, message: str) -> None:
    data = finder_data()
    mutate(data)
    for choice in data["questions"][1]["choices"]:
        if choice.get("procedure", "") is None:
            del choice["procedure"]
    with pytest.raises(ProcedureError, match=message):
        parse_finder(data, PROCEDURES, "finder.toml")


RULE = DeadlineRule("date_expiration_titre", 120, 60, 180, 183, "R.431-5")
EXPIRY = dt.date(2027, 6, 30)


@pytest.mark.parametrize(
    ("today", "timing", "extra"),
    [
        (dt.date(2027, 2, 28), Timing.TOO_EARLY, 0),
        (dt.date(2027, 3, 2), Timing.ON_TIME, 0),  # exactly 120 days before
        (dt.date(2027, 5, 1), Timing.ON_TIME, 0),  # exactly 60 days before
        (dt.date(2027, 5, 2), Timing.AFTER_WINDOW, 0),
        (dt.date(2027, 6, 30), Timing.AFTER_WINDOW, 0),
        (dt.date(2027, 7, 1), Timing.EXPIRED_LATE_FEE, 180),
        (dt.date(2027, 12, 30), Timing.EXPIRED_LATE_FEE, 180),
        (dt.date(2027, 12, 31), Timing.TOO_LATE, 0),
    ],
)
def test_filing_window(today: dt.date, timing: Timing, extra: int) -> None:
    window = filing_window(RULE, EXPIRY, today)
    assert window.timing is timing
    assert window.extra_fee_eur == extra
    assert window.opens_on == dt.date(2027, 3, 2)
    assert window.closes_on == dt.date(2027, 5, 1)
