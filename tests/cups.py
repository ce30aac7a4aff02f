"""A real, private CUPS daemon whose queues write jobs to files (shared by the print tests).

`private_cupsd()` starts Debian's cupsd with its own ServerRoot in a temporary
directory, listening on a free loopback port, so it neither needs nor touches
the system's CUPS. A raw queue cannot use a file: device ("File devices cannot
be used with raw print queues", cups-files.conf(5)), so queues get a small PPD
that declares a PDF printer: CUPS runs pdftopdf (cups-filters) and writes PDF
to the file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CUPSD = shutil.which("cupsd") or "/usr/sbin/cupsd"
NEEDED = [CUPSD, "/usr/lib/cups/filter/pdftopdf"]
QUEUE = "guichet-test"
#: Requests above this size are refused by the test server (to provoke PrintFailed).
LIMIT_REQUEST_BODY = 256 * 1024

#: Why a private cupsd cannot run here, or None when it can.
UNAVAILABLE = (
    "CUPS is not installed (Debian: cups-daemon cups-client cups-filters)"
    if not all(Path(p).exists() for p in NEEDED)
    or not all(shutil.which(c) for c in ("lp", "lpstat", "lpadmin"))
    else "the private cupsd runs its filters as user lp: run the tests as root"
    if os.geteuid() != 0
    else None
)

PPD = """*PPD-Adobe: "4.3"
*FormatVersion: "4.3"
*FileVersion: "1.0"
*LanguageVersion: English
*LanguageEncoding: ISOLatin1
*PCFileName: "GUICHET.PPD"
*Manufacturer: "Guichet"
*Product: "(Guichet test PDF printer)"
*ModelName: "Guichet test PDF printer"
*ShortNickName: "Guichet test PDF printer"
*NickName: "Guichet test PDF printer"
*PSVersion: "(3010.000) 0"
*LanguageLevel: "3"
*ColorDevice: False
*DefaultColorSpace: Gray
*FileSystem: False
*Throughput: "1"
*LandscapeOrientation: Plus90
*TTRasterizer: Type42
*cupsVersion: 2.4
*cupsFilter2: "application/vnd.cups-pdf application/pdf 0 -"
*OpenUI *PageSize/Media Size: PickOne
*OrderDependency: 10 AnySetup *PageSize
*DefaultPageSize: A4
*PageSize A4/A4: ""
*CloseUI: *PageSize
*OpenUI *PageRegion/Media Size: PickOne
*OrderDependency: 10 AnySetup *PageRegion
*DefaultPageRegion: A4
*PageRegion A4/A4: ""
*CloseUI: *PageRegion
*DefaultImageableArea: A4
*ImageableArea A4/A4: "0 0 595 842"
*DefaultPaperDimension: A4
*PaperDimension A4/A4: "595 842"
"""


@dataclass
class Cups:
    server: str
    root: Path

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [args[0], "-h", self.server, *args[1:]],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "LC_ALL": "C"},
            check=False,
        )
        assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}\n{self.log()}"
        return done.stdout

    def add_queue(self, name: str) -> Path:
        output = self.root / f"{name}.out"
        ppd = self.root / "guichet-pdf.ppd"
        self.run("lpadmin", "-p", name, "-E", "-v", f"file://{output}", "-P", str(ppd))
        return output

    def wait_idle(self, queue: str, timeout: float = 20) -> None:
        """Wait until no job of `queue` is pending or printing."""
        deadline = time.monotonic() + timeout
        while self.run("lpstat", "-o", queue).strip():
            assert time.monotonic() < deadline, f"jobs still pending\n{self.log()}"
            time.sleep(0.1)

    def completed(self, queue: str) -> set[str]:
        lines = self.run("lpstat", "-W", "completed", "-o", queue).splitlines()
        return {line.split()[0] for line in lines if line.strip()}

    def log(self) -> str:
        path = self.root / "log" / "error_log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else "(no log)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(root: Path, port: int) -> None:
    (root / "cupsd.conf").write_text(
        f"""Listen 127.0.0.1:{port}
Browsing No
BrowseLocalProtocols none
DefaultShared No
WebInterface No
DefaultAuthType None
LogLevel info
MaxLogSize 0
# As on the kiosk: no copy of the documents is kept once printed.
PreserveJobFiles No
# Unlike the kiosk: keep the history, so the test can see jobs completed.
PreserveJobHistory Yes
LimitRequestBody {LIMIT_REQUEST_BODY}
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""
    )
    (root / "cups-files.conf").write_text(
        f"""FileDevice Yes
User lp
Group lp
SystemGroup root
ServerRoot {root}
DataDir /usr/share/cups
ServerBin /usr/lib/cups
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
TempDir {root}/tmp
Printcap {root}/printcap
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
"""
    )
    (root / "guichet-pdf.ppd").write_text(PPD)
    (root / "log").mkdir()
    # Filters run as lp: they need their temporary directory, and to reach it.
    (root / "tmp").mkdir()
    shutil.chown(root / "tmp", "root", "lp")
    (root / "tmp").chmod(0o1770)


@contextlib.contextmanager
def private_cupsd() -> Iterator[Cups]:
    """A private cupsd on a free loopback port, stopped at the end."""
    if UNAVAILABLE:
        pytest.skip(UNAVAILABLE)
    # Not pytest's tmp_path: its parents are 0700 and filters run as lp.
    root = Path(tempfile.mkdtemp(prefix="guichet-cups-"))
    root.chmod(0o755)
    port = free_port()
    _config(root, port)
    daemon = subprocess.Popen(
        [CUPSD, "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    cups = Cups(f"127.0.0.1:{port}", root)
    try:
        deadline = time.monotonic() + 15
        while True:
            if daemon.poll() is not None:
                output = daemon.stdout.read().decode() if daemon.stdout else ""
                pytest.fail(f"cupsd exited with {daemon.returncode}: {output}\n{cups.log()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"cupsd did not listen\n{cups.log()}"
                time.sleep(0.05)
        yield cups
    finally:
        daemon.terminate()
        try:
            daemon.wait(10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        if daemon.stdout:
            daemon.stdout.close()
        shutil.rmtree(root, ignore_errors=True)
