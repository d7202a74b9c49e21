"""The second guard: every ORM query on a clinic-owned table is limited to the unit's clinic."""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from clinic.adapters.sqlalchemy.mappers import mapper_registry
from clinic.application.ports import ANY_CLINIC
from clinic.domain.accounts import Clinic

TENANT_KEY = "tenant"


class TenantNotSet(RuntimeError):
    """A query touched clinic data from a session that did not say which clinic it serves."""


def _tenant_classes() -> list[type]:
    """Every mapped class whose table has a clinic_id: found, not listed, so none is forgotten."""
    return [m.class_ for m in mapper_registry.mappers
            if "clinic_id" in m.local_table.c and m.class_ is not Clinic]


@lru_cache(maxsize=128)
def _criteria(tenant: uuid.UUID) -> tuple[Any, ...]:
    """Kept for the clinics served lately (about 32 KB each, so 4 MB at most): building the
    17 options on every ORM query was a fifth of a booking's time."""
    options = [with_loader_criteria(Clinic, lambda cls: cls.id == tenant, include_aliases=True)]
    options.extend(
        with_loader_criteria(cls, lambda c: c.clinic_id == tenant, include_aliases=True)
        for cls in _tenant_classes())
    return tuple(options)


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
