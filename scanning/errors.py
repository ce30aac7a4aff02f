"""Exceptions of the capture pipeline, one class per failure the screen explains."""

from __future__ import annotations


class ScanningError(Exception):
    """Base class of every capture error."""


class CameraUnavailable(ScanningError):
    """The camera is missing, unplugged, busy, or stopped sending frames."""


class ScannerUnavailable(ScanningError):
    """The flatbed scanner (SANE) is missing or failed to scan."""


class NoPreview(ScanningError):
    """This frame source has no live picture (a flatbed scanner)."""


class UnreadableImage(ScanningError):
    """A file is not an image we can decode, or is too large to decode safely."""
