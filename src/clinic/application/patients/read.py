"""Opening a patient's card: a read that writes its own audit entry ("who looked at this
card"), so no door has to remember to."""

from __future__ import annotations

import uuid

from clinic.application.audit import AuditTrail
from clinic.application.patients.queries import PatientCardView, PatientQueries
from clinic.domain.audit import AuditAction


class OpenPatientCard:
    """The card page and `GET /api/v1/patients/{id}`: the card through the read model and, when
    there is one, a `patient_viewed` row (in a short transaction of its own)."""

    def __init__(self, queries: PatientQueries, trail: AuditTrail) -> None:
        self.queries, self.trail = queries, trail

    def __call__(self, clinic_id: uuid.UUID, patient_id: uuid.UUID) -> PatientCardView | None:
        card = self.queries.card(clinic_id, patient_id)
        if card is not None:
            self.trail(clinic_id, AuditAction.PATIENT_VIEWED, "patient", patient_id)
        return card
