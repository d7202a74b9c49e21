"""The second guard: every ORM query on a clinic-owned table is limited to the unit's clinic."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from clinic.application.ports import ANY_CLINIC
from clinic.domain.accounts import ApiToken, Clinic, Membership

TENANT_KEY = "tenant"


class TenantNotSet(RuntimeError):
    """A query touched clinic data from a session that did not say which clinic it serves."""


def _criteria(tenant: uuid.UUID) -> list[Any]:
    return [
        with_loader_criteria(Clinic, lambda cls: cls.id == tenant, include_aliases=True),
        with_loader_criteria(Membership, lambda cls: cls.clinic_id == tenant,
                             include_aliases=True),
        with_loader_criteria(ApiToken, lambda cls: cls.clinic_id == tenant, include_aliases=True),
    ]


def install_tenant_guard(factory: sessionmaker[Session]) -> None:
    @event.listens_for(factory, "do_orm_execute")
    def _scope_to_tenant(state: ORMExecuteState) -> None:
        if not state.is_select or state.is_column_load or state.is_relationship_load:
            return
        if TENANT_KEY not in state.session.info:
            raise TenantNotSet("open the unit of work with a clinic id or ANY_CLINIC")
        tenant = state.session.info[TENANT_KEY]
        if tenant is ANY_CLINIC:
            return
        state.statement = state.statement.options(*_criteria(tenant))
