"""Provisioning a fresh Debian 12 with the bundle, in a booted container (slow: minutes).

`make bundle`'s archive is unpacked into a fresh debootstrap root booted with
systemd-nspawn without network, and deploy/provision.sh runs there twice with
the cached Debian packages (as from `make bundle-offline`). The tests then
look at what a kiosk PC would have: packages, files and their modes, users,
units, the running service and its confinement, the kiosk screen (cage and
Chromium), the ANEF folder shared with the browser's user, the purge, the
staff tools, the watchdog restarting a frozen server, and an update that
does not start being rolled back.

The cache (GUICHET_TEST_CACHE, default /var/cache/guichet-test, about 600 MB)
is made on the first run from the Debian mirror (deploy/fetch-debs.sh), then
reused.
"""

from __future__ import annotations

import json
import re
import shutil
import tarfile
import time
from collections.abc import Iterator

import pytest

from tests.deploy_container import (
    HEADLESS,
    HEALTHZ,
    REPO,
    Container,
    Provisioned,
    a_broken_release,
    booted,
    browser_on_the_kiosk,
    changes,
    current_bundle,
    drop_in_for_the_test,
    prepare_cache,
    started_by_cage,
    unavailable,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(unavailable() is not None, reason=unavailable() or ""),
]

ANEF = "https://administration-etrangers-en-france.interieur.gouv.fr"


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provisioned]:
    cache = prepare_cache()
    bundle = current_bundle()
    with booted(tmp_path_factory.mktemp("kiosk"), cache, (cache / "debs", "/srv/debs")) as box:
        with tarfile.open(bundle) as archive:
            archive.extractall(box.root / "root", filter="tar")
        release = next((box.root / "root").glob("guichet-*")).name
        command = (f"/root/{release}/deploy/provision.sh", "--debs", "/srv/debs")
        first = box.run(*command, timeout=1800)
        assert first.returncode == 0, f"{first.stdout[-6000:]}\n{first.stderr[-6000:]}"
        second = box.run(*command, timeout=600)
        yield Provisioned(box, release, first, second)


def test_first_run_provisions_and_reports_how_to_check(kiosk: Provisioned) -> None:
    assert changes(kiosk.first) > 20
    out = kiosk.first.stdout
    wanted = (REPO / "deploy" / "packages.txt").read_text(encoding="utf-8")
    packages = re.sub(r"#.*", "", wanted).split()
    assert f"installed {packages[0]} {packages[1]}" in out
    states = kiosk.container.check("dpkg-query", "-W", "-f=${Status}\\n", *packages)
    assert states.splitlines() == ["install ok installed"] * len(packages)
    assert f"installed /opt/guichet/releases/{kiosk.release}" in out
    assert "How to check:" in out and "systemd-analyze security guichet.service" in out
    print(f"first run: {kiosk.first.seconds:.0f} s, {changes(kiosk.first)} changes")


def test_second_run_changes_nothing(kiosk: Provisioned) -> None:
    assert kiosk.second.returncode == 0, kiosk.second.stderr[-3000:]
    assert changes(kiosk.second) == 0
    assert "changed:" not in kiosk.second.stdout
    print(f"second run: {kiosk.second.seconds:.0f} s")


def test_users_and_their_groups(kiosk: Provisioned) -> None:
    box = kiosk.container
    for user in ("guichet", "kiosk"):
        entry = box.check("getent", "passwd", user).strip().split(":")
        assert int(entry[2]) < 1000 and entry[6] == "/usr/sbin/nologin"
    assert "video" in box.check("id", "-nG", "guichet").split()
    assert "video" not in box.check("id", "-nG", "kiosk").split()


def test_installed_files_and_permissions(kiosk: Provisioned) -> None:
    box = kiosk.container
    expected = {
        "/etc/chromium/policies/managed/guichet.json": "644 root root",
        "/etc/usbguard/rules.conf": "600 root root",
        "/etc/credstore.encrypted": "700 root root",
        "/etc/credstore.encrypted/guichet-master.key": "600 root root",
        "/etc/guichet/guichet.toml": "644 root root",
        "/etc/guichet/provision.conf": "644 root root",
        "/var/lib/guichet": "700 guichet guichet",
        "/run/guichet-anef": "750 guichet kiosk",
        "/media/guichet": "755 root root",
        f"/opt/guichet/releases/{kiosk.release}/venv/bin/guichet": "755 root root",
        "/etc/systemd/system/guichet.service": "644 root root",
        "/etc/sysctl.d/90-guichet.conf": "644 root root",
        "/etc/systemd/logind.conf.d/90-guichet.conf": "644 root root",
    }
    assert {path: kiosk.stat(path) for path in expected} == expected
    assert box.check("readlink", "/opt/guichet/current").strip() == (
        f"/opt/guichet/releases/{kiosk.release}"
    )
    policy = json.loads(box.check("cat", "/etc/chromium/policies/managed/guichet.json"))
    assert policy["URLAllowlist"] == ["http://127.0.0.1:8080", ANEF]
    assert policy["DeveloperToolsAvailability"] == 2 and policy["URLBlocklist"][0] == "*"
    cups = box.check("cat", "/etc/cups/cupsd.conf").splitlines()
    assert "PreserveJobFiles No" in cups and "PreserveJobHistory No" in cups
    # The master key is sealed by systemd-creds under its name (32 random
    # bytes once opened), and never lies in the data folder.
    key = "/etc/credstore.encrypted/guichet-master.key"
    opened = box.run("sh", "-c", f"systemd-creds decrypt --name=master.key {key} - | wc -c")
    assert opened.stdout.strip() == "32", opened.stderr
    assert box.run("systemd-creds", "decrypt", "--name=other.key", key, "-").returncode != 0
    assert "keys" not in box.check("ls", "-A", "/var/lib/guichet").split()
    # Offline: nothing was added to apt's sources.
    assert "/srv/debs" not in box.check("grep", "-rh", "deb", "/etc/apt/")


def test_units_lockdown_and_timers(kiosk: Provisioned) -> None:
    box = kiosk.container
    for unit in (
        "guichet.service",
        "guichet-kiosk.service",
        "guichet-purge.timer",
        "guichet-anef-share.path",
        "usbguard.service",
    ):
        assert box.run("systemctl", "is-enabled", unit).stdout.strip() == "enabled", unit
    assert box.run("systemctl", "is-enabled", "ctrl-alt-del.target").stdout.strip() == "masked"
    assert box.check("systemctl", "get-default").strip() == "graphical.target"
    assert box.run("systemctl", "is-active", "guichet.service").stdout.strip() == "active"
    assert box.run("systemctl", "is-active", "guichet-purge.timer").stdout.strip() == "active"
    assert "OnCalendar=*-*-* 00:00:00" in box.check(
        "systemctl", "show", "-P", "TimersCalendar", "guichet-purge.timer"
    )
    # Security updates: installed every night at 02:30, by unattended-upgrades.
    assert "02:30:00" in box.check(
        "systemctl", "show", "-P", "TimersCalendar", "apt-daily-upgrade.timer"
    )
    apt = box.check("apt-config", "dump")
    assert 'APT::Periodic::Unattended-Upgrade "1";' in apt
    assert "Debian-Security" in box.check("cat", "/etc/apt/apt.conf.d/50unattended-upgrades")
    assert box.run("systemctl", "is-enabled", "seatd.service").returncode != 0  # not installed
    assert "kernel.sysrq = 0" in box.check("cat", "/etc/sysctl.d/90-guichet.conf")
    logind = box.check("cat", "/etc/systemd/logind.conf.d/90-guichet.conf")
    assert "NAutoVTs=0" in logind and "ReserveVT=0" in logind


def test_every_unit_verifies(kiosk: Provisioned) -> None:
    units = sorted(path.name for path in (REPO / "deploy" / "systemd").iterdir())
    paths = [f"/etc/systemd/system/{unit}" for unit in units if "@" not in unit]
    paths.append("/etc/systemd/system/guichet-usb-key@sda1.service")
    kiosk.container.check(
        "ln", "-sf", "guichet-usb-key@.service", "/etc/systemd/system/guichet-usb-key@sda1.service"
    )
    try:
        result = kiosk.container.run("systemd-analyze", "verify", *paths)
    finally:
        kiosk.container.run("rm", "-f", "/etc/systemd/system/guichet-usb-key@sda1.service")
    ours = [line for line in result.stderr.splitlines() if "guichet" in line]
    assert result.returncode == 0 and ours == [], result.stderr


def exposure(output: str) -> float:
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", output)
    assert found, output[-2000:]
    return float(found.group(1))


def test_service_exposure_is_at_most_2(kiosk: Provisioned) -> None:
    box = kiosk.container
    offline = box.run(
        "systemd-analyze",
        "security",
        "--offline=yes",
        "--threshold=20",
        "--no-pager",
        "/etc/systemd/system/guichet.service",
    )
    assert offline.returncode == 0 and exposure(offline.stdout) <= 2.0, offline.stdout[-2000:]
    loaded = box.run("systemd-analyze", "security", "--no-pager", "guichet.service")
    assert exposure(loaded.stdout) <= 2.0
    print(f"exposure: offline {exposure(offline.stdout)}, loaded unit {exposure(loaded.stdout)}")


def main_pid(box: Container) -> int:
    return int(box.check("systemctl", "show", "-P", "MainPID", "guichet.service").strip())


def test_the_running_service_is_confined_and_healthy(kiosk: Provisioned) -> None:
    box = kiosk.container
    answer = json.loads(box.check("python3", "-c", HEALTHZ))
    # No printer in the container: "degraded", still 200 (see kiosk/health.py).
    assert answer["status"] == 200, answer
    assert answer["body"]["checks"]["database"]["ok"] and answer["body"]["checks"]["disk"]["ok"]
    status = box.check("cat", f"/proc/{main_pid(box)}/status")
    assert re.search(r"^CapEff:\s+0+$", status, re.M)
    assert re.search(r"^NoNewPrivs:\s+1$", status, re.M)
    uid = box.check("id", "-u", "guichet").strip()
    assert re.search(rf"^Uid:\s+{uid}\s", status, re.M)
    # ProtectSystem=strict: the service cannot write its own code.
    probe = box.run(
        "nsenter", "-t", str(main_pid(box)), "-m", "-S", uid, "-G", uid, "--",
        "touch", f"/opt/guichet/releases/{kiosk.release}/x",
    )  # fmt: skip
    assert probe.returncode != 0 and "Read-only file system" in probe.stderr


def test_the_kiosk_screen_shows_the_kiosk_and_comes_back_after_a_crash(
    kiosk: Provisioned,
) -> None:
    box = kiosk.container
    with drop_in_for_the_test(box, "guichet-kiosk.service", HEADLESS):
        try:
            box.check("systemctl", "start", "guichet-kiosk.service", timeout=180)
            browser = browser_on_the_kiosk(box)
            journal = box.run("journalctl", "-u", "guichet-kiosk.service", "--no-pager").stdout
            assert browser, journal[-3000:]
            assert box.check("ps", "-o", "user=", "-p", str(browser)).strip() == "kiosk"
            main = started_by_cage(box, browser)
            profile = "/run/guichet-browser/profile"
            assert (
                box.check("findmnt", "-n", "-o", "FSTYPE", "--target", profile).strip() == "tmpfs"
            )
            # Chromium's own sandbox still works under the unit's confinement:
            # its renderers run under a seccomp filter.
            renderers = box.check("pgrep", "-u", "kiosk", "-f", "type=renderer").split()
            statuses = [box.run("cat", f"/proc/{pid}/status").stdout for pid in renderers]
            filtered = [re.search(r"^Seccomp:\s+2$", status, re.M) for status in statuses if status]
            assert filtered and all(filtered)
            # The browser sees none of the application's data.
            hidden = box.check(
                "nsenter", "-t", str(browser), "-m", "--", "ls", "-A", "/var/lib/guichet"
            )
            assert hidden.strip() == ""
            box.check(
                "runuser", "-u", "kiosk", "--", "touch", f"{profile}/left-by-the-last-applicant"
            )
            # A crash of the browser: cage ends with it, systemd starts both again
            # on a new, empty profile.
            box.check("kill", "-KILL", str(main))
            deadline = time.monotonic() + 60
            while box.run("kill", "-0", str(main)).returncode == 0 and time.monotonic() < deadline:
                time.sleep(0.5)
            again = browser_on_the_kiosk(box)
            assert again not in (0, browser) and started_by_cage(box, again) != main
            assert (
                box.check("systemctl", "show", "-P", "NRestarts", "guichet-kiosk.service") != "0\n"
            )
            assert box.run("ls", f"{profile}/left-by-the-last-applicant").returncode != 0
        finally:
            box.run("systemctl", "stop", "guichet-kiosk.service", timeout=120)
    # Stopped: the profile is gone with its tmpfs folder.
    assert box.run("ls", "/run/guichet-browser").returncode != 0


def test_usbguard_reads_the_rules(kiosk: Provisioned) -> None:
    # No USB bus in the container: the daemon cannot run, its parser can.
    box = kiosk.container
    for rules in (
        "/etc/usbguard/rules.conf",
        f"/root/{kiosk.release}/deploy/etc/usbguard/50-guichet-usb-keys.conf",
    ):
        parsed = box.check("usbguard-rule-parser", "-f", rules)
        assert "OUTPUT: allow with-interface match-all" in parsed
    assert "ImplicitPolicyTarget=block" in box.check("cat", "/etc/usbguard/usbguard-daemon.conf")


def test_staff_commands_run_with_the_service_s_data_and_key(kiosk: Provisioned) -> None:
    box = kiosk.container
    admin = "/opt/guichet/current/deploy/guichet-admin.sh"
    password = "une phrase de passe assez longue"
    box.check(
        "sh", "-c",
        f"printf '%s\\n' '{password}' | {admin} staff add camille --role admin "
        "--name Camille --password-stdin",
    )  # fmt: skip
    assert "camille" in box.check(admin, "staff", "list")
    # In the service's database, not one of its own.
    assert box.run("ls", "/var/lib/keys").returncode != 0


def test_collected_logs_leave_the_browser_out(kiosk: Provisioned) -> None:
    box = kiosk.container
    report = box.check("/opt/guichet/current/deploy/collect-logs.sh", "1")
    assert kiosk.release in report
    health = report.split("===== Health (/healthz)\n")[1].splitlines()[0]
    status, body = health.split(" ", 1)
    assert status == "200" and json.loads(body)["checks"]["database"]["ok"] is True
    assert "guichet.service" in report and "Logs of guichet" in report
    # The kiosk screen ran above (its test comes first): systemd's lines
    # about it are kept, none written by what ran inside it (PAM, cage, Chromium).
    screen = report.split("===== The screen")[1].split("\n=====")[0].splitlines()[1:]
    assert any("Started guichet-kiosk.service" in line for line in screen)
    assert all(" systemd[1]: " in line for line in screen if line.strip())
    inside = box.check("journalctl", "-u", "guichet-kiosk.service", "--no-pager")
    assert "pam_unix(guichet-kiosk:session)" in inside
    assert "pam_unix" not in report


def test_the_purge_runs_under_its_unit(kiosk: Provisioned) -> None:
    box = kiosk.container
    box.check("systemctl", "start", "guichet-purge.service", timeout=120)
    assert box.check("systemctl", "show", "-P", "Result", "guichet-purge.service").strip() == (
        "success"
    )


WRITE_LIKE_THE_APP = (
    "import os\n"
    "os.umask(0o077)\n"
    "os.mkdir('/run/guichet-anef/.REF.partial', 0o700)\n"
    "with open(os.open('/run/guichet-anef/.REF.partial/01-passeport.pdf',"
    " os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), 'wb') as f:\n"
    "    f.write(b'%PDF-1.7 test')\n"
    "os.rename('/run/guichet-anef/.REF.partial', '/run/guichet-anef/REF')\n"
)


def test_the_browser_user_can_read_the_anef_folder_and_no_one_else(kiosk: Provisioned) -> None:
    box = kiosk.container
    box.check("runuser", "-u", "guichet", "--", "python3", "-c", WRITE_LIKE_THE_APP)
    pdf = "/run/guichet-anef/REF/01-passeport.pdf"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        read = box.run("runuser", "-u", "kiosk", "--", "cat", pdf)
        if read.returncode == 0:
            break
        time.sleep(0.5)
    assert read.stdout == "%PDF-1.7 test", read.stderr
    assert box.run("runuser", "-u", "nobody", "--", "cat", pdf).returncode != 0
    assert box.run("runuser", "-u", "kiosk", "--", "touch", "/run/guichet-anef/REF/x").returncode
    box.check("rm", "-rf", "/run/guichet-anef/REF")


def test_the_watchdog_restarts_a_frozen_server(kiosk: Provisioned) -> None:
    box = kiosk.container
    # A shorter watchdog for the test only; the server restarts without it after.
    try:
        with drop_in_for_the_test(box, "guichet.service", "[Service]\nWatchdogSec=6\n"):
            box.check("systemctl", "restart", "guichet.service", timeout=180)
            frozen = main_pid(box)
            restarts = int(box.check("systemctl", "show", "-P", "NRestarts", "guichet.service"))
            box.check("kill", "-STOP", str(frozen))
            # Restarted, and serving again (READY=1 sent: "active", not "activating").
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                now = int(box.check("systemctl", "show", "-P", "NRestarts", "guichet.service"))
                state = box.run("systemctl", "is-active", "guichet.service").stdout.strip()
                if now > restarts and state == "active" and main_pid(box) not in (0, frozen):
                    break
                time.sleep(1)
            journal = box.check("journalctl", "-u", "guichet.service", "--no-pager", "-n", "200")
            assert "Watchdog timeout" in journal, journal[-3000:]
            assert now > restarts and state == "active", state
    finally:
        box.run("systemctl", "restart", "guichet.service", timeout=180)


def test_an_update_that_does_not_start_is_rolled_back(kiosk: Provisioned) -> None:
    # Last in the file: it changes the kiosk.
    box = kiosk.container
    release = f"/opt/guichet/releases/{kiosk.release}"
    accounts = box.check("/opt/guichet/current/deploy/guichet-admin.sh", "staff", "list")
    broken = f"{kiosk.release}-broken"
    shutil.copytree(box.root / "root" / kiosk.release, box.root / "root" / broken)
    a_broken_release(box.root / "root" / broken, broken)
    update = box.run(f"/root/{broken}/deploy/provision.sh", "--debs", "/srv/debs", timeout=900)
    assert update.returncode != 0, update.stdout[-3000:]
    assert f"back to {release} and its database" in update.stdout, update.stdout[-3000:]
    assert box.check("readlink", "/opt/guichet/current").strip() == release
    assert box.run("ls", "/var/lib/guichet/before-update").returncode != 0
    assert json.loads(box.check("python3", "-c", HEALTHZ))["status"] == 200
    after = box.check("/opt/guichet/current/deploy/guichet-admin.sh", "staff", "list")
    assert after == accounts
    # The current release's bundle again: the broken release is removed, then
    # nothing more changes.
    command = (f"/root/{kiosk.release}/deploy/provision.sh", "--debs", "/srv/debs")
    cleanup = box.run(*command, timeout=600)
    assert f"removed the old release /opt/guichet/releases/{broken}" in cleanup.stdout
    assert changes(box.run(*command, timeout=600)) == 0
