"""Opening an appointment's details dialog: it shows the patient's card, so it is a view of
that card and writes its audit entry itself."""

from __future__ import annotations

import uuid

from clinic.application.audit import AuditTrail
from clinic.application.authorization import authorize
from clinic.application.ports import UnitOfWorkFactory
from clinic.application.scheduling.queries import AppointmentDetails, CalendarQueries
from clinic.domain.audit import AuditAction
from clinic.domain.team import Permission


class OpenAppointment:
    """The visit dialog: the appointment through the read model and, unless its patient's
    details were erased (nothing of them is shown), a `patient_viewed` row for the patient."""

    requires = Permission.CALENDAR

    def __init__(self, uow_factory: UnitOfWorkFactory, queries: CalendarQueries,
                 trail: AuditTrail) -> None:
        self.uow_factory, self.queries, self.trail = uow_factory, queries, trail

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID,
                 appointment_id: uuid.UUID) -> AppointmentDetails | None:
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
        details = self.queries.details(clinic_id, appointment_id)
        if details is not None and not details.patient.erased:
            self.trail(clinic_id, AuditAction.PATIENT_VIEWED, "patient", details.patient.id)
        return details
