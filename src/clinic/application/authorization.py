"""The one authorization rule of the use cases (docs/architecture.md, "Authorization").

`domain/team.py` says what each role may do (`ROLE_PERMISSIONS`, `can`). A use case that acts
for a member of a clinic declares what it needs as a class attribute, `requires =
Permission.X`, and checks it in its own unit of work with `authorize(uow, clinic_id, actor_id,
self.requires)`: against the membership as that transaction reads it, so a role changed or a
person removed a moment ago counts, whichever door the call came through. A refusal is
`NotAllowed`, which both doors answer with 403 in one place (`web/errors.py`).
`tests/unit/test_authorization_rule.py` holds every use case of the container to it."""

from __future__ import annotations

import uuid

from clinic.application.ports import UnitOfWork
from clinic.domain.accounts import Clinic, User
from clinic.domain.shared import NotFound
from clinic.domain.team import NotAllowed, Permission, can


def authorize(uow: UnitOfWork, clinic_id: uuid.UUID, actor_id: uuid.UUID,
              permission: Permission) -> tuple[User, Clinic]:
    """The person acting, checked to be a member whose role allows this; and their clinic.
    NotFound if there is no such clinic, person or membership; NotAllowed if the role does
    not allow it."""
    clinic = uow.clinics.get(clinic_id)
    membership = uow.memberships.get(clinic_id, actor_id)
    actor = uow.users.get(actor_id)
    if clinic is None or membership is None or actor is None:
        raise NotFound()
    if not can(membership.role, permission):
        raise NotAllowed()
    return actor, clinic
