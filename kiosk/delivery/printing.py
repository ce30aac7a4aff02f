"""Print the dossier's PDFs on a CUPS queue.

The PDFs hold personal data, so they never touch the kiosk's disk: each one is
fed to `lp` on its standard input. `lp` and `lpstat` are always called with a
list of arguments, never through a shell (kiosk-security.md §2). The CUPS
server itself must be set with `PreserveJobFiles No` so that it does not keep
the spooled copies either.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence

from forms.dossier.package import DossierFile
from kiosk.delivery.errors import PrinterUnavailable, PrintFailed

PDF = "application/pdf"

#: CUPS queue names: printable, no space, "/", "#" or "\\"; we also refuse a
#: leading "-" so that a name can never be read as an option.
_QUEUE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,126}")
_SERVER = re.compile(r"[A-Za-z0-9_./:\[\]-]+")
_REQUEST_ID = re.compile(r"request id is (\S+)")


def _env() -> dict[str, str]:
    """The environment for CUPS commands: the C locale, so their output parses."""
    return {**os.environ, "LC_ALL": "C", "LANG": "C", "LANGUAGE": "C"}


def _server_args(server: str | None) -> list[str]:
    """`-h SERVER` when a server is given, else the system's default."""
    if server is None:
        return []
    if not _SERVER.fullmatch(server) or server.startswith("-"):
        raise PrinterUnavailable(f"malformed CUPS server in the settings: {server!r}")
    return ["-h", server]


def _check_queue(queue: str) -> None:
    if not _QUEUE.fullmatch(queue):
        raise PrinterUnavailable(f"malformed CUPS queue name in the settings: {queue!r}")


def _probe(queue: str, server: str | None, timeout: float) -> tuple[str, bool, str]:
    """Ask CUPS about a queue.

    Returns:
        The state ("idle", "printing", "disabled" or "missing"), whether the
        queue accepts jobs, and lpstat's output for the logs.
    """
    try:
        _check_queue(queue)
        command = ["lpstat", *_server_args(server), "-p", queue, "-a", queue]
    except PrinterUnavailable as exc:
        return "missing", False, exc.detail
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=timeout, env=_env(), check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return "missing", False, f"lpstat: {exc}"
    output = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
    if done.returncode != 0:
        # An unknown queue and an unreachable server both mean: cannot print here.
        return "missing", False, output
    state, accepting = "missing", False
    for line in output.splitlines():
        if line.startswith(f"printer {queue} "):
            rest = line[len(f"printer {queue} ") :]
            if rest.startswith("disabled"):
                state = "disabled"
            elif rest.startswith("now printing"):
                state = "printing"
            elif rest.startswith("is idle"):
                state = "idle"
        elif line.startswith(f"{queue} accepting requests"):
            accepting = True
    return state, accepting, output


def queue_status(queue: str, server: str | None = None, timeout: float = 10) -> str:
    """Tell whether a queue can print, for the health check.

    Args:
        queue: The CUPS queue's name.
        server: "host[:port]" of the CUPS server; None for the system's default.
        timeout: Seconds to wait for lpstat.

    Returns:
        "idle", "printing", "disabled" (stopped, or refusing jobs) or "missing"
        (no such queue, or no CUPS server answering).
    """
    state, accepting, _ = _probe(queue, server, timeout)
    if state in ("idle", "printing") and not accepting:
        return "disabled"
    return state


def print_files(
    files: Sequence[DossierFile], queue: str, server: str | None = None, timeout: float = 60
) -> list[str]:
    """Print every PDF of the dossier, in order, one job per file.

    Files of another type (the manifest, images) are skipped: only PDFs are
    laid out for paper.

    Args:
        files: The dossier's files.
        queue: The CUPS queue's name.
        server: "host[:port]" of the CUPS server; None for the system's default.
        timeout: Seconds to wait for each `lp` call.

    Returns:
        The CUPS job ids, such as "kiosk-12", one per PDF.

    Raises:
        PrinterUnavailable: The queue does not exist, is stopped or refuses
            jobs, its name is malformed, or CUPS is not installed; nothing was
            sent.
        PrintFailed: `lp` failed; `submitted` lists the jobs sent before.
    """
    pdfs = [one for one in files if one.media_type == PDF]
    if not pdfs:
        return []
    # Check first: a stopped queue would take the jobs and keep them, and the
    # applicant would leave thinking the papers were coming.
    state, accepting, detail = _probe(queue, server, timeout)
    if state not in ("idle", "printing") or not accepting:
        raise PrinterUnavailable(f"queue {queue}: {state}, accepting={accepting}: {detail}")
    jobs: list[str] = []
    for one in pdfs:
        command = [
            "lp",
            *_server_args(server),
            "-d",
            queue,
            "-o",
            "media=A4",
            "-o",
            "sides=one-sided",
            "-t",
            one.name,
            "-",  # read the document from standard input: no copy on disk
        ]
        try:
            done = subprocess.run(
                command,
                input=one.data,
                capture_output=True,
                timeout=timeout,
                env=_env(),
                check=False,
            )
        except FileNotFoundError as exc:
            raise PrinterUnavailable(f"lp is not installed: {exc}") from exc
        except (OSError, subprocess.SubprocessError) as exc:
            raise PrintFailed(f"{one.name}: {exc}", jobs) from exc
        output = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
        match = _REQUEST_ID.search(output)
        if done.returncode != 0 or match is None:
            raise PrintFailed(f"{one.name}: lp exited {done.returncode}: {output}", jobs)
        jobs.append(match.group(1))
    return jobs
