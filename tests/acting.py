"""Who acts, for tests that call a use case directly (docs/architecture.md, "Authorization":
a use case acting for a member checks that member): the clinic's owner, read from its team."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from clinic.domain.accounts import Role


def owner_of(source: Any, clinic_id: uuid.UUID) -> uuid.UUID:
    """The owner's user id; `source` is a container (its `uow`) or a unit-of-work factory (the
    unit tests' `FakeUowFactory`)."""
    factory = source.uow if hasattr(source, "uow") else source
    with factory(clinic_id) as uow:
        return next(m.user_id for m in uow.memberships.for_clinic(clinic_id)
                    if m.role == Role.OWNER)


def as_owner(use_case: Callable[..., Any], source: Any) -> Callable[..., Any]:
    """`use_case(clinic_id, *rest)` called as the clinic's owner: `use_case(clinic_id, owner,
    *rest)`."""

    def call(clinic_id: uuid.UUID, *args: Any, **kwargs: Any) -> Any:
        return use_case(clinic_id, owner_of(source, clinic_id), *args, **kwargs)

    return call


def member_token(container: Any, clinic_id: uuid.UUID, user_id: uuid.UUID,
                 name: str = "theirs") -> Any:
    """A token made by that person, whatever their role (test data: the API-keys page lets
    only a member with `Permission.SETTINGS` make one, through `CreateApiToken`)."""
    from clinic.application.accounts.api_tokens import TOKEN_PREFIX, NewApiToken
    from clinic.application.accounts.secrets import new_token, token_hash
    from clinic.domain.accounts import ApiToken

    factory = container.uow if hasattr(container, "uow") else container  # or a uow factory
    now = container.clock().now() if hasattr(container, "clock") else datetime.now(UTC)
    secret = new_token(TOKEN_PREFIX)
    token = ApiToken(clinic_id=clinic_id, name=name, token_hash=token_hash(secret),
                     prefix=secret[:8], created_at=now, created_by=user_id)
    with factory(clinic_id) as uow:
        uow.api_tokens.add(token)
        uow.commit()
    return NewApiToken(token.id, secret)
