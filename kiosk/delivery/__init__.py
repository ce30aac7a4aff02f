"""Deliver a prepared dossier: print it, copy it to a USB key, upload it, or open ANEF.

Plain functions and exceptions, with no Flask import, so that the kiosk's views
and the command line share them. Every failure is a `DeliveryError` subclass
that carries a French message id for the applicant (`message`) and the
technical detail for the logs (`detail`).
"""

from __future__ import annotations

from kiosk.delivery.errors import (
    AddressNotAllowed,
    CopyNotVerified,
    DeliveryError,
    MediumFull,
    MediumGone,
    MediumReadOnly,
    PrinterUnavailable,
    PrintFailed,
    UploadFailed,
)

__all__ = [
    "AddressNotAllowed",
    "CopyNotVerified",
    "DeliveryError",
    "MediumFull",
    "MediumGone",
    "MediumReadOnly",
    "PrintFailed",
    "PrinterUnavailable",
    "UploadFailed",
]
