"""What a visit's status is, what each status allows a person to do and when, and whether the
patient said they will come: the rules the calendar, the Today list and the API all ask."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta


class AppointmentStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    ARRIVED = "arrived"  # the patient is at the clinic, the visit not yet done
    DONE = "done"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def holds_time(self) -> bool:
        """Only a cancelled appointment frees its room; a no-show still took the chair."""
        return self is not AppointmentStatus.CANCELLED

    @property
    def counts_as_revenue(self) -> bool:
        """Its price is money the clinic earns: not once it was cancelled or the patient did
        not come (when it counts, by its start, is `domain/reporting.py`'s)."""
        return self in (AppointmentStatus.SCHEDULED, AppointmentStatus.ARRIVED,
                        AppointmentStatus.DONE)


# The statuses whose visits count as revenue, for a filter (SQL's `IN`) or a test of a status's
# text: a StrEnum member equals and hashes as its value, so "done" in REVENUE_STATUSES.
REVENUE_STATUSES = frozenset(s for s in AppointmentStatus if s.counts_as_revenue)


class AppointmentAction(enum.StrEnum):
    """What a person can do with a booked visit; which ones a status allows is `ALLOWED`."""

    MARK_ARRIVED = "arrived"
    MARK_DONE = "done"
    MARK_NO_SHOW = "no_show"
    CANCEL = "cancel"
    RESTORE = "restore"  # back to scheduled (a mistake, or the patient came after all)
    MOVE = "move"  # another start, room or doctor
    EDIT = "edit"  # other procedures or another price; a note can always be changed


_A = AppointmentAction
ALLOWED: dict[AppointmentStatus, frozenset[AppointmentAction]] = {
    AppointmentStatus.SCHEDULED: frozenset({_A.MARK_ARRIVED, _A.MARK_DONE, _A.MARK_NO_SHOW,
                                            _A.CANCEL, _A.MOVE, _A.EDIT}),
    # Someone who came is not a no-show: a mistaken "arrived" is brought back first.
    AppointmentStatus.ARRIVED: frozenset({_A.MARK_DONE, _A.RESTORE, _A.CANCEL, _A.MOVE,
                                          _A.EDIT}),
    AppointmentStatus.DONE: frozenset({_A.RESTORE, _A.EDIT}),  # what was done can be re-priced
    AppointmentStatus.NO_SHOW: frozenset({_A.RESTORE}),
    AppointmentStatus.CANCELLED: frozenset({_A.RESTORE}),
}
# The action that brings a visit into each status.
INTO: dict[AppointmentStatus, AppointmentAction] = {
    AppointmentStatus.SCHEDULED: _A.RESTORE, AppointmentStatus.ARRIVED: _A.MARK_ARRIVED,
    AppointmentStatus.DONE: _A.MARK_DONE,
    AppointmentStatus.NO_SHOW: _A.MARK_NO_SHOW, AppointmentStatus.CANCELLED: _A.CANCEL,
}

# Actions that wait for the visit's time, and how long before its start each becomes possible:
# a patient may be marked arrived a little early, "did not come" only once the start has passed.
NOT_BEFORE_START: dict[AppointmentAction, timedelta] = {
    _A.MARK_ARRIVED: timedelta(minutes=30),
    _A.MARK_NO_SHOW: timedelta(0),
}


def allowed_actions(status: AppointmentStatus, starts_at: datetime,
                    now: datetime) -> frozenset[AppointmentAction]:
    """What a visit in `status` starting at `starts_at` allows at `now`: the status's `ALLOWED`
    less the actions whose time has not come (`NOT_BEFORE_START`)."""
    return frozenset(action for action in ALLOWED[status]
                     if action not in NOT_BEFORE_START
                     or now >= starts_at - NOT_BEFORE_START[action])


def is_late(status: AppointmentStatus, starts_at: datetime, now: datetime) -> bool:
    """Its start has passed and the patient has not been marked arrived (nor anything else)."""
    return status is AppointmentStatus.SCHEDULED and now > starts_at


class Confirmation(enum.StrEnum):
    """What the patient answered to the reminder (issue 19): nothing yet, "I will come", or "I
    need another time". A move to another time asks again."""

    NONE = "none"
    CONFIRMED = "confirmed"
    RESCHEDULE_REQUESTED = "reschedule_requested"
