"""When a renewal must be filed, from the card's expiry date (CESEDA R.431-5).

A renewal is filed between 120 and 60 days before the card expires. After that
window the applicant should still file at once; once the card has expired, the
filing costs an extra fee and is accepted for a few more months (see
``../shared/docs/domain.md`` §1). The numbers live in each procedure's
``deadline`` table, with their source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from forms.schema import DeadlineRule


class Timing(StrEnum):
    """Where today falls relative to the filing window."""

    TOO_EARLY = "too_early"
    ON_TIME = "on_time"
    AFTER_WINDOW = "after_window"
    EXPIRED_LATE_FEE = "expired_late_fee"
    TOO_LATE = "too_late"


@dataclass(frozen=True)
class Deadline:
    """The filing window for one expiry date, and where today stands."""

    timing: Timing
    expires_on: dt.date
    opens_on: dt.date
    closes_on: dt.date
    late_until: dt.date
    extra_fee_eur: int


def filing_window(rule: DeadlineRule, expires_on: dt.date, today: dt.date) -> Deadline:
    """Compute the filing window for a card expiring on `expires_on`."""
    opens_on = expires_on - dt.timedelta(days=rule.opens_days_before)
    closes_on = expires_on - dt.timedelta(days=rule.closes_days_before)
    late_until = expires_on + dt.timedelta(days=rule.late_accepted_days_after)
    if today < opens_on:
        timing = Timing.TOO_EARLY
    elif today <= closes_on:
        timing = Timing.ON_TIME
    elif today <= expires_on:
        timing = Timing.AFTER_WINDOW
    elif today <= late_until:
        timing = Timing.EXPIRED_LATE_FEE
    else:
        timing = Timing.TOO_LATE
    extra = rule.late_fee_eur if timing is Timing.EXPIRED_LATE_FEE else 0
    return Deadline(timing, expires_on, opens_on, closes_on, late_until, extra)
