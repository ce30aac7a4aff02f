"""The procedure finder: a few simple questions that point to a procedure.

The questions are data (``forms/data/finder.toml``). Each choice leads to
another question, to a procedure, or to the mediator ("I am not sure").
`load_finder` checks that every path ends at a known procedure or at the
mediator within `MAX_QUESTIONS` questions, so no applicant is ever stuck.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forms.errors import ProcedureError
from forms.loader import DATA_DIR

MAX_QUESTIONS = 5
MEDIATOR = "mediator"


@dataclass(frozen=True)
class FinderChoice:
    """One answer to a finder question and where it leads."""

    value: str
    label: str
    pictogram: str | None
    next_question: str | None
    procedure: str | None

    @property
    def to_mediator(self) -> bool:
        """Tell whether this answer sends the applicant to the mediator."""
        return self.next_question is None and self.procedure is None


@dataclass(frozen=True)
class FinderQuestion:
    """One simple question of the finder."""

    id: str
    title: str
    hint: str | None
    choices: tuple[FinderChoice, ...]

    def choice(self, value: str) -> FinderChoice | None:
        """Return the choice with this value, or None."""
        for one in self.choices:
            if one.value == value:
                return one
        return None


@dataclass(frozen=True)
class Finder:
    """All finder questions, starting from `start`."""

    start: str
    questions: dict[str, FinderQuestion]

    def question(self, question_id: str) -> FinderQuestion | None:
        """Return a question by id, or None."""
        return self.questions.get(question_id)


def _parse_choice(raw: dict[str, Any], where: str) -> FinderChoice:
    leads = [key for key in ("next", "procedure", MEDIATOR) if key in raw]
    if len(leads) != 1:
        raise ProcedureError(where, "give exactly one of next, procedure or mediator = true")
    return FinderChoice(
        value=str(raw["value"]),
        label=str(raw["label"]),
        pictogram=raw.get("pictogram"),
        next_question=raw.get("next"),
        procedure=raw.get("procedure"),
    )


def parse_finder(data: dict[str, Any], procedure_ids: Iterable[str], file: str = "") -> Finder:
    """Build and check a `Finder` from parsed TOML.

    Raises:
        ProcedureError: a question or a choice is malformed, leads nowhere,
            loops, or needs more than `MAX_QUESTIONS` questions.
    """
    known = set(procedure_ids)
    try:
        questions: dict[str, FinderQuestion] = {}
        for i, raw in enumerate(data.get("questions", [])):
            where = f"questions[{i}]"
            choices = tuple(
                _parse_choice(choice, f"{where}.choices[{j}]")
                for j, choice in enumerate(raw.get("choices", []))
            )
            if len(choices) < 2:
                raise ProcedureError(f"{where}.choices", "needs at least two choices")
            questions[raw["id"]] = FinderQuestion(raw["id"], raw["title"], raw.get("hint"), choices)
        finder = Finder(start=data["start"], questions=questions)
        _check_paths(finder, finder.start, known, depth=1, seen=())
    except KeyError as missing:
        raise ProcedureError(str(missing), "is missing", file) from None
    except ProcedureError as error:
        raise error.in_file(file) from None
    return finder


def _check_paths(
    finder: Finder, question_id: str, known: set[str], depth: int, seen: tuple[str, ...]
) -> None:
    if question_id in seen:
        raise ProcedureError(question_id, "the questions loop back on themselves")
    if depth > MAX_QUESTIONS:
        raise ProcedureError(question_id, f"a path asks more than {MAX_QUESTIONS} questions")
    question = finder.question(question_id)
    if question is None:
        raise ProcedureError(question_id, "no question has this id")
    for choice in question.choices:
        if choice.procedure is not None and choice.procedure not in known:
            raise ProcedureError(
                f"{question_id}.{choice.value}", f"unknown procedure {choice.procedure!r}"
            )
        if choice.next_question is not None:
            _check_paths(finder, choice.next_question, known, depth + 1, (*seen, question_id))


def load_finder(procedure_ids: Iterable[str], path: Path | None = None) -> Finder:
    """Read and check the finder questions."""
    path = path or DATA_DIR / "finder.toml"
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return parse_finder(data, procedure_ids, str(path.name))
