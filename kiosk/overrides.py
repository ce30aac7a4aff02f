"""A mediator keeps a captured page despite its warning, for a reason from a fixed list.

The capture checks (blur, glare, cut-off page, too dark, too small) are
right most of the time, but not always: a laminated card always reflects a
little, a faded original cannot be sharper than it is. The mediator, who has
the paper in hand, can keep the page anyway; the reason is a code from this
list (never free text: it goes to the audit log), shown on the page review
screen in the applicant's language.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from forms.validate import N_
from kiosk import pages
from kiosk.models import DocumentPage, utcnow

#: Reason codes and what the screens say for each (msgids, translated at display).
REASONS: dict[str, str] = {
    "checked_readable": N_("J'ai vérifié sur l'écran : tout se lit bien."),
    "original_like_this": N_("Le document original est ainsi (pâle, abîmé ou plastifié)."),
    "camera_limit": N_("On ne peut pas faire mieux avec cette caméra."),
    "applicant_choice": N_("La personne préfère garder cette photo."),
}


class NothingToOverride(ValueError):
    """The page has no warning, or the reason is not on the list."""


def override(
    db: Session, applicant_id: int, page_id: int, reason: str, staff_username: str
) -> DocumentPage:
    """Record that a mediator keeps this page despite its warning (the caller commits).

    Raises:
        LookupError: No such page in this applicant session.
        NothingToOverride: The page has no warning, or the reason is unknown.
    """
    page = pages.page_of(db, applicant_id, page_id)
    if page is None:
        raise LookupError(f"no page {page_id} in this session")
    if reason not in REASONS:
        raise NothingToOverride(f"unknown reason {reason!r}")
    if not problems_of(page):
        raise NothingToOverride("this page has no warning")
    page.override_reason = reason
    page.override_by = staff_username
    page.override_at = utcnow()
    return page


def problems_of(page: DocumentPage) -> list[str]:
    """The problem codes found when the page was captured."""
    codes: list[str] = json.loads(page.problems or "[]")
    return codes
