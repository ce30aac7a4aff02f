"""Response headers, CSRF protection and generic error pages.

Every page gets a strict Content-Security-Policy with a per-request nonce
(scripts only from our own files, no inline style at all), no framing, no
MIME sniffing, no referrer, and ``Cache-Control: no-store`` because almost
every page shows personal data. The response that ends a session tells the
browser to drop everything it holds for the kiosk (`clear_site_data`).

Errors show a plain page in the applicant's language with a way forward,
never a stack trace. A database or disk that cannot write (full, I/O error,
read-only, locked) gives a 503 page that says what was kept and asks for the
mediator; the page itself is made without the database if need be.
"""

from __future__ import annotations

import errno
import logging
import secrets
import sqlite3

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import escape
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

csrf = CSRFProtect()
log = logging.getLogger("guichet")

#: What the browser must forget when a session ends (ASVS 14.3.1).
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'
#: SQLite result codes (and their extended forms) that mean "cannot store now".
STORAGE_SQLITE_ERRORS = (
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_CANTOPEN",
    "SQLITE_READONLY",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_CORRUPT",
    "SQLITE_NOTADB",
)
#: The same failures when they come from the file system.
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EFBIG})


def csp_nonce() -> str:
    """Return the nonce of the current response (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    nonce: str = g.csp_nonce
    return nonce


def _add_headers(response: Response) -> Response:
    nonce = csp_nonce()
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; "
        "img-src 'self' blob:; "
        "media-src 'self' blob:; "
        "connect-src 'self'; "
        "font-src 'self'; "
        "object-src 'none'; "
        "base-uri 'none'; "
        "form-action 'self'; "
        "frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "geolocation=(), microphone=(), camera=(self)"
    if not response.headers.get("Cache-Control"):
        response.headers["Cache-Control"] = "no-store"
    return response


def clear_site_data(response: BaseResponse) -> BaseResponse:
    """End the browser's side of a session: empty it, and have the browser clear its data.

    Browsers ignore cookies set by a response that clears them, so the server
    session is emptied too (its row is deleted, no new cookie is sent): the
    next person starts with nothing, in the default language.
    """
    session.clear()
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


def is_storage_failure(error: BaseException | None) -> bool:
    """Tell whether an error, or one it wraps, means the database or disk cannot write."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, sqlite3.Error):
            name = str(getattr(error, "sqlite_errorname", "") or "")
            if name.startswith(STORAGE_SQLITE_ERRORS):
                return True
        if isinstance(error, OSError) and error.errno in STORAGE_ERRNOS:
            return True
        # SQLAlchemy keeps the driver's error in .orig; Flask wraps in original_exception.
        error = (
            getattr(error, "orig", None)
            or getattr(error, "original_exception", None)
            or error.__cause__
            or error.__context__
        )
    return False


def _retry_target() -> str | None:
    """The page to try again from: this address if it can be shown (GET), else its screen.

    An action posted to an address of its own (``/scan/<document>/capture``,
    ``/scan/<document>/pages/<id>/rotate``) belongs to the screen one level up:
    the capture screen, the page's review. Either way, what the failed request
    would have saved is asked for again there.
    """
    adapter = current_app.url_map.bind("localhost")
    for path in (request.path, request.path.rstrip("/").rsplit("/", 1)[0] or "/"):
        try:
            adapter.match(path, method="GET")
        except HTTPException:
            continue
        return path
    return None


def _plain_page(status: int, title: str, message: str) -> str:
    """The error page without templates or database, when even the error page fails."""
    direction = "ltr"
    try:
        from kiosk.i18n import current_language

        direction = current_language().direction
        home = _("Revenir à l'accueil")
    except Exception:  # the language is lost too: French, the source language
        home = "Revenir à l'accueil"
    return (
        f'<!doctype html><html dir="{direction}"><head><meta charset="utf-8">'
        f"<title>{escape(title)} – Guichet</title>"
        '<link rel="stylesheet" href="/static/css/guichet.css"></head><body>'
        f'<main id="main"><h1 class="page-title">{escape(title)}</h1>'
        f'<p class="lead">{escape(message)}</p><div class="actions">'
        f'<a class="button button-primary" href="/">{escape(home)}</a></div></main>'
        "</body></html>"
    )


def _error_page(status: int, title: str, message: str, retry: str | None = None) -> tuple[str, int]:
    try:
        page = render_template(
            "error.html", title=title, message=message, status=status, retry=retry
        )
    except Exception:
        log.exception("the error page could not be rendered")
        page = _plain_page(status, title, message)
    return page, status


def _storage_error_page() -> tuple[str, int]:
    """The database or disk cannot write: say what is kept, and call the mediator."""
    from kiosk import db

    # The request's transaction failed: drop it, so the page can still read.
    try:
        db.close_db()
    except Exception:
        log.exception("closing the failed database session")
    return _error_page(
        503,
        _("Enregistrement impossible pour le moment"),
        _(
            "L'ordinateur n'arrive pas à enregistrer. Ce qui était déjà enregistré est gardé. "
            "Appelez le médiateur."
        ),
        retry=_retry_target(),
    )


def _upload_too_large() -> BaseResponse | None:
    """A file over its route's limit: back to the screen it came from, with the reason."""
    from kiosk.uploads import declared_limit

    declared = declared_limit(request.endpoint)
    if declared is None:
        return None
    size = max(1, int(current_app.config[declared.setting]) // 1_000_000)
    flash(_(declared.message, size=size))
    return redirect(url_for(declared.back_endpoint, **(request.view_args or {})))


def _handle_http_error(error: HTTPException) -> tuple[str, int] | BaseResponse:
    code = error.code or 500
    if code >= 500 and is_storage_failure(error):
        return _storage_error_page()
    if code == 404:
        return _error_page(404, _("Page introuvable"), _("Cette page n'existe pas."))
    if code == 405:
        return _error_page(405, _("Action impossible"), _("Cette action n'est pas possible ici."))
    if code == 413:
        back = _upload_too_large()
        if back is not None:
            return back
        return _error_page(413, _("Envoi trop grand"), _("Ce que vous avez envoyé est trop grand."))
    if code == 429:
        return _error_page(429, _("Trop d'essais"), _("Attendez un peu avant de réessayer."))
    if 400 <= code < 500:
        return _error_page(code, _("Action impossible"), _("Cette action n'a pas pu être faite."))
    return _error_page(
        500, _("Un problème est survenu"), _("Vos réponses déjà enregistrées sont gardées.")
    )


def _handle_csrf_error(error: CSRFError) -> tuple[str, int]:
    return _error_page(
        400,
        _("La page a expiré"),
        _("Pour votre sécurité, la page a expiré. Revenez à l'accueil et recommencez."),
    )


def _refuse_without_storage() -> None:
    """Refuse a request whose browser session could not be read: the disk is failing.

    Runs before the CSRF check, which would otherwise call the page expired.
    """
    error = getattr(session, "storage_error", None)
    if error is not None and request.endpoint not in ("static", "healthz"):
        raise error


def _handle_unexpected(error: Exception) -> tuple[str, int]:
    # The traceback goes to the log, never to the screen.
    log.exception("unexpected error")
    if is_storage_failure(error):
        return _storage_error_page()
    return _error_page(
        500, _("Un problème est survenu"), _("Vos réponses déjà enregistrées sont gardées.")
    )


def init_app(app: Flask) -> None:
    """Install CSRF protection, security headers and generic error pages."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # sessions are short and server-side
    app.config["WTF_CSRF_SSL_STRICT"] = False  # no TLS on loopback, so no Referer check
    app.before_request(_refuse_without_storage)
    csrf.init_app(app)
    app.after_request(_add_headers)
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(Exception, _handle_unexpected)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
