"""Send the dossier to an organisation's server over HTTPS.

One multipart/form-data POST carries the manifest (part "manifest") and every
file (parts "files"), so the server receives the dossier whole or not at all.
Only the standard library is used. The server's certificate is always checked;
plain HTTP is refused except on the loopback, for tests.
"""

from __future__ import annotations

import http.client
import secrets
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from forms.dossier.package import MANIFEST, DossierFile, manifest, version
from kiosk.delivery.errors import AddressNotAllowed, UploadFailed
from kiosk.delivery.safefiles import check_name

#: Plain HTTP is only for a test server on this machine.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
#: How much of the server's answer is kept (for the logs and the staff).
BODY_LIMIT = 2048

# Indirection so that tests can record the delays instead of waiting.
_sleep = time.sleep


@dataclass(frozen=True)
class UploadResult:
    """The server's answer to a successful upload."""

    status: int
    attempts: int
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects, so that a 3xx answer fails the upload.

    Following one, urllib would resend the Authorization header to the new
    host, possibly over plain HTTP, and turn the POST into an empty GET.
    """

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        """Follow no redirect."""
        return None


def check_url(url: str) -> str:
    """Return `url` if uploads may go there, else raise AddressNotAllowed."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host in LOOPBACK:
        return url
    raise AddressNotAllowed(f"upload address refused: {url!r}")


def _part_header(name: str, filename: str, media_type: str) -> str:
    """Headers of one form part; names were checked, quotes escaped as browsers do."""
    filename = filename.replace('"', "%22")
    return (
        f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: {media_type}\r\n\r\n"
    )


def multipart_body(manifest_file: DossierFile, files: Sequence[DossierFile]) -> tuple[bytes, str]:
    """Build the multipart/form-data body.

    Returns:
        The body and its Content-Type header value (with the boundary).
    """
    parts = [("manifest", manifest_file)] + [("files", one) for one in files]
    while True:
        boundary = f"guichet-{secrets.token_hex(16)}"
        # A random 128-bit boundary inside a file is practically impossible;
        # checking costs little and makes it impossible.
        if not any(boundary.encode() in one.data for _, one in parts):
            break
    chunks = []
    for name, one in parts:
        chunks.append(f"--{boundary}\r\n".encode())
        chunks.append(_part_header(name, check_name(one.name), one.media_type).encode())
        chunks.append(one.data)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def upload(
    url: str,
    files: Sequence[DossierFile],
    token: str | None,
    ca_file: str | None = None,
    retries: int = 3,
    timeout: float = 30,
    backoff: float = 1.0,
) -> UploadResult:
    """Upload the dossier in one POST, retrying when the server is briefly away.

    Args:
        url: The server's address; https, or http on the loopback for tests.
        files: The dossier's files; its manifest.json goes in the "manifest"
            part (one is made on the spot if missing), the others in "files".
        token: Sent as "Authorization: Bearer TOKEN" when given.
        ca_file: PEM file of the certificate authorities to trust; None for
            the system's.
        retries: How many times to try again after the first attempt, on a
            connection error or a 5xx answer. 4xx answers are not retried.
        timeout: Seconds to wait for the connection and for each read.
        backoff: The n-th retry waits backoff·2^n seconds (n from 0).

    Returns:
        The status, the number of attempts and the start of the answer.

    Raises:
        AddressNotAllowed: The URL is neither https nor loopback http.
        UploadFailed: The server refused, or could not be reached after the
            last try, or its certificate is not trusted.
    """
    check_url(url)
    manifest_file = next((one for one in files if one.name == MANIFEST), None)
    if manifest_file is None:
        manifest_file = manifest(list(files), {})
    body, content_type = multipart_body(
        manifest_file, [one for one in files if one.name != MANIFEST]
    )
    headers = {
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "User-Agent": f"Guichet/{version()}",
        "Accept": "*/*",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    context = ssl.create_default_context(cafile=ca_file)
    # No ProxyHandler settings from the environment: personal data goes
    # straight to the configured server, never through an unexpected proxy.
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPSHandler(context=context),
        _NoRedirect(),
    )
    last, status = "", None
    for attempt in range(retries + 1):
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with opener.open(request, timeout=timeout) as response:
                return UploadResult(response.status, attempt + 1, response.read(BODY_LIMIT))
        except urllib.error.HTTPError as exc:
            status, last = exc.code, f"HTTP {exc.code} {exc.reason}: {_peek(exc)!r}"
            if exc.code < 500:
                # The server understood and said no: sending again cannot help.
                raise UploadFailed(last, status) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, ssl.SSLError):
                # An untrusted certificate will not become trusted by retrying.
                raise UploadFailed(f"certificate/TLS: {exc.reason}") from exc
            status, last = None, f"connection: {exc.reason}"
        except (OSError, http.client.HTTPException) as exc:
            # Reset or timed out mid-answer. The server may have the dossier
            # already; it can tell a repeat by the manifest's reference.
            status, last = None, f"connection: {exc!r}"
        if attempt < retries:
            _sleep(backoff * 2**attempt)
    raise UploadFailed(f"after {retries + 1} attempts: {last}", status)


def _peek(error: urllib.error.HTTPError) -> bytes:
    """The start of an error answer, for the logs."""
    try:
        return error.read(BODY_LIMIT)
    except (OSError, http.client.HTTPException):
        return b""
    finally:
        error.close()
