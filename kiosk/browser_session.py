"""Server-side Flask sessions behind an opaque random cookie.

Flask's default session is a signed cookie: readable by anyone who copies it
and impossible to revoke. Here the cookie holds only a random token
(256 bits); the data stays in the `BrowserSession` table, found by the
SHA-256 of the token. Ending a session deletes the row, so an old cookie is
worthless at once.

The cookie is ``__Host-`` prefixed, ``Secure``, ``HttpOnly``,
``SameSite=Strict``, with no expiry (it dies with the browser). Chromium
accepts a Secure cookie over http://127.0.0.1, which counts as a secure
context.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict

from kiosk.db import session_scope
from kiosk.models import BrowserSession, utcnow
from kiosk.security import is_storage_failure

COOKIE_NAME = "__Host-guichet"
#: A browser session unused for this long is forgotten.
BROWSER_SESSION_HOURS = 12
#: Refresh `last_seen_at` at most this often, to avoid a write on every request.
TOUCH_SECONDS = 60

log = logging.getLogger("guichet")


def hash_token(token: str) -> str:
    """Return the value stored in the database for a cookie token."""
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """The dict a view sees as `flask.session`, remembering whether it changed."""

    def __init__(self, initial: dict[str, Any] | None = None, token: str | None = None) -> None:
        def on_update(_self: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.token = token
        self.new = token is None
        self.modified = False
        self.rotate = False
        self.last_seen_at: dt.datetime | None = None
        #: Why the stored session could not be read (a disk that fails): the
        #: request is refused with the storage error page (`kiosk.security`)
        #: and this empty stand-in is never written back.
        self.storage_error: Exception | None = None

    def regenerate(self) -> None:
        """Move the data to a new token (after resuming: ASVS 7.2.4)."""
        self.rotate = True
        self.modified = True


class DatabaseSessionInterface(SessionInterface):
    """Keeps `flask.session` in the `browser_session` table."""

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        """Load the session named by the request's cookie, or start an empty one."""
        token = request.cookies.get(COOKIE_NAME)
        if not token or len(token) > 100:
            return ServerSession()
        oldest = utcnow() - dt.timedelta(hours=BROWSER_SESSION_HOURS)
        try:
            with session_scope(app) as db:
                row = db.get(BrowserSession, hash_token(token))
                if row is None or row.last_seen_at < oldest:
                    return ServerSession()
                session = ServerSession(json.loads(row.data), token)
                session.last_seen_at = row.last_seen_at
                return session
        except SQLAlchemyError as error:
            if not is_storage_failure(error):
                raise
            # Raising here would leave Flask without a session, and the error
            # page itself would fail: a stand-in carries the error instead.
            unavailable = ServerSession(token=token)
            unavailable.storage_error = error
            return unavailable

    def save_session(  # type: ignore[override]
        self, app: Flask, session: ServerSession, response: Response
    ) -> None:
        """Write the session back, set or delete the cookie."""
        if session.storage_error is not None:
            return  # the real one is still stored, untouched
        now = utcnow()
        if not session:
            if session.token is not None:
                self._delete(app, session.token)
                response.delete_cookie(COOKIE_NAME, path="/", secure=True, samesite="Strict")
            return
        stale = session.last_seen_at is None or (now - session.last_seen_at).total_seconds() > (
            TOUCH_SECONDS
        )
        if not (session.modified or session.new or stale):
            return
        if session.rotate and session.token is not None:
            self._delete(app, session.token)
            session.token = None
        token = session.token or secrets.token_urlsafe(32)
        try:
            with session_scope(app) as db:
                row = db.get(BrowserSession, hash_token(token))
                if row is None:
                    row = BrowserSession(token_hash=hash_token(token), created_at=now)
                    db.add(row)
                row.data = json.dumps(dict(session))
                row.last_seen_at = now
        except SQLAlchemyError as error:
            # When only "last seen" was due, a disk that cannot write (full,
            # read-only) must not turn every page into an error page: reading
            # still works, and what the applicant saves gets the clear message.
            if session.modified or session.new or not is_storage_failure(error):
                raise
            log.warning("browser session not refreshed: the database cannot write")
            return
        if token != session.token:
            response.set_cookie(
                COOKIE_NAME,
                token,
                path="/",
                secure=True,
                httponly=True,
                samesite="Strict",
            )
        response.vary.add("Cookie")

    @staticmethod
    def _delete(app: Flask, token: str) -> None:
        with session_scope(app) as db:
            db.execute(delete(BrowserSession).where(BrowserSession.token_hash == hash_token(token)))


def forget_old_browser_sessions(app: Flask, now: dt.datetime | None = None) -> int:
    """Delete browser sessions unused for longer than `BROWSER_SESSION_HOURS`."""
    oldest = (now or utcnow()) - dt.timedelta(hours=BROWSER_SESSION_HOURS)
    with session_scope(app) as db:
        result = db.execute(delete(BrowserSession).where(BrowserSession.last_seen_at < oldest))
        return int(getattr(result, "rowcount", 0) or 0)
