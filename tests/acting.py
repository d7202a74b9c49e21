"""Who acts, for tests that call a use case directly (docs/architecture.md, "Authorization":
a use case acting for a member checks that member): the clinic's owner, read from its team."""

from __future__ import annotations

import uuid

from clinic.domain.accounts import Role


def owner_of(container, clinic_id: uuid.UUID) -> uuid.UUID:
    """The owner's user id (works with the real container and with `FakeUowFactory` as
    `container.uow`)."""
    with container.uow(clinic_id) as uow:
        return next(m.user_id for m in uow.memberships.for_clinic(clinic_id)
                    if m.role == Role.OWNER)
