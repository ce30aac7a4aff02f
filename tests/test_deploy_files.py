"""The deploy/ files checked where they lie, without a container (seconds).

shellcheck on every shell script of the project, `systemd-analyze security
--offline=yes` on the Guichet service (exposure 2.0 or less, with a check that
the same command does reject a unit that is not hardened), and the Debian
packages a kiosk gets against those the application needs. The provisioning
test (test_deploy_provision.py) then checks the same files installed on a
fresh Debian 12: `systemd-analyze verify` there sees every command they name.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
SKIP_FOLDERS = {".git", ".venv", "build", "dist", "node_modules", ".mypy_cache", ".ruff_cache"}


def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is missing: run `make test`, which installs it")
    return found


def shell_scripts() -> list[Path]:
    """Every file of the project whose first line starts a POSIX shell or bash."""
    scripts = []
    for path in sorted(REPO.rglob("*")):
        if SKIP_FOLDERS.intersection(path.relative_to(REPO).parts) or not path.is_file():
            continue
        with open(path, "rb") as handle:
            first = handle.readline(100)
        if re.match(rb"#!\s*/(usr/)?bin/(env )?(ba)?sh\b", first):
            scripts.append(path)
    return scripts


def test_every_shell_script_passes_shellcheck() -> None:
    scripts = shell_scripts()
    names = {path.relative_to(REPO).as_posix() for path in scripts}
    assert {"deploy/provision.sh", "deploy/bundle.sh", "deploy/fetch-debs.sh"} <= names
    # -x: follow `. FILE` (provision.sh reads its site settings that way).
    done = subprocess.run(
        [tool("shellcheck"), "-x", "--severity=style", *map(str, scripts)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stdout
    for path in scripts:
        if path.parent == DEPLOY:
            assert path.stat().st_mode & 0o111, f"{path.name} is not executable"


def exposure(unit: Path) -> tuple[float, int]:
    """The overall exposure `systemd-analyze security --offline=yes` gives, and its exit code."""
    done = subprocess.run(
        [tool("systemd-analyze"), "security", "--offline=yes", "--threshold=20", "--no-pager"]
        + [str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", done.stdout)
    assert found, done.stdout[-2000:] + done.stderr[-2000:]
    return float(found.group(1)), done.returncode


def test_the_guichet_service_exposure_is_at_most_2() -> None:
    score, code = exposure(DEPLOY / "systemd" / "guichet.service")
    assert score <= 2.0 and code == 0, score
    # The purge runs the same code on the same data, offline.
    assert exposure(DEPLOY / "systemd" / "guichet-purge.service")[0] <= 2.0


def test_the_exposure_check_rejects_a_service_without_its_hardening(tmp_path: Path) -> None:
    source = (DEPLOY / "systemd" / "guichet.service").read_text(encoding="utf-8")
    kept = [
        line
        for line in source.splitlines()
        if not re.match(r"(Protect|Private|Restrict|NoNew|Capability|SystemCall)", line)
    ]
    bare = tmp_path / "guichet.service"
    bare.write_text("\n".join(kept) + "\n", encoding="utf-8")
    score, code = exposure(bare)
    assert score > 2.0 and code != 0, score


def listed(path: Path) -> set[str]:
    words = re.sub(r"#.*", "", path.read_text(encoding="utf-8")).split()
    return set(words)


def test_a_kiosk_gets_every_debian_package_the_application_runs_with() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^RUN_DEBS\s*:=\s*((?:.*\\\n)*.*)$", makefile, re.M)
    assert found, "RUN_DEBS is no longer in the Makefile"
    run_debs = set(found.group(1).replace("\\\n", " ").split())
    packages = listed(DEPLOY / "packages.txt")
    assert run_debs - packages == set(), "add them to deploy/packages.txt"
    assert {"cage", "xwayland", "chromium", "cups", "usbguard", "unattended-upgrades"} <= packages


def test_the_units_name_files_the_bundle_installs() -> None:
    # /opt/guichet/current is the installed release: a venv and a copy of deploy/.
    for unit in (DEPLOY / "systemd").iterdir():
        for path in re.findall(r"/opt/guichet/current/(\S+)", unit.read_text(encoding="utf-8")):
            if path.startswith("deploy/"):
                assert (REPO / path).is_file(), f"{unit.name}: {path}"
            else:
                assert path.split("/")[0] in ("venv", "translations"), f"{unit.name}: {path}"


def test_the_site_settings_file_is_one_the_application_accepts(tmp_path: Path) -> None:
    from kiosk import config

    shutil.copy(DEPLOY / "etc" / "guichet" / "guichet.toml", tmp_path / config.INSTANCE_FILE)
    values = config.load_settings(tmp_path, {}, None)  # raises on an unknown or mistyped key
    assert values["CAMERA"].startswith("v4l2:") and values["PRINTER_QUEUE"] == "guichet"


def test_every_installed_package_is_held_to_its_tested_version() -> None:
    # make install holds every package to deploy/constraints.txt: a package
    # added to pyproject.toml without `make constraints` would be installed
    # at whatever version is newest that day, and the figures in
    # bench/RESULTS.md and the scenes the tests draw move with OpenCV's.
    from importlib import metadata

    from packaging.utils import canonicalize_name

    held = {}
    for line in (DEPLOY / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            held[canonicalize_name(name)] = version.strip()
    tools = {"pip", "setuptools", "wheel", "guichet"}
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()
    }
    unheld = sorted(set(installed) - set(held) - tools)
    assert unheld == [], "run `make constraints`: not held in deploy/constraints.txt"
    moved = {
        name: (version, held[name])
        for name, version in installed.items()
        if name in held and held[name] != version
    }
    assert moved == {}, "installed (first) and held versions differ: run `make install-test`"
