"""Why a delivery failed, in words for the applicant and in detail for the logs.

Each failure has its own class so that a view can pick what to offer next (try
another key, ask at the desk, try again later). `message` is a French message
id, marked with `N_` so that Babel extracts it: the view translates it into the
applicant's language. `detail` is for the logs and the staff, never shown as is.
"""

from __future__ import annotations

from forms.validate import N_


class DeliveryError(Exception):
    """A dossier could not be delivered.

    Attributes:
        message: French message id, in plain words, for the applicant.
        detail: Technical detail (command output, errno, HTTP status) for the logs.
    """

    message: str = N_(
        "Le dossier n'a pas pu être transmis. Demandez de l'aide à la personne de l'accueil."
    )

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.message)
        self.detail = detail


class PrinterUnavailable(DeliveryError):
    """The print queue does not exist, is stopped, or refuses jobs."""

    message = N_(
        "L'imprimante n'est pas disponible pour le moment. "
        "Demandez de l'aide à la personne de l'accueil."
    )


class PrintFailed(DeliveryError):
    """The print system did not take a job.

    Attributes:
        submitted: Job ids of the files that were sent before the failure.
    """

    message = N_("L'impression n'a pas fonctionné. Demandez de l'aide à la personne de l'accueil.")

    def __init__(self, detail: str = "", submitted: list[str] | None = None) -> None:
        super().__init__(detail)
        self.submitted = list(submitted or [])


class MediumFull(DeliveryError):
    """The USB key has not enough free space."""

    message = N_("La clé USB est pleine. Libérez de la place ou prenez une autre clé.")


class MediumReadOnly(DeliveryError):
    """The USB key cannot be written (locked, read-only file system, no permission)."""

    message = N_("Impossible d'écrire sur cette clé USB : elle est protégée. Prenez une autre clé.")


class MediumGone(DeliveryError):
    """The USB key was removed, or stopped answering, during the copy."""

    message = N_("La clé USB a été retirée ou ne répond plus. Rebranchez-la, puis recommencez.")


class CopyNotVerified(DeliveryError):
    """The files read back from the USB key differ from the dossier."""

    message = N_(
        "La copie sur la clé USB est abîmée : elle a été effacée. "
        "Recommencez, ou prenez une autre clé."
    )


class UploadFailed(DeliveryError):
    """The organisation's server did not accept the dossier.

    Attributes:
        status: The last HTTP status received, or None when no answer came.
    """

    message = N_(
        "Le dossier n'a pas pu être envoyé. Réessayez plus tard, "
        "ou demandez de l'aide à la personne de l'accueil."
    )

    def __init__(self, detail: str = "", status: int | None = None) -> None:
        super().__init__(detail)
        self.status = status


class AddressNotAllowed(DeliveryError):
    """An address is not on the kiosk's allow-list (wrong host or not HTTPS)."""

    message = N_("Cette adresse n'est pas autorisée sur la borne.")
