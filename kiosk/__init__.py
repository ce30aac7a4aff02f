"""Guichet: the Flask application of the assisted residence-permit kiosk.

`create_app` is the only entry point: it loads the settings (defaults →
instance file → ``GUICHET_*`` environment → test overrides), then wires each
resource with its own ``init_app``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from kiosk import config as settings


def create_app(
    test_config: Mapping[str, Any] | None = None,
    instance_path: str | os.PathLike[str] | None = None,
) -> Flask:
    """Create and configure the kiosk application."""
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings.load_settings(Path(app.instance_path), os.environ, test_config))
    app.config["SECRET_KEY"] = settings.read_or_create_secret(Path(app.config["SECRET_KEY_FILE"]))
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_FORM_BYTES"]
    app.config["MAX_FORM_MEMORY_SIZE"] = app.config["MAX_FORM_BYTES"]
    app.config["SESSION_COOKIE_NAME"] = "__Host-guichet"
    # Never debug mode, whatever FLASK_DEBUG says: it would put tracebacks and
    # exception text on a public screen.
    app.config["DEBUG"] = False

    from kiosk import (
        bilingual,
        browser_session,
        camera,
        crypto,
        db,
        glossary,
        i18n,
        procedures,
        security,
        templating,
        uploads,
    )
    from kiosk.views import (
        applicant,
        application,
        dossier,
        picture_import,
        read_aloud,
        scan,
        staff,
        staff_admin,
        staff_dashboard,
    )
    from kiosk.views import glossary as views_glossary

    app.request_class = uploads.InMemoryRequest

    db.init_app(app)
    crypto.init_app(app)
    app.session_interface = browser_session.DatabaseSessionInterface()
    i18n.init_app(app)
    bilingual.init_app(app)  # after Flask-Babel: wraps the templates' gettext
    glossary.init_app(app)  # after bilingual: notes the message ids each screen shows
    security.init_app(app)
    procedures.init_app(app)
    templating.init_app(app)
    camera.init_app(app)
    app.register_blueprint(applicant.bp)
    app.register_blueprint(application.bp)
    app.register_blueprint(scan.bp)
    app.register_blueprint(picture_import.bp)
    app.register_blueprint(dossier.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(staff_dashboard.bp)
    app.register_blueprint(staff_admin.bp)
    app.register_blueprint(views_glossary.bp)
    read_aloud.init_app(app)

    # /healthz: database writable, disk space, printer queue (kiosk/health.py).
    from kiosk import health

    health.init_app(app)

    return app
