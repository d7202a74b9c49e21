"""Erasure at a patient's request (owner or admin, password asked again): the card's name,
phone, email and note are wiped and the card disappears everywhere; the visits stay for the
clinic's figures under "Deleted patient"; the erasure itself is written to the audit trail."""

from __future__ import annotations

import uuid

from clinic.application.audit import AuditTrail
from clinic.application.authorization import authorize
from clinic.application.ports import Clock, PasswordHasher, UnitOfWorkFactory
from clinic.domain.audit import AuditAction
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission


class ErasePatient:
    requires = Permission.SETTINGS

    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock,
                 audit: AuditTrail) -> None:
        self.uow_factory, self.hasher, self.clock, self.audit = uow_factory, hasher, clock, audit

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, patient_id: uuid.UUID,
                 password: str, placeholder: str) -> None:
        with self.uow_factory(clinic_id) as uow:
            actor, _clinic = authorize(uow, clinic_id, actor_id, self.requires)
            if uow.patients.get(patient_id) is None:
                raise NotFound()
        # Checked outside the transaction: hashing is slow on purpose.
        if not password or not self.hasher.verify(actor.password_hash, password):
            raise ValidationFailed({"password": "password_wrong"})
        with self.uow_factory(clinic_id) as uow:
            uow.write_in_turn()
            patient = uow.patients.get(patient_id)
            if patient is None:  # erased by someone else meanwhile
                raise NotFound()
            patient.erase(placeholder, self.clock.now())
            for message in uow.messages.for_patient(patient_id):  # where it went: theirs too
                message.recipient = ""
            self.audit.append(uow, clinic_id, AuditAction.PATIENT_ERASED, "patient", patient_id)
            uow.commit()
