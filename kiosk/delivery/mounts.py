"""What is mounted where: removable block devices, and the options of a mount.

Kept apart from `usb.py` because it reads the system (lsblk, /proc/mounts)
while `usb.py` writes to the media it finds.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: /proc/mounts writes a space in a path as \040 (octal), and so on.
_OCTAL = re.compile(r"\\([0-7]{3})")
#: Never offered as a key, even on a removable device (a kiosk booted from USB).
_SYSTEM_MOUNTS = ("/boot", "/usr", "/var", "/etc", "/home", "/opt", "/srv")


def removable_mounts() -> list[tuple[Path, str]]:
    """Mount points of removable or hot-plugged block devices, with their labels."""
    try:
        done = subprocess.run(
            ["lsblk", "--json", "--output", "NAME,RM,HOTPLUG,MOUNTPOINTS,LABEL,FSTYPE"],
            capture_output=True,
            timeout=10,
            check=True,
        )
        tree = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        # No key list is better than a crashed screen; the logs say why.
        log.warning("lsblk failed: %s", exc)
        return []
    found: list[tuple[Path, str]] = []

    def walk(devices: list[dict[str, Any]], removable_parent: bool) -> None:
        for device in devices:
            # A partition inherits removability from its disk; older lsblk
            # versions print "0"/"1" strings instead of booleans.
            removable = removable_parent or _flag(device.get("rm")) or _flag(device.get("hotplug"))
            points = device.get("mountpoints") or [device.get("mountpoint")]
            for point in points:
                if removable and _is_data_mount(point):
                    found.append((Path(point), device.get("label") or Path(point).name))
            walk(device.get("children") or [], removable)

    walk(tree.get("blockdevices") or [], False)
    return found


def _is_data_mount(point: object) -> bool:
    """Whether a mount point can hold a key's files: not swap, nor a system one.

    A kiosk started from a USB stick has "/" on a removable device: never offer it.
    """
    return (
        isinstance(point, str)
        and point.startswith("/")
        and point != "/"
        and not any(point == top or point.startswith(top + "/") for top in _SYSTEM_MOUNTS)
    )


def _flag(value: object) -> bool:
    """Read a boolean from lsblk, whichever way this version prints it."""
    return value is True or value in ("1", 1)


def mount_options(path: Path) -> set[str]:
    """The options of the mount that holds `path`, from /proc/mounts."""
    target = os.path.realpath(path)
    best, options = "", ""
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) < 4:
                    continue
                point = _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), fields[1])
                inside = target == point or target.startswith(point.rstrip("/") + "/")
                # The deepest mount holding the path wins; for the same point,
                # the last line (the mount on top) does.
                if inside and len(point) >= len(best):
                    best, options = point, fields[3]
    except OSError:
        return set()
    return set(options.split(","))
