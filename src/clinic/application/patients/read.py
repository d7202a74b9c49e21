"""Opening a patient's card: a read that writes its own audit entry ("who looked at this
card"), so no door has to remember to."""

from __future__ import annotations

import uuid

from clinic.application.audit import AuditTrail
from clinic.application.authorization import authorize
from clinic.application.patients.queries import PatientCardView, PatientQueries
from clinic.application.ports import UnitOfWorkFactory
from clinic.domain.audit import AuditAction
from clinic.domain.team import Permission


class OpenPatientCard:
    """The card page and `GET /api/v1/patients/{id}`: the card through the read model and, when
    there is one, a `patient_viewed` row (in a short transaction of its own)."""

    requires = Permission.PATIENTS

    def __init__(self, uow_factory: UnitOfWorkFactory, queries: PatientQueries,
                 trail: AuditTrail) -> None:
        self.uow_factory, self.queries, self.trail = uow_factory, queries, trail

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID,
                 patient_id: uuid.UUID) -> PatientCardView | None:
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
        card = self.queries.card(clinic_id, patient_id)
        if card is not None:
            self.trail(clinic_id, AuditAction.PATIENT_VIEWED, "patient", patient_id)
        return card
