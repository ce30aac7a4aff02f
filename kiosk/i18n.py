"""Languages: which ones exist, their direction, the current one, and how far each is trusted.

French is the source language of every message. Each language offered must
have a compiled catalog in the translations folder (``make catalogs``). The
current language comes from the browser session, so it can be changed on any
page without touching the answers. The browser is also told it in a cookie of
its own (`LANGUAGE_COOKIE`, the language code and nothing else), read only when
the session itself cannot be: on a failing disk the database that holds the
session is unreadable, and the page saying so must still be in the
applicant's language.

Each catalog says in its header comment how far it can be trusted
(``# Translation-Status: machine-assisted, not yet reviewed by a native
speaker``); `catalog_status` reads it for the admin screen. A catalog that says
nothing is shown as not reviewed, never as reviewed.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po
from flask import Flask, Response, current_app, request, session
from flask_babel import Babel


@dataclass(frozen=True)
class Language:
    """A language the kiosk can speak."""

    code: str  # gettext catalog name: "fr", "ar", "fa_AF"
    tag: str  # BCP 47 tag for <html lang>: "fr", "ar", "fa-AF"
    endonym: str  # the language's name in itself
    direction: str  # "ltr" or "rtl"


#: Every language with a catalog; the LANGUAGES setting chooses which are offered.
#: Order: French, English, Arabic, then the others by how many applicants need
#: them (../shared/docs/domain.md §6: first residence permits and asylum requests).
KNOWN_LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("fr", "fr", "Français", "ltr"),
        Language("en", "en", "English", "ltr"),
        Language("ar", "ar", "العربية", "rtl"),
        Language("zh_Hans", "zh-Hans", "简体中文", "ltr"),
        Language("fa_AF", "fa-AF", "دری", "rtl"),
        Language("ps", "ps", "پښتو", "rtl"),
        Language("uk", "uk", "Українська", "ltr"),
        Language("ru", "ru", "Русский", "ltr"),
        Language("tr", "tr", "Türkçe", "ltr"),
        Language("es", "es", "Español", "ltr"),
        Language("pt", "pt", "Português", "ltr"),
        Language("bn", "bn", "বাংলা", "ltr"),
    )
}

#: Next in line (domain.md §6): known by name, never offered until a catalog exists.
NEXT_LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("ta", "ta", "தமிழ்", "ltr"),
        Language("ur", "ur", "اردو", "rtl"),
        Language("ff", "ff", "Pular", "ltr"),
    )
}


#: The header comment in which a catalog states how far it can be trusted.
STATUS_LINE = re.compile(r"^# Translation-Status:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
#: How a catalog checked by a native speaker starts its status (tests/test_catalogs.py).
REVIEWED = "reviewed by a native speaker"


@dataclass(frozen=True)
class CatalogStatus:
    """How far one language's screens can be trusted, as its catalog states it."""

    code: str
    #: French: the source language, written by the project itself.
    source: bool
    #: The Translation-Status line as written, or None when the catalog has none.
    declared: str | None
    #: Messages translated (not fuzzy) and messages in all; None without a catalog file.
    translated: int | None = None
    total: int | None = None

    @property
    def reviewed(self) -> bool:
        """Only the source language, or a catalog that says so in its own words."""
        return self.source or (self.declared or "").startswith(REVIEWED)


def catalog_status(code: str, translations_dir: Path) -> CatalogStatus:
    """Read a language's status from the header comment of its catalog (``messages.po``)."""
    if code == "fr":
        return CatalogStatus(code, source=True, declared=None)
    path = translations_dir / code / "LC_MESSAGES" / "messages.po"
    try:
        stat = path.stat()
    except OSError:
        return CatalogStatus(code, source=False, declared=None)
    declared, translated, total = _read_status(path, stat.st_mtime_ns, stat.st_size)
    return CatalogStatus(code, False, declared, translated, total)


@functools.lru_cache(maxsize=64)
def _read_status(path: Path, mtime_ns: int, size: int) -> tuple[str | None, int, int]:
    """The status line and the counts of one catalog file (cached while the file is unchanged)."""
    text = path.read_text(encoding="utf-8")
    match = STATUS_LINE.search(text.split('msgid ""', 1)[0])
    declared = match.group(1) if match and match.group(1) else None
    catalog = read_po(io.StringIO(text))
    messages = [message for message in catalog if message.id]
    translated = sum(
        1
        for message in messages
        if not message.fuzzy
        and all(message.string if isinstance(message.string, tuple) else (message.string,))
    )
    return declared, translated, len(messages)


def offered_languages() -> list[Language]:
    """Return the languages offered on this kiosk, in the configured order."""
    return [KNOWN_LANGUAGES[code] for code in current_app.config["LANGUAGES"]]


#: The cookie that repeats the session's language (see the module's docstring).
LANGUAGE_COOKIE = "__Host-guichet-lang"


def current_language() -> Language:
    """Return the language of the current browser session."""
    code = session.get("lang") if session else None
    if code is None and getattr(session, "storage_error", None) is not None:
        code = request.cookies.get(LANGUAGE_COOKIE)
    if not isinstance(code, str) or code not in current_app.config["LANGUAGES"]:
        code = current_app.config["DEFAULT_LANGUAGE"]
    return KNOWN_LANGUAGES[str(code)]


def select_locale() -> str:
    """Tell Flask-Babel which catalog to use for this request."""
    return current_language().code


def remember_language(response: Response) -> Response:
    """Keep the language cookie equal to the session's language (set, changed or removed)."""
    if getattr(session, "storage_error", None) is not None:
        return response  # the session is unknown: leave what the browser has
    if "Clear-Site-Data" in response.headers:
        return response  # the session ends: the browser drops every cookie anyway
    code = session.get("lang")
    if code == request.cookies.get(LANGUAGE_COOKIE):
        return response
    if isinstance(code, str):
        response.set_cookie(
            LANGUAGE_COOKIE, code, path="/", secure=True, httponly=True, samesite="Strict"
        )
    else:
        response.delete_cookie(
            LANGUAGE_COOKIE, path="/", secure=True, httponly=True, samesite="Strict"
        )
    return response


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
    app.after_request(remember_language)
