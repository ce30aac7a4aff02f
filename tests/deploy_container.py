"""A fresh Debian 12 booted in a container, for the provisioning test.

The root is an overlay on top of a cached debootstrap root
(`deploy/fetch-debs.sh` makes it, with the Debian packages provisioning
needs), so every test starts from the same fresh system and leaves the cache
untouched. systemd-nspawn boots it with systemd as PID 1 and no network
(--private-network: the bundle must install offline); commands run inside it
through nsenter. With it, the helpers of the provisioning test: the bundle
(built again when stale), the headless stand-in for the kiosk's screen, and
a release that cannot start, for the rollback.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: Where the debootstrap root and the Debian packages are kept between runs.
CACHE = Path(os.environ.get("GUICHET_TEST_CACHE", "/var/cache/guichet-test"))
TOOLS = ("debootstrap", "systemd-nspawn", "nsenter", "dpkg-scanpackages")


def unavailable() -> str | None:
    """Why the container cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "boots a container: run as root (as CI does)"
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        return f"missing {', '.join(missing)}: run `make test`, which installs them"
    return None


def prepare_cache() -> Path:
    """The cached fresh root and packages (made on the first run; needs the Debian mirror)."""
    subprocess.run([str(REPO / "deploy" / "fetch-debs.sh"), str(CACHE)], check=True)
    return CACHE


@dataclass
class Result:
    """What a command inside the container did."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float


class Container:
    """A booted Debian 12 container; `run` executes a command inside it."""

    def __init__(self, root: Path, process: subprocess.Popen[bytes], log: Path) -> None:
        self.root = root
        self.process = process
        self.log = log
        self.leader = 0

    def wait_booted(self, timeout: float = 120) -> None:
        """Wait for systemd inside to finish starting up."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and not self.leader:
            if self.process.poll() is not None:
                raise RuntimeError(f"the container stopped: {self.log.read_text()[-3000:]}")
            children = subprocess.run(
                ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
            ).stdout.split()
            for pid in children:
                try:
                    name = Path(f"/proc/{pid}/comm").read_text().strip()
                except FileNotFoundError:
                    continue  # one of nspawn's short-lived helpers, gone already
                if name == "systemd":
                    self.leader = int(pid)
            time.sleep(0.2)
        if not self.leader:
            raise RuntimeError("systemd did not start in the container")
        while True:
            left = max(1, int(end - time.monotonic()))
            # "degraded" (some unit failed, as some do in a container) is booted too.
            state = self.run("timeout", str(left), "systemctl", "is-system-running", "--wait")
            # Until systemd has made its bus socket, systemctl cannot ask it anything.
            if "Failed to connect to bus" not in state.stderr or time.monotonic() > end:
                break
            time.sleep(0.2)
        if state.stdout.strip() not in ("running", "degraded"):
            raise RuntimeError(f"the container did not boot: {state.stdout} {state.stderr}")

    def run(self, *command: str, timeout: float = 600) -> Result:
        """Run a command inside the container (all its namespaces, as root)."""
        start = time.monotonic()
        done = subprocess.run(
            ["nsenter", "-t", str(self.leader), "-a", "--", *command],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "TERM": "dumb"},
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr, time.monotonic() - start)

    def check(self, *command: str, timeout: float = 600) -> str:
        """Run a command that must succeed; return its output."""
        result = self.run(*command, timeout=timeout)
        if result.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result.stdout

    def stop(self) -> None:
        """Power the container off (SIGTERM to nspawn), killing it if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


@contextlib.contextmanager
def booted(work: Path, cache: Path, *binds: tuple[Path, str]) -> Iterator[Container]:
    """Boot an overlay of the cached fresh root; yield it; power it off and unmount."""
    upper, scratch, root = work / "upper", work / "scratch", work / "root"
    for folder in (upper, scratch, root):
        folder.mkdir(parents=True)
    lower = cache / "bookworm"
    subprocess.run(
        ["mount", "-t", "overlay", "overlay", "-o",
         f"lowerdir={lower},upperdir={upper},workdir={scratch}", str(root)],
        check=True,
    )  # fmt: skip
    log = work / "console.log"
    container = None
    try:
        arguments = [
            "systemd-nspawn", "--quiet", "--boot", "--register=no", "--keep-unit",
            "--private-network", "--console=passive", f"--directory={root}",
            # The kiosk screen needs a GPU and a tty: enabled, checked, not started.
            f"--machine=guichet-test-{os.getpid()}",
        ]  # fmt: skip
        arguments += [f"--bind-ro={source}:{target}" for source, target in binds]
        with open(log, "wb") as console:
            process = subprocess.Popen(
                arguments,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
            )
        container = Container(root, process, log)
        container.wait_booted()
        yield container
    finally:
        if container is not None:
            container.stop()
        subprocess.run(["umount", "-l", str(root)], check=False)


#: What the bundle is made from: an archive older than any of these is stale.
BUNDLE_SOURCES = ("deploy", "kiosk", "forms", "scanning", "translations", "pyproject.toml")


def current_bundle() -> Path:
    """dist/guichet-VERSION-bundle.tar.gz (make test builds it first), built again if stale."""
    times = []
    for name in BUNDLE_SOURCES:
        top = REPO / name
        paths = [top] if top.is_file() else top.rglob("*")
        # (Bytecode that running the tests writes is not a source.)
        sources = [path for path in paths if path.is_file() and path.suffix != ".pyc"]
        times += [path.stat().st_mtime for path in sources]
    found = sorted((REPO / "dist").glob("guichet-*[0-9]-bundle.tar.gz"))
    if not found or found[-1].stat().st_mtime < max(times):
        subprocess.run([str(REPO / "deploy" / "bundle.sh")], cwd=REPO, check=True)
        found = sorted((REPO / "dist").glob("guichet-*[0-9]-bundle.tar.gz"))
    return found[-1]


HEALTHZ = (
    "import json, urllib.request, urllib.error\n"
    "try:\n"
    "    answer = urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=10)\n"
    "except urllib.error.HTTPError as error:\n"
    "    answer = error\n"
    "print(json.dumps({'status': answer.status, 'body': json.loads(answer.read())}))\n"
)


#: The container has no screen, GPU, input device or tty1: wlroots' headless
#: backend and software renderer stand in for them (the hardware edge). All
#: the rest is guichet-kiosk.service as installed: user, PAM session, cage,
#: Chromium and its flags, the profile on tmpfs, Restart=.
HEADLESS = (
    "[Service]\n"
    "TTYPath=\nStandardInput=null\nTTYReset=no\nTTYVHangup=no\nTTYVTDisallocate=no\n"
    "UtmpIdentifier=\n"
    "Environment=WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman\n"
)


@contextlib.contextmanager
def drop_in_for_the_test(box: Container, unit: str, text: str) -> Iterator[None]:
    """`text` as a drop-in of `unit` in /run (gone at the next boot too); removed on leaving."""
    folder = f"/run/systemd/system/{unit}.d"
    box.check("mkdir", "-p", folder)
    box.check("sh", "-c", 'printf "%s" "$1" > "$2"', "sh", text, f"{folder}/test.conf")
    box.check("systemctl", "daemon-reload")
    try:
        yield
    finally:
        box.run("rm", "-rf", folder)
        box.run("systemctl", "daemon-reload")


def browser_on_the_kiosk(box: Container, timeout: float = 90) -> int:
    """The pid of the Chromium that holds a connection to 127.0.0.1:8080 (0: none in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sockets = box.run("ss", "-Htnp", "state", "established", "( dport = :8080 )").stdout
        found = re.search(r'\("chromium",pid=(\d+)', sockets)
        if found:
            return int(found.group(1))
        time.sleep(1)
    return 0


def started_by_cage(box: Container, pid: int) -> int:
    """The browser process cage started, above `pid` (one of its helpers) or `pid` itself."""
    while pid > 1:
        parent = int(box.check("ps", "-o", "ppid=", "-p", str(pid)))
        if box.check("ps", "-o", "comm=", "-p", str(parent)).strip() == "cage":
            return pid
        pid = parent
    raise AssertionError("no cage above the browser")


def a_broken_release(bundle: Path, name: str) -> None:
    """Make the unpacked bundle `bundle` a new release whose application cannot start."""
    wheel = next((bundle / "wheels").glob("guichet-*.whl"))
    broken = wheel.with_name("broken.zip")
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "kiosk/__init__.py":
                data += b"\nraise RuntimeError('a release that cannot start (rollback test)')\n"
            target.writestr(item, data, zipfile.ZIP_DEFLATED)
    broken.replace(wheel)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    pins = (bundle / "requirements.txt").read_text(encoding="utf-8")
    pins = re.sub(
        r"^(guichet==\S+) --hash=sha256:\w+$", rf"\1 --hash=sha256:{digest}", pins, flags=re.M
    )
    (bundle / "requirements.txt").write_text(pins, encoding="utf-8")
    (bundle / "VERSION").write_text(f"{name}\n", encoding="utf-8")
    files = sorted(p for p in bundle.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    sums = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(bundle)}\n" for p in files
    )
    (bundle / "SHA256SUMS").write_text(sums, encoding="utf-8")


@dataclass
class Provisioned:
    """The booted container after two runs of provision.sh."""

    container: Container
    release: str
    first: Result
    second: Result

    def stat(self, path: str) -> str:
        return self.container.check("stat", "-c", "%a %U %G", path).strip()


def changes(result: Result) -> int:
    found = re.search(r"^Guichet kiosk: release \S+, (\d+) change\(s\)\.$", result.stdout, re.M)
    assert found, result.stdout[-3000:]
    return int(found.group(1))
