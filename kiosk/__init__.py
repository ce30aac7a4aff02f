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

    from kiosk import browser_session, camera, db, i18n, procedures, security, templating
    from kiosk.views import applicant, application, dossier, scan

    db.init_app(app)
    app.session_interface = browser_session.DatabaseSessionInterface()
    i18n.init_app(app)
    security.init_app(app)
    procedures.init_app(app)
    templating.init_app(app)
    camera.init_app(app)
    app.register_blueprint(applicant.bp)
    app.register_blueprint(application.bp)
    app.register_blueprint(scan.bp)
    app.register_blueprint(dossier.bp)

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        """Tell a supervisor whether the kiosk can serve (database reachable)."""
        from sqlalchemy import text

        with db.get_engine(app).connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok"}, 200

    return app
