"""Helpers the templates use: language, formatted answers, pictograms.

Answers are stored in a neutral form (ISO dates, country codes, choice
values); this module shows them in the applicant's language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, current_app, url_for
from flask_babel import get_translations

from forms.countries import COMMON_COUNTRIES, country_names
from forms.display import Formatter, Translator
from forms.schema import Field
from forms.validate import date_bounds
from kiosk.applicants import format_code
from kiosk.i18n import current_language, offered_languages


def formatter() -> Formatter:
    """A formatter for the current language, with the request's catalog."""
    return Formatter(Translator(current_language().code, get_translations()))


def format_answer(field: Field, value: Any) -> str:
    """Show a stored answer in the current language."""
    return formatter().answer(field, value)


def format_day(day: dt.date) -> str:
    """Show a date in full in the current language."""
    return formatter().day(day)


def format_euros(amount: int) -> str:
    """Show a whole amount in euros the way the current language writes money."""
    return formatter().euros(amount)


def month_names() -> list[tuple[int, str]]:
    """Return the months, numbered, named in the current language."""
    from babel.dates import get_month_names

    names = get_month_names("wide", locale=current_language().code)
    return [(number, names[number]) for number in range(1, 13)]


def year_range(field: Field) -> list[int]:
    """Return the years a date field offers, most recent first."""
    earliest, latest = date_bounds(field, dt.date.today())
    return list(range(latest, earliest - 1, -1))


def countries_for_picker() -> list[tuple[str, str, bool]]:
    """Return (code, name, common) for every country, common ones first, then by name."""
    names = country_names(current_language().code)
    common = [(code, names[code], True) for code in COMMON_COUNTRIES if code in names]
    rest = sorted(
        ((code, name, False) for code, name in names.items() if code not in COMMON_COUNTRIES),
        key=lambda item: item[1].casefold(),
    )
    return common + rest


def pictogram_url(name: str | None) -> str:
    """Return the address of a pictogram's SVG file."""
    return url_for("static", filename=f"pictograms/{name or 'question'}.svg")


def init_app(app: Flask) -> None:
    """Make the helpers available in every template."""
    app.jinja_env.globals.update(
        current_language=current_language,
        offered_languages=offered_languages,
        format_answer=format_answer,
        format_code=format_code,
        format_day=format_day,
        format_euros=format_euros,
        month_names=month_names,
        year_range=year_range,
        countries_for_picker=countries_for_picker,
        pictogram_url=pictogram_url,
        settings=lambda name: current_app.config[name],
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
