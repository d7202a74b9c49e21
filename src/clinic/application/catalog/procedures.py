"""Add and change the procedures of the price list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from clinic.application.authorization import authorize
from clinic.application.ports import Clock, UnitOfWorkFactory
from clinic.domain.catalog import Procedure, parse_duration, parse_price, text_error
from clinic.domain.shared import Money, NotFound, ValidationFailed
from clinic.domain.team import Permission


@dataclass(frozen=True)
class ProcedureFields:
    name: str
    price: str
    duration_minutes: str


def _check(fields: ProcedureFields, currency: str) -> tuple[str, Money, int]:
    errors: dict[str, str] = {}
    code = text_error(fields.name)
    if code:
        errors["name"] = code
    price = minutes = None
    try:
        price = parse_price(fields.price, currency)
    except ValidationFailed as error:
        errors.update(error.errors)
    try:
        minutes = parse_duration(fields.duration_minutes)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors or price is None or minutes is None:
        raise ValidationFailed(errors)
    return " ".join(fields.name.split()), price, minutes


class SaveProcedure:
    requires = Permission.CATALOG_EDIT

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, fields: ProcedureFields,
                 procedure_id: uuid.UUID | None = None) -> Procedure:
        with self.uow_factory(clinic_id) as uow:
            _, clinic = authorize(uow, clinic_id, actor_id, self.requires)
            name, price, minutes = _check(fields, clinic.currency)
            if procedure_id is None:
                procedure = Procedure(clinic_id, name, price.amount_minor, price.currency,
                                      minutes, created_at=self.clock.now())
                uow.procedures.add(procedure)
            else:
                found = uow.procedures.get(procedure_id)
                if found is None:
                    raise NotFound()
                procedure = found
                procedure.name, procedure.duration_minutes = name, minutes
                procedure.price = price
            uow.commit()
            return procedure
