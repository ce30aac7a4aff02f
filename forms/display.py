"""Show stored answers, dates and amounts in a given language.

Answers are stored in a neutral form (ISO dates, country codes, choice
values, +33 phone numbers). A `Formatter` shows them in one language, with a
`Translator` for the message ids; the kiosk uses one for the screens, the
dossier one for French and one for the applicant's language side by side.
"""

from __future__ import annotations

import datetime as dt
import gettext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

from forms.countries import country_name
from forms.schema import NO, YES, Field


@dataclass(frozen=True)
class Translator:
    """gettext and ngettext for one language (French, the source, needs no catalog)."""

    language: str
    catalog: gettext.NullTranslations = field(default_factory=gettext.NullTranslations)

    def gettext(self, message: str, **variables: Any) -> str:
        """Translate a message id, then fill its placeholders."""
        text = self.catalog.gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, number: int, **variables: Any) -> str:
        """Translate a message with a plural form; ``%(num)d`` is the number."""
        text = self.catalog.ngettext(singular, plural, number)
        return text % {"num": number, **variables}


def load_translator(directory: Path, language: str) -> Translator:
    """Read the compiled catalog of a language (French needs none)."""
    if language == "fr":
        return Translator("fr")
    catalog = Translations.load(str(directory), [language])
    return Translator(language, catalog)


class Formatter:
    """Shows answers, dates and amounts in one language."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator
        self.language = translator.language
        self._ = translator.gettext

    def answer(self, field: Field, value: Any) -> str:
        """Show a stored answer."""
        if value is None or value == "":
            return ""
        if field.type == "date":
            return self.day(dt.date.fromisoformat(value))
        if field.type == "country":
            return country_name(value, self.language)
        if field.type == "single_choice":
            label = field.choice_label(value)
            return self._(label) if label else str(value)
        if field.type == "yes_no":
            return self._("Oui") if value == YES else self._("Non") if value == NO else str(value)
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
            return str(format_decimal(int(value), locale=self.language))
        return str(value)

    def day(self, day: dt.date) -> str:
        """Show a date in full."""
        return str(format_date(day, "long", locale=self.language))

    def euros(self, amount: int) -> str:
        """Show a whole amount in euros the way the language writes money."""
        locale = Locale.parse(self.language)
        pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
        return str(
            format_currency(amount, "EUR", format=pattern, locale=locale, currency_digits=False)
        )


def format_phone(value: str) -> str:
    """Show a stored phone number the French way: 06 12 34 56 78."""
    if value.startswith("+33") and len(value) == 12:
        national = "0" + value[3:]
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return value
