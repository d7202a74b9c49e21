"""What a person last chose to see, kept on their membership so every device shows it."""

from __future__ import annotations

import uuid

from clinic.application.ports import UnitOfWorkFactory

MAX_VIEW = 60


class RememberCalendarView:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self, clinic_id: uuid.UUID, user_id: uuid.UUID, view: str) -> None:
        """`view` is opaque here ("week|room:<id>"); the calendar page writes and reads it."""
        with self.uow_factory(clinic_id) as uow:
            membership = uow.memberships.get(clinic_id, user_id)
            if membership is None or membership.calendar_view == view[:MAX_VIEW]:
                return
            membership.calendar_view = view[:MAX_VIEW]
            uow.commit()
