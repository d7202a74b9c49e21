"""Records made elsewhere (the demo seed) written in batches, one transaction per batch.

The caller has already built the entities by the domain's rules and checked them (the demo
checks each visit as a booking is checked); these use cases only write them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from clinic.application.ports import UnitOfWorkFactory
from clinic.domain.patients import Patient
from clinic.domain.scheduling import Appointment


class AddPatientsInBulk:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self, clinic_id: uuid.UUID, patients: Sequence[Patient]) -> None:
        with self.uow_factory(clinic_id) as uow:
            for patient in patients:
                uow.patients.add(patient)
            uow.commit()


class AddAppointmentsInBulk:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self, clinic_id: uuid.UUID, appointments: Sequence[Appointment]) -> None:
        with self.uow_factory(clinic_id) as uow:
            uow.lock_for_writing()
            for appointment in appointments:
                uow.appointments.add(appointment)
            uow.commit()
