"""Check what the applicant submitted on a page and turn it into clean answers.

`validate_field` takes the submitted form (input name to text) and returns
the stored value or a `FieldError`. Composite fields read several inputs:
a date reads ``<id>.day``, ``<id>.month`` and ``<id>.year``; an address reads
``<id>.line1``, ``<id>.line2``, ``<id>.postcode`` and ``<id>.city``.

Error messages are French gettext message ids, marked with `N_` so that
Babel extracts them; the kiosk translates them when it shows them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.countries import COUNTRY_CODES
from forms.schema import NO, YES, Field


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a message for extraction without translating it here."""
    return message


#: Upper bounds on every free-text input (OWASP ASVS: length-limit all input).
DEFAULT_MAX_LENGTH = {"text": 200, "person_name": 60, "email": 254, "phone": 20, "number": 9}
ADDRESS_PARTS = ("line1", "line2", "postcode", "city")
ADDRESS_MAX_LENGTH = {"line1": 120, "line2": 120, "postcode": 5, "city": 80}
DATE_PARTS = ("day", "month", "year")
DATE_PART_MAX_LENGTH = 4
#: A backstop over every input of every field, whatever its type or procedure rules.
MAX_INPUT_LENGTH = 1000

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
_NAME_PUNCTUATION = set(" -'’")


@dataclass(frozen=True)
class FieldError:
    """Why one answer was refused, and which input to send the applicant to."""

    field_id: str
    input_name: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


class _Refused(Exception):
    def __init__(self, message: str, part: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.part = part
        self.params = params


def clean_text(raw: str) -> str:
    """Normalise typed text: NFC, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", raw)
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return " ".join(text.split())


def _limit(text: str, maximum: int) -> str:
    if len(text) > maximum:
        raise _Refused(N_("Écrivez au plus %(max)d caractères."), max=maximum)
    return text


def _text(field: Field, form: Mapping[str, str], today: dt.date) -> str | None:
    text = clean_text(form.get(field.id, ""))
    if not text:
        return None
    rules = field.validation
    _limit(text, rules.get("max_length", DEFAULT_MAX_LENGTH["text"]))
    if len(text) < rules.get("min_length", 0):
        raise _Refused(N_("Écrivez au moins %(min)d caractères."), min=rules["min_length"])
    if "pattern" in rules and not re.fullmatch(rules["pattern"], text):
        raise _Refused(rules.get("pattern_message", N_("Cette réponse n'a pas la bonne forme.")))
    return text


def _is_latin_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L") and unicodedata.name(ch, "").startswith(
        "LATIN "
    )


def _person_name(field: Field, form: Mapping[str, str], today: dt.date) -> str | None:
    text = clean_text(form.get(field.id, ""))
    if not text:
        return None
    _limit(text, field.validation.get("max_length", DEFAULT_MAX_LENGTH["person_name"]))
    if not all(_is_latin_letter(ch) or ch in _NAME_PUNCTUATION for ch in text) or not any(
        _is_latin_letter(ch) for ch in text
    ):
        raise _Refused(
            N_(
                "Écrivez le nom en lettres latines, comme sur le passeport : "
                "lettres, espaces, tirets et apostrophes."
            )
        )
    return text.replace("’", "'")


def _date(field: Field, form: Mapping[str, str], today: dt.date) -> str | None:
    parts = {part: form.get(f"{field.id}.{part}", "").strip() for part in DATE_PARTS}
    if not any(parts.values()):
        return None
    for part in DATE_PARTS:
        if not parts[part].isdigit() or len(parts[part]) > DATE_PART_MAX_LENGTH:
            raise _Refused(N_("Choisissez le jour, le mois et l'année."), part=part)
    try:
        value = dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        raise _Refused(N_("Cette date n'existe pas."), part="day") from None
    rules = field.validation
    if rules.get("past_only") and value > today:
        raise _Refused(N_("La date doit être aujourd'hui ou avant."), part="year")
    if rules.get("future_only") and value < today:
        raise _Refused(N_("La date doit être aujourd'hui ou après."), part="year")
    earliest, latest = date_bounds(field, today)
    if value.year < earliest:
        raise _Refused(N_("L'année doit être %(year)d ou après."), part="year", year=earliest)
    if value.year > latest:
        raise _Refused(N_("L'année doit être %(year)d ou avant."), part="year", year=latest)
    return value.isoformat()


def date_bounds(field: Field, today: dt.date) -> tuple[int, int]:
    """Return the first and last year a date field offers."""
    rules = field.validation
    earliest = today.year - int(rules.get("max_years_ago", 120))
    latest = today.year + int(rules.get("max_years_ahead", 0 if rules.get("past_only") else 15))
    if rules.get("future_only"):
        earliest = today.year
    if rules.get("past_only"):
        latest = min(latest, today.year)
    return earliest, latest


def _single_choice(field: Field, form: Mapping[str, str], today: dt.date) -> str | None:
    value = form.get(field.id, "").strip()
    if not value:
        return None
    if value not in {choice.value for choice in field.choices}:
        raise _Refused(N_("Choisissez une des réponses proposées."))
    return value


def _yes_no(field: Field, form: Mapping[str, str], today: dt.date) -> str | None:
    value = form.get(field.id, "").strip()
    if not value:
        return None
    if value not in (YES, NO):
        raise _Refused(N_("Choisissez oui ou non."))
    return value


def _country(field: Field, form: Mapping[str, str], today: dt.date) -> str | None:
    value = form.get(field.id, "").strip().upper()
    if not value:
        return None
    if value not in COUNTRY_CODES:
        raise _Refused(N_("Choisissez un pays dans la liste."))
    return value


def _address(field: Field, form: Mapping[str, str], today: dt.date) -> dict[str, str] | None:
    parts = {part: clean_text(form.get(f"{field.id}.{part}", "")) for part in ADDRESS_PARTS}
    if not any(parts.values()):
        return None
    parts["postcode"] = parts["postcode"].replace(" ", "")
    for part in ADDRESS_PARTS:
        if len(parts[part]) > ADDRESS_MAX_LENGTH[part]:
            raise _Refused(
                N_("Écrivez au plus %(max)d caractères."), part=part, max=ADDRESS_MAX_LENGTH[part]
            )
    if not parts["line1"]:
        raise _Refused(N_("Écrivez le numéro et le nom de la rue."), part="line1")
    postcode = parts["postcode"]
    if not re.fullmatch(r"[0-9]{5}", postcode):
        raise _Refused(N_("Le code postal a 5 chiffres, par exemple 75011."), part="postcode")
    if not parts["city"]:
        raise _Refused(N_("Écrivez le nom de la commune."), part="city")
    return {**parts, "postcode": postcode}


def _phone(field: Field, form: Mapping[str, str], today: dt.date) -> str | None:
    raw = form.get(field.id, "").strip()
    if not raw:
        return None
    _limit(raw, DEFAULT_MAX_LENGTH["phone"])
    digits = re.sub(r"[\s.\-()]", "", raw)
    if re.fullmatch(r"0[1-9][0-9]{8}", digits):
        return "+33" + digits[1:]
    if re.fullmatch(r"\+[1-9][0-9]{7,14}", digits):
        return digits
    raise _Refused(
        N_(
            "Écrivez un numéro à 10 chiffres comme 06 12 34 56 78, "
            "ou un numéro international qui commence par +."
        )
    )


def _email(field: Field, form: Mapping[str, str], today: dt.date) -> str | None:
    raw = form.get(field.id, "").strip()
    if not raw:
        return None
    _limit(raw, DEFAULT_MAX_LENGTH["email"])
    # An address holds no invisible character (control, format, unassigned):
    # kept, it would reach the portal as junk; dropped, it would change the address.
    invisible = any(unicodedata.category(ch).startswith("C") for ch in raw)
    if invisible or not _EMAIL.match(raw):
        raise _Refused(N_("Écrivez une adresse e-mail comme nom@exemple.fr."))
    local, domain = raw.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _number(field: Field, form: Mapping[str, str], today: dt.date) -> int | None:
    raw = form.get(field.id, "").strip().replace(" ", "")
    if not raw:
        return None
    _limit(raw, DEFAULT_MAX_LENGTH["number"])
    if not raw.isascii() or not raw.isdigit():
        raise _Refused(N_("Écrivez un nombre entier, avec des chiffres seulement."))
    value = int(raw)
    low, high = field.validation.get("min", 0), field.validation.get("max", 10**9)
    if not low <= value <= high:
        raise _Refused(N_("Écrivez un nombre entre %(min)d et %(max)d."), min=low, max=high)
    return value


_VALIDATORS: dict[str, Callable[[Field, Mapping[str, str], dt.date], Any]] = {
    "text": _text,
    "person_name": _person_name,
    "date": _date,
    "single_choice": _single_choice,
    "yes_no": _yes_no,
    "country": _country,
    "address": _address,
    "phone": _phone,
    "email": _email,
    "number": _number,
}

_REQUIRED_MESSAGE = {
    "single_choice": N_("Choisissez une réponse."),
    "yes_no": N_("Choisissez oui ou non."),
    "country": N_("Choisissez un pays dans la liste."),
    "date": N_("Choisissez le jour, le mois et l'année."),
    "address": N_("Écrivez le numéro et le nom de la rue."),
}
_FIRST_PART = {"date": "day", "address": "line1"}


def input_names(field: Field) -> list[str]:
    """The names of the inputs a field reads from the submitted form."""
    if field.type == "date":
        return [f"{field.id}.{part}" for part in DATE_PARTS]
    if field.type == "address":
        return [f"{field.id}.{part}" for part in ADDRESS_PARTS]
    return [field.id]


def validate_field(
    field: Field, form: Mapping[str, str], today: dt.date
) -> tuple[Any, FieldError | None]:
    """Return the clean value of one field, or the reason it is refused.

    An optional field left empty gives (None, None).
    """
    for name in input_names(field):
        if len(form.get(name, "")) > MAX_INPUT_LENGTH:
            message = N_("Écrivez au plus %(max)d caractères.")
            return None, FieldError(field.id, name, message, {"max": MAX_INPUT_LENGTH})
    try:
        value = _VALIDATORS[field.type](field, form, today)
    except _Refused as refusal:
        name = f"{field.id}.{refusal.part}" if refusal.part else field.id
        return None, FieldError(field.id, name, refusal.message, refusal.params)
    if value is None and field.required:
        part = _FIRST_PART.get(field.type)
        name = f"{field.id}.{part}" if part else field.id
        message = _REQUIRED_MESSAGE.get(field.type, N_("Répondez à cette question."))
        return None, FieldError(field.id, name, message)
    return value, None


def validate_fields(
    fields: list[Field], form: Mapping[str, str], today: dt.date
) -> tuple[dict[str, Any], list[FieldError]]:
    """Validate every field of a page; return the clean values and the errors."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for one in fields:
        value, error = validate_field(one, form, today)
        if error is not None:
            errors.append(error)
        else:
            values[one.id] = value
    return values, errors


def form_from_answer(field: Field, value: Any) -> dict[str, str]:
    """Turn a stored answer back into input values, to show it again in the form."""
    if value is None:
        return {}
    if field.type == "date":
        year, month, day = str(value).split("-")
        return {
            f"{field.id}.year": year,
            f"{field.id}.month": str(int(month)),
            f"{field.id}.day": str(int(day)),
        }
    if field.type == "address" and isinstance(value, dict):
        return {f"{field.id}.{part}": str(value.get(part, "")) for part in ADDRESS_PARTS}
    if field.type == "phone" and isinstance(value, str) and value.startswith("+33"):
        return {field.id: "0" + value[3:]}
    return {field.id: str(value)}
