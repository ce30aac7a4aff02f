"""Uploading the dossier to a real local HTTPS server with its own certificate.

The server runs in a thread (http.server + ssl) with a self-signed certificate
made here with `cryptography`, parses the multipart body with the `email`
package, and checks the manifest and each file's SHA-256 as a receiving
organisation would.
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import hashlib
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from forms.dossier.package import MANIFEST, DossierFile, manifest, verify
from kiosk.delivery import upload as upload_module
from kiosk.delivery.errors import AddressNotAllowed, UploadFailed
from kiosk.delivery.upload import upload


def _certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1; returns (certificate, key) PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{name}.pem", directory / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class Received:
    """What the server saw, request by request."""

    answers: list[int]
    requests: list[dict[str, Any]] = field(default_factory=list)


def _parse(content_type: str, body: bytes) -> list[tuple[str, str, str, bytes]]:
    """(field name, file name, media type, data) of each part of a multipart body."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    assert message.is_multipart()
    return [
        (
            part.get_param("name", header="content-disposition"),
            part.get_filename(),
            part.get_content_type(),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    ]


def _handler(received: Received) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            parts = _parse(self.headers["Content-Type"], body)
            manifests = [p for p in parts if p[0] == "manifest"]
            files = {p[1]: p[3] for p in parts if p[0] == "files"}
            listed = json.loads(manifests[0][3])["files"]
            received.requests.append(
                {
                    "authorization": self.headers.get("Authorization"),
                    "parts": parts,
                    "problems": verify(files, manifests[0][3]),
                    "hashes_ok": all(
                        hashlib.sha256(files[e["name"]]).hexdigest() == e["sha256"] for e in listed
                    ),
                }
            )
            status = received.answers.pop(0) if received.answers else 200
            reply = json.dumps({"received": sorted(files)}).encode()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://example.org/elsewhere")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output quiet

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # refused TLS handshakes are expected in the wrong-CA test


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pytest.importorskip("cryptography", reason="cryptography is a test dependency")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = _certificate(directory, "server")
    other, _ = _certificate(directory, "other")
    return {"cert": cert, "key": key, "other": other}


@pytest.fixture
def server(certificates: dict[str, Path]) -> Iterator[tuple[str, Received]]:
    """An HTTPS server on a free loopback port; set `received.answers` to script it."""
    received = Received(answers=[])
    httpd = _Server(("127.0.0.1", 0), _handler(received))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates["cert"], certificates["key"])
    # Handshake in the request's thread, not in accept(), so a refused one
    # cannot block the server.
    httpd.socket = context.wrap_socket(
        httpd.socket, server_side=True, do_handshake_on_connect=False
    )
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}/dossiers", received
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def _dossier() -> list[DossierFile]:
    files = [
        DossierFile(
            "00-fiche.pdf", b"%PDF-1.4 fiche " + bytes(range(256)) * 40, "application/pdf", "Fiche"
        ),
        DossierFile("01-photo.jpg", b"\xff\xd8\xff" + b"\x00\r\n--" * 500, "image/jpeg", "Photo"),
    ]
    return [*files, manifest(files, {"reference": "ABC"})]


def test_the_dossier_arrives_whole_in_one_post(
    server: tuple[str, Received], certificates: dict[str, Path]
) -> None:
    url, received = server
    files = _dossier()

    result = upload(url, files, "s3cret", ca_file=str(certificates["cert"]))

    assert result.status == 200 and result.attempts == 1
    assert json.loads(result.body) == {"received": ["00-fiche.pdf", "01-photo.jpg"]}
    [request] = received.requests
    assert request["authorization"] == "Bearer s3cret"
    assert request["problems"] == [] and request["hashes_ok"]
    names = [(p[0], p[1], p[2]) for p in request["parts"]]
    assert names == [
        ("manifest", MANIFEST, "application/json"),
        ("files", "00-fiche.pdf", "application/pdf"),
        ("files", "01-photo.jpg", "image/jpeg"),
    ]
    assert request["parts"][0][3] == files[-1].data


def test_no_token_no_authorization_header(
    server: tuple[str, Received], certificates: dict[str, Path]
) -> None:
    url, received = server
    upload(url, _dossier(), None, ca_file=str(certificates["cert"]))
    assert received.requests[0]["authorization"] is None


def test_a_server_briefly_away_is_retried_with_backoff(
    server: tuple[str, Received], certificates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, received = server
    received.answers = [503, 503, 200]
    delays: list[float] = []
    monkeypatch.setattr(upload_module, "_sleep", delays.append)

    result = upload(url, _dossier(), "t", ca_file=str(certificates["cert"]), backoff=0.5)

    assert result.status == 200 and result.attempts == 3
    assert delays == [0.5, 1.0]
    assert len(received.requests) == 3 and all(r["problems"] == [] for r in received.requests)


def test_a_server_away_too_long_fails_after_the_last_try(
    server: tuple[str, Received], certificates: dict[str, Path]
) -> None:
    url, received = server
    received.answers = [502, 503, 500]
    with pytest.raises(UploadFailed) as raised:
        upload(url, _dossier(), "t", ca_file=str(certificates["cert"]), retries=2, backoff=0.01)
    assert raised.value.status == 500 and "after 3 attempts" in raised.value.detail
    assert len(received.requests) == 3


def test_a_refusal_is_not_retried(
    server: tuple[str, Received], certificates: dict[str, Path]
) -> None:
    url, received = server
    received.answers = [400]
    with pytest.raises(UploadFailed) as raised:
        upload(url, _dossier(), "t", ca_file=str(certificates["cert"]), backoff=0.01)
    assert raised.value.status == 400 and "400" in raised.value.detail
    assert len(received.requests) == 1


def test_a_redirect_is_not_followed(
    server: tuple[str, Received], certificates: dict[str, Path]
) -> None:
    # Following it would send the token to another host, over plain HTTP.
    url, received = server
    received.answers = [307]
    with pytest.raises(UploadFailed) as raised:
        upload(url, _dossier(), "t", ca_file=str(certificates["cert"]), backoff=0.01)
    assert raised.value.status == 307
    assert len(received.requests) == 1


def test_an_untrusted_certificate_is_refused(
    server: tuple[str, Received], certificates: dict[str, Path]
) -> None:
    url, received = server
    with pytest.raises(UploadFailed) as raised:
        upload(url, _dossier(), "t", ca_file=str(certificates["other"]), backoff=0.01)
    assert "certificate" in raised.value.detail.lower()
    assert received.requests == []


def test_nobody_listening_is_retried_then_fails(certificates: dict[str, Path]) -> None:
    with _Server(("127.0.0.1", 0), BaseHTTPRequestHandler) as idle:
        port = idle.server_address[1]
    # The port is closed now: every attempt is refused.
    with pytest.raises(UploadFailed) as raised:
        upload(f"https://127.0.0.1:{port}/", _dossier(), None, retries=1, backoff=0.01)
    assert raised.value.status is None and "after 2 attempts" in raised.value.detail


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/dossiers",
        "http://10.0.0.1/",
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "https:///no-host",
        "dossiers",
    ],
)
def test_addresses_that_are_not_https_are_refused(url: str) -> None:
    with pytest.raises(AddressNotAllowed):
        upload(url, _dossier(), "t")


def test_plain_http_on_the_loopback_is_allowed_for_tests() -> None:
    assert upload_module.check_url("http://127.0.0.1:8000/x") == "http://127.0.0.1:8000/x"
    assert upload_module.check_url("http://localhost/x") == "http://localhost/x"
