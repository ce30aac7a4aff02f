"""Helpers the templates use: language, formatted answers, pictograms.

Answers are stored in a neutral form (ISO dates, country codes, choice
values); this module shows them in the applicant's language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from flask import Flask, current_app, url_for
from flask_babel import gettext as _

from forms.countries import COMMON_COUNTRIES, country_name, country_names
from forms.schema import NO, YES, Field
from forms.validate import date_bounds
from kiosk.applicants import format_code
from kiosk.i18n import current_language, offered_languages


def format_answer(field: Field, value: Any) -> str:
    """Show a stored answer in the current language."""
    language = current_language()
    if value is None or value == "":
        return ""
    if field.type == "date":
        return format_date(dt.date.fromisoformat(value), "long", locale=language.code)
    if field.type == "country":
        return country_name(value, language.code)
    if field.type == "single_choice":
        label = field.choice_label(value)
        return _(label) if label else str(value)
    if field.type == "yes_no":
        return _("Oui") if value == YES else _("Non") if value == NO else str(value)
    if field.type == "address" and isinstance(value, dict):
        lines = [
            value.get("line1", ""),
            value.get("line2", ""),
            f"{value.get('postcode', '')} {value.get('city', '')}",
        ]
        return ", ".join(line.strip() for line in lines if line.strip())
    if field.type == "phone":
        return format_phone(str(value))
    if field.type == "number":
        return format_decimal(int(value), locale=language.code)
    return str(value)


def format_phone(value: str) -> str:
    """Show a stored phone number the French way: 06 12 34 56 78."""
    if value.startswith("+33") and len(value) == 12:
        national = "0" + value[3:]
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return value


def format_day(day: dt.date) -> str:
    """Show a date in full in the current language."""
    return format_date(day, "long", locale=current_language().code)


def format_euros(amount: int) -> str:
    """Show a whole amount in euros the way the current language writes money."""
    locale = Locale.parse(current_language().code)
    pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(amount, "EUR", format=pattern, locale=locale, currency_digits=False)


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
