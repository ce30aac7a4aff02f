"""Walk every route of the app (its url_map, not a hand list) and check the security rules.

Each check returns a list of problems, so that a test can both require none on
the real app and prove, on a deliberately broken one, that it finds them.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

#: Methods that must never change anything.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Keys of the browser session that are plumbing, not the application's state: flashed
#: messages are consumed by the page that shows them, and Flask-WTF keeps its CSRF secret.
SESSION_PLUMBING = frozenset({"_flashes", "csrf_token"})
#: Tables a GET may append to (see `changes`).
APPEND_ONLY = frozenset({"audit_event"})
PLACEHOLDER = re.compile(r"<(?:(?P<converter>[a-zA-Z_]\w*)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_]\w*)>")
NONCE = re.compile(r"'nonce-([^']+)'")
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.I)


@dataclass(frozen=True)
class Route:
    """One rule and one of its methods, with the URL built for the current stage."""

    rule: Rule
    method: str
    url: str

    def __str__(self) -> str:
        return f"{self.method} {self.url} ({self.rule.endpoint})"


def converters(rule: Rule) -> dict[str, str]:
    """Each URL placeholder of a rule and its converter ("default" when none is named)."""
    return {
        match["name"]: match["converter"] or "default" for match in PLACEHOLDER.finditer(rule.rule)
    }


def routes(app: Flask, values: Callable[[str, str], str]) -> Iterator[Route]:
    """Every (rule, method) of the app; `values(name, converter)` fills each placeholder."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda one: one.rule):
        filled = {name: values(name, kind) for name, kind in converters(rule).items()}
        built = rule.build(filled, append_unknown=False)
        assert built is not None, rule.rule
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield Route(rule, method, built[1])


def snapshot(app: Flask) -> dict[str, list[str]]:
    """Every row of every table, read straight from the SQLite file.

    Browser sessions are compared without their last-seen time and without the
    keys in `SESSION_PLUMBING`.
    """
    path = app.config["DATABASE"]
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        content: dict[str, list[str]] = {}
        for table in tables:
            cursor = connection.execute(f'SELECT * FROM "{table}"')
            columns = [column[0] for column in cursor.description]
            rows = []
            for row in cursor:
                record = dict(zip(columns, row, strict=True))
                if table == "browser_session":
                    record.pop("last_seen_at", None)
                    data = json.loads(record.get("data") or "{}")
                    record["data"] = {k: v for k, v in data.items() if k not in SESSION_PLUMBING}
                rows.append(repr(sorted(record.items(), key=lambda item: item[0])))
            content[table] = sorted(rows)
        return content
    finally:
        connection.close()


def changes(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    """The tables whose rows differ.

    The audit log is append-only and records reads too (an export, a view of a
    session): a GET may add to it, never change or remove a row.
    """
    changed = []
    for table in sorted(before.keys() | after.keys()):
        old, new = before.get(table, []), after.get(table, [])
        if table in APPEND_ONLY and set(old) <= set(new):
            continue
        if old != new:
            changed.append(table)
    return changed


def cookie_problems(response: Any, where: str) -> list[str]:
    """Every cookie set must be the session cookie, with all its flags."""
    problems = []
    for header in response.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0]
        flags = {part.strip().split("=", 1)[0].lower() for part in header.split(";")[1:]}
        values = {
            part.strip().split("=", 1)[0].lower(): part.strip().split("=", 1)[-1]
            for part in header.split(";")[1:]
        }
        if name != "__Host-guichet":
            problems.append(f"{where}: unexpected cookie {name}")
        if not {"secure", "httponly", "samesite", "path"} <= flags:
            problems.append(f"{where}: cookie flags missing in {header!r}")
        if values.get("samesite", "").lower() != "strict" or values.get("path") != "/":
            problems.append(f"{where}: cookie not SameSite=Strict on / in {header!r}")
        if "domain" in flags:
            problems.append(f"{where}: a __Host- cookie may not name a domain")
    return problems


def header_problems(response: Any, where: str, static: bool) -> list[str]:
    """The security headers, and a page's scripts and styles, under the policy."""
    headers = response.headers
    problems = []
    csp = headers.get("Content-Security-Policy", "")
    for directive in (
        "default-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ):
        if directive not in csp:
            problems.append(f"{where}: CSP lacks {directive}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp or "*" in csp:
        problems.append(f"{where}: CSP too loose: {csp}")
    nonce = NONCE.search(csp)
    if nonce is None or "script-src 'self' 'nonce-" not in csp:
        problems.append(f"{where}: CSP has no script nonce")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }
    if not static:
        expected["Cache-Control"] = "no-store"
    for name, value in expected.items():
        if headers.get(name) != value:
            problems.append(f"{where}: {name} is {headers.get(name)!r}, not {value!r}")
    if response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        for tag in SCRIPT_TAG.findall(page):
            if nonce is None or f'nonce="{nonce.group(1)}"' not in tag:
                problems.append(f"{where}: script without the nonce: {tag}")
        if INLINE_HANDLER.search(page):
            problems.append(f"{where}: inline event handler (blocked by the CSP)")
        if INLINE_STYLE.search(page):
            problems.append(f"{where}: inline style (blocked by the CSP)")
    return problems + cookie_problems(response, where)


def check_gets(
    app: Flask, client: FlaskClient, values: Callable[[str, str], str], language: str
) -> tuple[list[str], int]:
    """GET every route: nothing in the database changes, headers and cookies are right."""
    problems: list[str] = []
    count = 0
    direction = "rtl" if language == "ar" else "ltr"
    for route in routes(app, values):
        if route.method != "GET":
            continue
        count += 1
        before = snapshot(app)
        response = client.get(route.url)
        changed = changes(before, snapshot(app))
        if changed:
            problems.append(f"{route} changed {changed}")
        # 503 is a deliberate answer (health check, storage failure page); 500 is a crash.
        if response.status_code == 500:
            problems.append(f"{route} answered {response.status_code}")
        static = route.rule.endpoint == "static"
        problems += header_problems(response, str(route), static)
        if response.mimetype == "text/html" and response.status_code == 200:
            page = response.get_data(as_text=True)
            if f'<html lang="{language}" dir="{direction}">' not in page:
                problems.append(f"{route} is not in {language} ({direction})")
    return problems, count


def check_csrf(
    app: Flask, client: FlaskClient, values: Callable[[str, str], str]
) -> tuple[list[str], int]:
    """Every state-changing route refuses a request without a token, or with a wrong one."""
    problems: list[str] = []
    count = 0
    for route in routes(app, values):
        if route.method in SAFE_METHODS:
            continue
        for label, data, headers in (
            ("no token", {"x": "1"}, {}),
            ("a forged token", {"csrf_token": "forged"}, {"X-CSRFToken": "forged"}),
        ):
            count += 1
            before = snapshot(app)
            response = client.open(route.url, method=route.method, data=data, headers=headers)
            if response.status_code != 400:
                problems.append(f"{route} with {label} answered {response.status_code}")
            changed = changes(before, snapshot(app))
            if changed:
                problems.append(f"{route} with {label} changed {changed}")
            problems += header_problems(response, f"{route} refused", False)
    return problems, count
