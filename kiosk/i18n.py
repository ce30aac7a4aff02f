"""Languages: which ones exist, their direction, and the current one.

French is the source language of every message. Each language offered must
have a compiled catalog in the translations folder (``make catalogs``). The
current language comes from the browser session, so it can be changed on any
page without touching the answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, session
from flask_babel import Babel

#: Scripts written right to left.
RTL_LANGUAGES = frozenset({"ar", "fa", "fa_AF", "ps", "ur"})


@dataclass(frozen=True)
class Language:
    """A language the kiosk can speak."""

    code: str  # gettext catalog name: "fr", "ar", "fa_AF"
    tag: str  # BCP 47 tag for <html lang>: "fr", "ar", "fa-AF"
    endonym: str  # the language's name in itself
    direction: str  # "ltr" or "rtl"


#: Every language with a catalog; the LANGUAGES setting chooses which are offered.
KNOWN_LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("fr", "fr", "Français", "ltr"),
        Language("en", "en", "English", "ltr"),
        Language("ar", "ar", "العربية", "rtl"),
    )
}


def offered_languages() -> list[Language]:
    """Return the languages offered on this kiosk, in the configured order."""
    return [KNOWN_LANGUAGES[code] for code in current_app.config["LANGUAGES"]]


def current_language() -> Language:
    """Return the language of the current browser session."""
    code = session.get("lang") if session else None
    if not isinstance(code, str) or code not in current_app.config["LANGUAGES"]:
        code = current_app.config["DEFAULT_LANGUAGE"]
    return KNOWN_LANGUAGES[str(code)]


def select_locale() -> str:
    """Tell Flask-Babel which catalog to use for this request."""
    return current_language().code


def init_app(app: Flask) -> None:
    """Check the configured languages and set up Flask-Babel."""
    unknown = [code for code in app.config["LANGUAGES"] if code not in KNOWN_LANGUAGES]
    if unknown:
        raise ValueError(f"LANGUAGES: no catalog for {', '.join(unknown)}")
    if app.config["DEFAULT_LANGUAGE"] not in app.config["LANGUAGES"]:
        raise ValueError("DEFAULT_LANGUAGE must be one of LANGUAGES")
    app.config["BABEL_DEFAULT_LOCALE"] = "fr"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = app.config["TRANSLATIONS_DIR"]
    Babel(app, locale_selector=select_locale)
