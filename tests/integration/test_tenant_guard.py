"""The second guard: the SQLAlchemy session itself refuses clinic data without a clinic."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic.adapters.sqlalchemy.tenancy import TenantNotSet
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.domain.accounts import Clinic, Membership


def _two_clinics(container):
    sign_up = container.sign_up()
    first = sign_up(SignUpCommand("First", "Anna", "anna@example.com", "correct horse", "ru"))
    second = sign_up(SignUpCommand("Second", "Boris", "boris@example.com", "correct horse", "en"))
    return first, second


def test_a_session_that_names_no_clinic_cannot_read_clinic_data(container):
    _two_clinics(container)
    session = container.session_factory()()
    with pytest.raises(TenantNotSet):
        session.scalars(select(Clinic)).all()
    session.close()


def test_a_scoped_unit_reads_only_its_own_clinic_even_with_a_broad_query(container):
    first, _second = _two_clinics(container)
    with container.uow(first.clinic_id) as uow:
        clinics = uow.session.scalars(select(Clinic)).all()
        memberships = uow.session.scalars(select(Membership)).all()
    assert [c.id for c in clinics] == [first.clinic_id]
    assert {m.clinic_id for m in memberships} == {first.clinic_id}
