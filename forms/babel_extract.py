"""Babel extractor for procedure files: their texts are gettext message ids.

``babel.cfg`` maps ``forms/procedures/*.toml``, ``forms/data/*.toml`` and
``forms/glossary.toml`` to `extract_toml`, so ``make extract`` puts every
title, label, hint and help text of every procedure, and every glossary term
and its explanation, in ``translations/messages.pot``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import IO, Any

#: Keys whose values are shown to the applicant and so must be translated.
TRANSLATABLE_KEYS = frozenset(
    {
        "title",
        "description",
        "label",
        "hint",
        "help",
        "section",
        "pattern_message",
        # forms/glossary.toml: the French term as shown, and its plain explanation.
        "term",
        "explanation",
    }
)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TRANSLATABLE_KEYS and isinstance(value, str):
                yield value
            else:
                yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def extract_toml(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield (line number, function name, message, comments) for Babel."""
    raw = fileobj.read()
    data = tomllib.loads(raw.decode("utf-8"))
    lines = raw.decode("utf-8").splitlines()
    for message in _strings(data):
        lineno = next((i + 1 for i, line in enumerate(lines) if message in line), 0)
        yield lineno, "_", message, []
