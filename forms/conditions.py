"""Conditions on earlier answers, written as data in procedure files.

A condition is a small tree of TOML tables:

- ``{ field = "x", equals = "v" }`` / ``{ field = "x", not_equals = "v" }``
- ``{ field = "x", in = ["a", "b"] }``
- ``{ field = "x", answered = true }``
- ``{ all = [c, ...] }``, ``{ any = [c, ...] }``, ``{ not = c }``

Parsing checks the shape once, at load time; evaluation is pure and total:
a missing answer never raises, it simply does not match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forms.errors import ProcedureError

Answers = Mapping[str, Any]


@dataclass(frozen=True)
class FieldTest:
    """Compares one earlier answer with a value or a set of values."""

    field: str
    operator: str  # "equals", "not_equals", "in" or "answered"
    value: Any

    def holds(self, answers: Answers) -> bool:
        """Tell whether the answers satisfy this test."""
        present = self.field in answers and answers[self.field] not in (None, "")
        if self.operator == "answered":
            return present is bool(self.value)
        if not present:
            return False
        answer = answers[self.field]
        if self.operator == "equals":
            return bool(answer == self.value)
        if self.operator == "not_equals":
            return bool(answer != self.value)
        return answer in self.value

    def fields(self) -> set[str]:
        """Name the answers this test reads."""
        return {self.field}


@dataclass(frozen=True)
class AllOf:
    """True when every inner condition holds."""

    parts: tuple[Condition, ...]

    def holds(self, answers: Answers) -> bool:
        """Tell whether every part holds."""
        return all(part.holds(answers) for part in self.parts)

    def fields(self) -> set[str]:
        """Name the answers the parts read."""
        return set().union(*(part.fields() for part in self.parts))


@dataclass(frozen=True)
class AnyOf:
    """True when at least one inner condition holds."""

    parts: tuple[Condition, ...]

    def holds(self, answers: Answers) -> bool:
        """Tell whether any part holds."""
        return any(part.holds(answers) for part in self.parts)

    def fields(self) -> set[str]:
        """Name the answers the parts read."""
        return set().union(*(part.fields() for part in self.parts))


@dataclass(frozen=True)
class Not:
    """True when the inner condition does not hold."""

    part: Condition

    def holds(self, answers: Answers) -> bool:
        """Tell whether the inner condition fails."""
        return not self.part.holds(answers)

    def fields(self) -> set[str]:
        """Name the answers the inner condition reads."""
        return self.part.fields()


Condition = FieldTest | AllOf | AnyOf | Not

_OPERATORS = ("equals", "not_equals", "in", "answered")


def parse_condition(raw: Any, where: str) -> Condition:
    """Turn the TOML form of a condition into a `Condition`.

    Args:
        raw: the table read from the procedure file.
        where: the path of the condition in its file, for error messages.

    Raises:
        ProcedureError: the table is not a valid condition.
    """
    if not isinstance(raw, dict) or not raw:
        raise ProcedureError(where, "a condition must be a non-empty table")
    keys = set(raw)
    for combinator, cls in (("all", AllOf), ("any", AnyOf)):
        if keys == {combinator}:
            items = raw[combinator]
            if not isinstance(items, list) or not items:
                raise ProcedureError(f"{where}.{combinator}", "must be a non-empty list")
            return cls(
                tuple(
                    parse_condition(item, f"{where}.{combinator}[{i}]")
                    for i, item in enumerate(items)
                )
            )
    if keys == {"not"}:
        return Not(parse_condition(raw["not"], f"{where}.not"))
    if "field" not in keys:
        raise ProcedureError(
            where, f"expected 'field' with one of {', '.join(_OPERATORS)}, or all/any/not"
        )
    operators = keys - {"field"}
    if len(operators) != 1 or not operators <= set(_OPERATORS):
        raise ProcedureError(where, f"give exactly one of {', '.join(_OPERATORS)} next to 'field'")
    operator = operators.pop()
    field = raw["field"]
    if not isinstance(field, str) or not field:
        raise ProcedureError(f"{where}.field", "must be a field id")
    value = raw[operator]
    if operator == "in":
        if not isinstance(value, list) or not value:
            raise ProcedureError(f"{where}.in", "must be a non-empty list of values")
        value = tuple(value)
    if operator == "answered" and not isinstance(value, bool):
        raise ProcedureError(f"{where}.answered", "must be true or false")
    return FieldTest(field, operator, value)
