"""The mediator's bilingual view: French under every translated text on the screen.

French is the source language, so the French of any message is its msgid.
When a staff member has switched the view on and the screen is in another
language, the templates' gettext wraps each translation with its French,
between private-use marker characters. Once the page is rendered, `_rewrite`
turns each marked text into the translation followed by
``<span class="gloss" lang="fr" dir="ltr">French</span>`` (shown under it by
the style sheet, left to right even on an Arabic screen). Where markup is not
allowed (inside a tag's attributes, ``<title>``, ``<option>``) only the
translation is kept, so labels, ``alt`` and ``aria-label`` stay unchanged.

Messages built in Python (flash messages) are not glossed: they are
translated before the template runs and carry no msgid any more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Flask, Response, g
from flask_babel import get_translations

from kiosk import staff_session
from kiosk.i18n import current_language

START, SEPARATOR, END = "\ue000", "\ue001", "\ue002"
MARKER = re.compile(f"[{START}{SEPARATOR}{END}]")
#: A comment, or a tag with its attributes (quoted values may hold ">").
TAG = re.compile(r"<!--.*?-->|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.S)
TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)")
#: Elements whose content is plain text: no gloss element may go there.
TEXT_ONLY = frozenset({"title", "option", "textarea", "script", "style"})


def is_active() -> bool:
    """Whether this request's screen shows French under the translated texts."""
    state = staff_session.current()
    return bool(state and state.bilingual and current_language().code != "fr")


def _marked(translated: str, french: str) -> str:
    if translated == french or not is_active():
        return translated
    g.glossed = True
    return f"{START}{translated}{SEPARATOR}{french}{END}"


def gettext(message: str) -> str:
    """The templates' gettext: the translation, marked with its French when the view is on."""
    return _marked(get_translations().ugettext(message), message)


def ngettext(singular: str, plural: str, number: int) -> str:
    """The templates' ngettext, marked likewise (French: one for 0 and 1)."""
    translated = get_translations().ungettext(singular, plural, number)
    return _marked(translated, singular if abs(number) < 2 else plural)


def pgettext(context: str, message: str) -> str:
    """The templates' pgettext, marked likewise."""
    return _marked(get_translations().upgettext(context, message), message)


def npgettext(context: str, singular: str, plural: str, number: int) -> str:
    """The templates' npgettext, marked likewise."""
    translated = get_translations().unpgettext(context, singular, plural, number)
    return _marked(translated, singular if abs(number) < 2 else plural)


@dataclass
class _Message:
    """A marked message being read: its translation, then its French."""

    shown: list[str] = field(default_factory=list)
    french: list[str] = field(default_factory=list)
    in_french: bool = False

    def add(self, text: str) -> None:
        (self.french if self.in_french else self.shown).append(text)


def gloss(french: str) -> str:
    """The French under a translated text.

    Not escaped again: like the translation it follows, it comes from the
    templates and catalogs, and Jinja already escaped the values put into it.
    """
    return f'<span class="gloss" lang="fr" dir="ltr">{french}</span>'


def resolve(text: str, with_gloss: bool) -> str:
    """Replace every marked message in `text` by its translation, glossed or not.

    A message inside another one (a translated title put into a sentence)
    gives its translation to the sentence's translation and its French to
    the sentence's French.
    """
    out: list[str] = []
    open_messages: list[_Message] = []

    def add(chunk: str) -> None:
        if open_messages:
            open_messages[-1].add(chunk)
        else:
            out.append(chunk)

    position = 0
    for match in MARKER.finditer(text):
        add(text[position : match.start()])
        position = match.end()
        mark = match.group()
        if mark == START:
            open_messages.append(_Message())
        elif mark == SEPARATOR and open_messages:
            open_messages[-1].in_french = True
        elif mark == END and open_messages:
            message = open_messages.pop()
            shown, french = "".join(message.shown), "".join(message.french)
            if open_messages:
                outer = open_messages[-1]
                outer.add(french if outer.in_french else shown)
            else:
                out.append(shown + (gloss(french) if with_gloss and french != shown else ""))
    add(text[position:])
    while open_messages:  # unbalanced markers: keep what would be shown
        message = open_messages.pop()
        add("".join(message.shown))
    return "".join(out)


def rewrite(html: str) -> str:
    """Put each marked message's French under it, where markup is allowed."""
    out: list[str] = []
    text_only: str | None = None
    position = 0
    for match in TAG.finditer(html):
        out.append(resolve(html[position : match.start()], with_gloss=text_only is None))
        tag = match.group()
        out.append(resolve(tag, with_gloss=False))
        position = match.end()
        name = TAG_NAME.match(tag)
        if name:
            closing, element = name.group(1) == "/", name.group(2).lower()
            if not closing and element in TEXT_ONLY:
                text_only = element
            elif closing and element == text_only:
                text_only = None
    out.append(resolve(html[position:], with_gloss=text_only is None))
    return MARKER.sub("", "".join(out))


def _rewrite_response(response: Response) -> Response:
    if g.get("glossed") and response.mimetype == "text/html" and not response.direct_passthrough:
        response.set_data(rewrite(response.get_data(as_text=True)))
    return response


def init_app(app: Flask) -> None:
    """Give the templates the glossing gettext (after Flask-Babel installed its own)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=gettext,
        ngettext=ngettext,
        newstyle=True,
        pgettext=pgettext,
        npgettext=npgettext,
    )
    app.after_request(_rewrite_response)
    app.jinja_env.globals["bilingual_view"] = is_active
