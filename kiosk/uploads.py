"""File uploads: held in memory, bounded per route, never spooled to disk in clear.

Werkzeug writes any upload over 500 kB to a temporary file, and waitress
buffers any request body over 512 kB in one too: a passport photo would then
sit on disk, unencrypted, outside the instance folder. Here the request class
keeps every uploaded file in memory, and `waitress_options` raises waitress's
thresholds so it never spools either.

The whole app refuses bodies over ``MAX_FORM_BYTES``; a view that accepts a
file declares its own limit with `upload_limit`, which the request reads
before anything (the CSRF check included) parses the body. A body over that
limit sends the applicant back to `back_endpoint` with a message, not to an
error page.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from flask import Request, current_app

from scanning.intake import IntakeLimits

F = TypeVar("F", bound=Callable[..., Any])

#: Room for the multipart framing and the other fields (CSRF token) around a file.
MULTIPART_OVERHEAD = 64 * 1024
#: Werkzeug's multipart decoder holds each 64 kB read plus the tail it keeps to find
#: the next boundary under `max_form_memory_size`, file parts included: a route
#: that takes files needs more than the 64 kB the other forms get.
UPLOAD_FORM_MEMORY = 256 * 1024
#: Output waitress keeps in memory before it would use a temporary file: above its
#: high watermark (16 MB), which makes the view wait instead, so it never spools.
WAITRESS_OUTPUT_BYTES = 64 * 1024 * 1024
_ATTRIBUTE = "guichet_upload_limit"


@dataclass(frozen=True)
class UploadLimit:
    """The setting that bounds a view's body, where to go back when over it, and what to say.

    `message` is a gettext message id; ``%(size)d`` is the limit in megabytes.
    """

    setting: str
    back_endpoint: str
    message: str


def upload_limit(setting: str, back_endpoint: str, message: str) -> Callable[[F], F]:
    """Let a view accept a body up to the ``setting`` bytes (plus the multipart framing).

    `back_endpoint` takes the same URL values as the view; a body over the
    limit is answered by a redirect there, with `message` (a message id).
    """

    def mark(view: F) -> F:
        setattr(view, _ATTRIBUTE, UploadLimit(setting, back_endpoint, message))
        return view

    return mark


def declared_limit(endpoint: str | None) -> UploadLimit | None:
    """The upload limit a view declared, if any (None outside an app context)."""
    if not endpoint or not current_app:
        return None
    view = current_app.view_functions.get(endpoint)
    limit = getattr(view, _ATTRIBUTE, None)
    return limit if isinstance(limit, UploadLimit) else None


class InMemoryRequest(Request):
    """A Flask request that keeps uploaded files in memory, within the view's limit."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        # Bounded by max_content_length, which Werkzeug enforces while reading.
        return io.BytesIO()

    @property
    def max_content_length(self) -> int | None:
        """The app's limit, or the larger one the matched view declared."""
        if self._max_content_length is not None:
            return self._max_content_length
        declared = declared_limit(self.endpoint)
        if declared is not None:
            return int(current_app.config[declared.setting]) + MULTIPART_OVERHEAD
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        """The app's limit on a text field, raised for views that take files (see above)."""
        if self._max_form_memory_size is not None:
            return self._max_form_memory_size
        base = super().max_form_memory_size
        if base is not None and declared_limit(self.endpoint) is not None:
            return max(base, UPLOAD_FORM_MEMORY)
        return base

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value


def largest_body(config: Mapping[str, Any]) -> int:
    """The largest request body any view accepts (the server refuses larger ones itself)."""
    return max(int(config["MAX_FORM_BYTES"]), int(config["IMPORT_MAX_BYTES"]) + MULTIPART_OVERHEAD)


def waitress_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """Options for waitress: bodies and responses in memory, no traceback ever shown.

    Twice the largest upload is accepted by waitress, so that a file somewhat
    too large still reaches the app, which explains it; anything larger gets
    waitress's own refusal.
    """
    body = 2 * largest_body(config)
    return {
        "threads": config["THREADS"],
        "ident": "Guichet",
        "max_request_body_size": body,
        "inbuf_overflow": body,
        "outbuf_overflow": WAITRESS_OUTPUT_BYTES,
        "expose_tracebacks": False,
    }


def intake_limits(config: Mapping[str, Any]) -> IntakeLimits:
    """The limits an imported picture must meet, from the settings."""
    return IntakeLimits(
        max_bytes=int(config["IMPORT_MAX_BYTES"]), max_pixels=int(config["IMPORT_MAX_PIXELS"])
    )
