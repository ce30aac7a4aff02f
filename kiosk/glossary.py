"""Plain words on every screen: which glossary terms the screen being drawn uses.

The screens are written in French (the message ids) and shown in the
applicant's language, so a term is found in the French, whatever the
language on screen: while a template renders, every message id it translates
is noted (the Jinja gettext functions are wrapped), and `terms_on_page` looks
the glossary's terms up in those notes. Only message ids are read, never
answers or other personal data, so a name or an address never turns into a
glossary link.

Messages translated in Python before the template runs (flashed messages) are
not seen: none of them uses a glossary term (tests/test_glossary.py walks every
screen to check what each one shows).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request
from jinja2 import pass_context
from jinja2.runtime import Context

from forms.glossary import Glossary, Term, load_glossary

#: Where each of Jinja's gettext functions takes its message ids (argument positions).
_MESSAGE_ARGUMENTS = {
    "gettext": (0,),
    "ngettext": (0, 1),
    "pgettext": (1,),
    "npgettext": (1, 2),
}


def glossary() -> Glossary:
    """Return the glossary loaded at start-up."""
    loaded: Glossary = current_app.extensions["guichet.glossary"]
    return loaded


def _note(message: Any) -> None:
    if isinstance(message, str):
        g.setdefault("page_messages", []).append(message)


def _recording(original: Any, positions: tuple[int, ...]) -> Any:
    @pass_context
    def gettext(context: Context, *args: Any, **variables: Any) -> Any:
        for position in positions:
            if position < len(args):
                _note(args[position])
        return original(context, *args, **variables)

    return gettext


def terms_on_page() -> list[Term]:
    """The glossary terms in the French of what has been drawn so far on this screen.

    The staff screens (read by staff, in French) and the glossary's own
    screens offer none.
    """
    if (request.blueprint or "").startswith("staff") or request.blueprint == "glossary":
        return []
    return glossary().found_in(g.get("page_messages", []))


def init_app(app: Flask) -> None:
    """Load and check the glossary; note the message ids every template translates.

    Must run after `kiosk.bilingual.init_app`, whose gettext functions it wraps.
    """
    app.extensions["guichet.glossary"] = load_glossary()
    env = app.jinja_env
    for name, positions in _MESSAGE_ARGUMENTS.items():
        original = env.globals.get(name)
        if original is not None:
            env.globals[name] = _recording(original, positions)
    env.globals["glossary_terms_on_page"] = terms_on_page
