"""Hypothesis strategies that produce what an applicant could validly type or tap."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import strategies as st

from forms.countries import COUNTRY_CODES
from forms.schema import Field
from forms.validate import date_bounds

LETTERS = string.ascii_letters + "éèçàÉÈ"
TODAY = dt.date(2026, 11, 29)


def _text(min_size: int = 1, max_size: int = 30) -> st.SearchStrategy[str]:
    return st.text(alphabet=LETTERS + " ", min_size=min_size, max_size=max_size).filter(
        lambda s: s.strip() != ""
    )


def _date(field: Field) -> st.SearchStrategy[dict[str, str]]:
    earliest, latest = date_bounds(field, TODAY)
    low = dt.date(earliest, 1, 1)
    high = dt.date(latest, 12, 31)
    if field.validation.get("past_only"):
        high = min(high, TODAY)
    if field.validation.get("future_only"):
        low = max(low, TODAY)
    return st.dates(low, high).map(
        lambda d: {
            f"{field.id}.day": str(d.day),
            f"{field.id}.month": str(d.month),
            f"{field.id}.year": str(d.year),
        }
    )


def valid_input(field: Field) -> st.SearchStrategy[dict[str, str]]:
    """Form inputs that `forms.validate.validate_field` accepts for this field."""
    one = field.id
    kind = field.type
    if kind == "date":
        return _date(field)
    if kind == "address":
        return st.fixed_dictionaries(
            {
                f"{one}.line1": _text(max_size=40),
                f"{one}.line2": st.just(""),
                f"{one}.postcode": st.from_regex(r"\A[0-9]{5}\Z"),
                f"{one}.city": _text(max_size=30),
            }
        )
    if kind == "single_choice":
        value = st.sampled_from([choice.value for choice in field.choices])
    elif kind == "yes_no":
        value = st.sampled_from(["yes", "no"])
    elif kind == "country":
        value = st.sampled_from(sorted(COUNTRY_CODES))
    elif kind == "phone":
        value = st.from_regex(r"\A0[1-9][0-9]{8}\Z")
    elif kind == "email":
        value = st.from_regex(r"\A[a-z]{1,10}@[a-z]{1,10}\.(fr|com)\Z")
    elif kind == "number":
        low = field.validation.get("min", 0)
        high = field.validation.get("max", 10**6)
        value = st.integers(low, high).map(str)
    elif kind == "person_name":
        value = st.text(alphabet=LETTERS + " -'", min_size=1, max_size=40).filter(
            lambda s: any(ch.isalpha() for ch in s)
        )
    elif "pattern" in field.validation:
        value = st.from_regex(rf"\A(?:{field.validation['pattern']})\Z")
    else:
        value = _text(max_size=min(40, field.validation.get("max_length", 200)))
    return value.map(lambda v: {one: v})
