"""What the printed summary and receipt say, as French message ids.

Marked with `N_` (and `NP_` for plurals) so that Babel extracts them; the
summary prints each in French and in the applicant's language.
"""

from __future__ import annotations

from forms.validate import N_


def NP_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - the gettext convention
    """Mark a message with a plural form for extraction."""
    return singular, plural


SUMMARY = N_("Fiche récapitulative")
RECEIPT = N_("Reçu")
REFERENCE = N_("Référence du dossier : %(reference)s. Préparé le %(date)s.")
WHEN = N_("Quand faire la demande")
DOCUMENTS = N_("Documents")
MISSING = N_("MANQUANT")
PAGES = NP_("%(num)d page", "%(num)d pages")
FEES = N_("À payer (timbre fiscal)")
FEE_LINE = N_("%(label)s : %(amount)s")
STAMP = N_("Le timbre fiscal s'achète sur timbres.impots.gouv.fr ou dans un bureau de tabac.")
NEXT = N_("Et maintenant ?")
STEP_ANEF = N_("1. Envoyer la demande sur le site ANEF : %(address)s.")
STEP_PHOTO_CODE = N_("2. Code e-photo à écrire sur ANEF : %(code)s.")
STEP_PHOTO = N_(
    "2. Faire la photo dans une cabine ou chez un photographe agréé ANTS, "
    "pour avoir le code e-photo."
)
STEP_KEEP = N_(
    "3. Garder l'attestation de dépôt donnée par ANEF, "
    "et répondre aux demandes de la préfecture dans le délai."
)
HELP = N_("Aide")
HELP_LINE = N_(
    "Centre de contact citoyen : %(phone)s. Point d'accueil numérique de la préfecture : sur place."
)
SUBSTITUTE = N_(
    "Si le site ANEF ne marche pas malgré tout, ce dossier imprimé sert "
    "pour la démarche de remplacement à la préfecture."
)
RESUME_CODE = N_("Votre code pour revenir")
RESUME_HOW = N_(
    "Avec ce code et votre code secret, vous pouvez reprendre votre demande au Guichet."
)
DONE = N_("Ce qui est fait")
ANSWERS_CHECKED = N_("Vos réponses sont vérifiées.")
STILL_MISSING = N_("Ce qui manque")
WINDOW_LATER = N_("Demande à envoyer entre le %(opens)s et le %(closes)s.")
WINDOW_NOW = N_("Demande à envoyer avant le %(closes)s.")
WINDOW_URGENT = N_("À envoyer tout de suite : le titre se termine le %(date)s.")
WINDOW_LATE = N_("Titre terminé le %(date)s : demande en retard, majoration de %(fee)s.")
WINDOW_TOO_LATE = N_("Titre terminé depuis plus de 6 mois : voir avec la préfecture.")
