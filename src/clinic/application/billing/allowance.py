"""What a clinic may use now: the questions the rest of the application asks the licence.

Adding or restoring a room and inviting a person are refused beyond what was paid; after a
lapse nothing is deleted, but the latest rooms beyond the allowance take no new visits and the
latest people beyond it only read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from clinic.application.ports import Clock, UnitOfWork
from clinic.domain.accounts import Membership, Role
from clinic.domain.catalog import Room
from clinic.domain.licensing import (
    FREE_CHAIRS,
    Dated,
    Licence,
    beyond_allowance,
    check_can_add_chair,
    check_can_add_seat,
)


@dataclass(frozen=True)
class Usage:
    active_rooms: int
    seats_in_use: int  # members other than the owner, plus pending invitations


def licence_of(uow: UnitOfWork, clinic_id: uuid.UUID) -> Licence:
    subscription = uow.billing.subscription(clinic_id)
    return subscription.licence if subscription else Licence()


def usage(uow: UnitOfWork, clinic_id: uuid.UUID, now: datetime) -> Usage:
    rooms = len(uow.rooms.list())
    members = [m for m in uow.memberships.for_clinic(clinic_id) if m.role is not Role.OWNER]
    pending = [i for i in uow.team.invitations(clinic_id) if i.is_pending(now)]
    return Usage(rooms, len(members) + len(pending))


def check_chair_free(uow: UnitOfWork, clinic_id: uuid.UUID) -> None:
    """Before a room is added or restored: ChairLimitReached beyond the paid chairs. The clinic
    is claimed first, so two rooms added at once cannot both take the last chair."""
    uow.claim_clinic()
    check_can_add_chair(len(uow.rooms.list()), licence_of(uow, clinic_id))


def frozen_rooms(uow: UnitOfWork, clinic_id: uuid.UUID,
                 rooms: Sequence[Room] | None = None) -> set[uuid.UUID]:
    """The rooms beyond the allowance (the latest added first): they take no new visits.
    `rooms`: the clinic's active rooms, if the caller has just read them."""
    rooms = uow.rooms.list() if rooms is None else rooms
    if len(rooms) <= FREE_CHAIRS:  # no licence allows fewer: the subscription is not read
        return set()
    licence = licence_of(uow, clinic_id)
    if len(rooms) <= licence.allowed_chairs:
        return set()
    return beyond_allowance([Dated(r.id, r.created_at) for r in rooms], licence.allowed_chairs)


def frozen_members(licence: Licence, memberships: list[Membership]) -> set[uuid.UUID]:
    """The user ids of the people beyond the allowance (the latest joined first): they can
    sign in and read, but change nothing. The owner is never one of them."""
    people = [Dated(m.user_id, m.created_at) for m in memberships if m.role is not Role.OWNER]
    return beyond_allowance(people, licence.allowed_seats)


class LicensedSeats:
    """The seat policy the team asks before inviting: SeatLimitReached beyond the paid seats."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def check_can_add_person(self, uow: UnitOfWork, clinic_id: uuid.UUID) -> None:
        uow.claim_clinic()
        check_can_add_seat(usage(uow, clinic_id, self.clock.now()).seats_in_use,
                           licence_of(uow, clinic_id))
