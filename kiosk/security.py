"""Response headers, CSRF protection and generic error pages.

Every page gets a strict Content-Security-Policy with a per-request nonce
(scripts only from our own files, no inline style at all), no framing, no
MIME sniffing, no referrer, and ``Cache-Control: no-store`` because almost
every page shows personal data. Errors show a plain page in the applicant's
language with a way forward, never a stack trace.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

csrf = CSRFProtect()


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


def _error_page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("error.html", title=title, message=message, status=status), status


def _handle_http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    code = error.code or 500
    if code == 404:
        return _error_page(404, _("Page introuvable"), _("Cette page n'existe pas."))
    if code == 405:
        return _error_page(405, _("Action impossible"), _("Cette action n'est pas possible ici."))
    if code == 413:
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


def _handle_unexpected(error: Exception) -> tuple[str, int]:
    # The traceback goes to the log (waitress logs it), never to the screen.
    import logging

    logging.getLogger("guichet").exception("unexpected error")
    return _error_page(
        500, _("Un problème est survenu"), _("Vos réponses déjà enregistrées sont gardées.")
    )


def init_app(app: Flask) -> None:
    """Install CSRF protection, security headers and generic error pages."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # sessions are short and server-side
    app.config["WTF_CSRF_SSL_STRICT"] = False  # no TLS on loopback, so no Referer check
    csrf.init_app(app)
    app.after_request(_add_headers)
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(Exception, _handle_unexpected)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
