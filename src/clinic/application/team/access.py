"""Who may act on the team, the licence's one question, and the history line every change writes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

from clinic.application.ports import Conflict, UnitOfWork
from clinic.domain.accounts import Membership, User
from clinic.domain.shared import NotFound
from clinic.domain.team import MembershipEvent, TeamAction

T = TypeVar("T")


class SeatPolicy(Protocol):
    """The licence: asked before a person is invited. Paid seats are the billing issue's."""

    def check_can_add_person(self, uow: UnitOfWork, clinic_id: uuid.UUID) -> None:
        """Raise (SeatLimitReached, later) when the clinic may not have one more person."""
        ...


class UnlimitedSeats:
    """Until billing exists every clinic may invite as many people as it likes."""

    def check_can_add_person(self, uow: UnitOfWork, clinic_id: uuid.UUID) -> None:
        return None


def member(uow: UnitOfWork, clinic_id: uuid.UUID, user_id: uuid.UUID) -> tuple[Membership, User]:
    membership = uow.memberships.get(clinic_id, user_id)
    user = uow.users.get(user_id)
    if membership is None or user is None:
        raise NotFound()
    return membership, user


def record(uow: UnitOfWork, clinic_id: uuid.UUID, action: TeamAction, now: datetime,
           actor: User | None, subject_email: str, subject_name: str = "",
           detail: str = "") -> None:
    uow.team.add_event(MembershipEvent(
        clinic_id, action, now, actor.id if actor else None, actor.name if actor else "",
        subject_email, subject_name, detail[:200]))


def again_on_conflict(attempt: Callable[[], T], times: int = 3) -> T:
    """Run a locked unit of work again when a concurrent change to the same rows made the
    database refuse it (PostgreSQL's serialization failure): the next attempt reads what the
    other one committed, so it answers from that, usually with a refusal."""
    for _ in range(times - 1):
        try:
            return attempt()
        except Conflict:
            continue
    return attempt()
