"""The speaker buttons' endpoint: the texts of a screen, read aloud in its language.

``POST /speech`` takes ``{"segments": ["text", ...]}`` (JSON, with the CSRF
token in the ``X-CSRFToken`` header, like every state change) and answers a
WAV file, never stored by the browser (``Cache-Control: no-store``). A
language without a voice, or espeak-ng failing, answers 503 with no page:
the button then shows its fallback (ask the mediator), never an error.
The texts travel in the request body, never in an address that could end in
a log or the browser's history.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request

from kiosk.i18n import current_language
from kiosk.speech import Speaker, SpeechCache, SpeechError

bp = Blueprint("read_aloud", __name__)
log = logging.getLogger("guichet")

#: What one request may ask to read: a whole screen, not a book.
MAX_SEGMENTS = 80
MAX_SEGMENT_CHARS = 1000
_lock = threading.Lock()


def speaker() -> Speaker:
    """The app's speaker, made on first use (it asks espeak-ng for its voices)."""
    with _lock:
        found = current_app.extensions.get("guichet.speaker")
        if found is None:
            found = Speaker(
                SpeechCache(Path(current_app.instance_path) / "speech-cache"),
                Path(current_app.config["TRANSLATIONS_DIR"]),
            )
            current_app.extensions["guichet.speaker"] = found
    return found


def read_aloud_available() -> bool:
    """Whether the screen's language has a voice on this kiosk (the templates ask)."""
    return speaker().voice(current_language().code) is not None


def _segments() -> list[str] | None:
    payload = request.get_json(silent=True)
    segments = payload.get("segments") if isinstance(payload, dict) else None
    if (
        not isinstance(segments, list)
        or not 0 < len(segments) <= MAX_SEGMENTS
        or not all(isinstance(one, str) and len(one) <= MAX_SEGMENT_CHARS for one in segments)
    ):
        return None
    return segments


@bp.post("/speech")
def speech() -> Response:
    """Read the screen's texts aloud in its language, as one WAV file."""
    segments = _segments()
    if segments is None:
        return Response(status=400)
    try:
        audio = speaker().speak(current_language().code, segments)
    except SpeechError as error:
        # Not an error for the applicant: the button says to ask the mediator.
        log.warning("read-aloud unavailable: %s", error)
        return Response(status=503)
    return Response(audio, mimetype="audio/wav")


def init_app(app: Flask) -> None:
    """Register the endpoint and tell the templates whether read-aloud works here."""
    app.register_blueprint(bp)
    app.jinja_env.globals["read_aloud_available"] = read_aloud_available
    # The page trims what it sends to what this endpoint accepts (read-aloud.js).
    app.jinja_env.globals["read_aloud_limits"] = {
        "segments": MAX_SEGMENTS,
        "chars": MAX_SEGMENT_CHARS,
    }
