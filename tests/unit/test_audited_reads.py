"""Reads that write their own audit row (issue 17, section 3): the card, the visit dialog, the
report downloads and a clinic's archive. The read models are stubs; the trail is the real one
over the fake unit of work."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clinic.application.audit import AuditTrail, act_as
from clinic.application.patients.queries import PatientCardView
from clinic.application.patients.read import OpenPatientCard
from clinic.application.reporting.export import ExportClinic, ExportReport
from clinic.application.reporting.queries import ReportScope
from clinic.application.scheduling.queries import AppointmentDetails, PatientCard
from clinic.application.scheduling.read import OpenAppointment
from clinic.domain.accounts import Role
from clinic.domain.audit import Actor, AuditAction
from clinic.domain.reporting import custom_period
from clinic.domain.shared import NotFound
from clinic.domain.team import NotAllowed
from tests.factories import ClinicFactory, MembershipFactory, UserFactory, add

CLINIC, ANNA = uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def anna() -> None:
    act_as(Actor(ANNA, None, "Anna", "10.0.0.7"))


@pytest.fixture
def member(uow) -> uuid.UUID:
    """Anna, a staff member of CLINIC (the reads check who opens them)."""
    add(uow(CLINIC), ClinicFactory(id=CLINIC), UserFactory(id=ANNA),
        MembershipFactory(clinic_id=CLINIC, user_id=ANNA, role=Role.STAFF))
    return ANNA


def rows(uow) -> list[tuple[AuditAction, str, uuid.UUID | None, str]]:
    return [(e.action, e.entity_type, e.entity_id, e.actor_name)
            for e in sorted(uow.store.audit_log.values(), key=lambda e: e.seq)]


def card(patient_id: uuid.UUID) -> PatientCardView:
    return PatientCardView(patient_id, "Ivan Petrov", "+7 900 000-00-00", None, None, NOW,
                           "79000000000")


class Cards:
    def __init__(self, *known: uuid.UUID) -> None:
        self.known = known

    def card(self, clinic_id: uuid.UUID, patient_id: uuid.UUID) -> PatientCardView | None:
        return card(patient_id) if clinic_id == CLINIC and patient_id in self.known else None


def test_opening_a_card_writes_one_view_row(uow, clock, member):
    patient = uuid.uuid4()
    opened = OpenPatientCard(uow, Cards(patient), AuditTrail(uow, clock))(CLINIC, member, patient)
    assert opened == card(patient)
    assert rows(uow) == [(AuditAction.PATIENT_VIEWED, "patient", patient, "Anna")]


def test_a_card_not_found_writes_nothing(uow, clock, member):
    patient = uuid.uuid4()
    trail = AuditTrail(uow, clock)
    assert OpenPatientCard(uow, Cards(patient), trail)(CLINIC, member, uuid.uuid4()) is None
    assert rows(uow) == []


def test_a_card_of_another_clinic_or_opened_by_a_stranger_is_refused_and_not_logged(
        uow, clock, member):
    patient = uuid.uuid4()
    trail = AuditTrail(uow, clock)
    with pytest.raises(NotFound):  # Anna is no member of another clinic
        OpenPatientCard(uow, Cards(patient), trail)(uuid.uuid4(), member, patient)
    with pytest.raises(NotFound):
        OpenPatientCard(uow, Cards(patient), trail)(CLINIC, uuid.uuid4(), patient)
    assert rows(uow) == []


def details(patient_id: uuid.UUID, erased: bool) -> AppointmentDetails:
    return AppointmentDetails(
        uuid.uuid4(), NOW, NOW, "scheduled", uuid.uuid4(), "Room 1", uuid.uuid4(), "Dr Who",
        0, "RUB", None, NOW, None, PatientCard(patient_id, "Ivan", "", erased), ())


class Visits:
    def __init__(self, found: AppointmentDetails | None) -> None:
        self.found = found

    def details(self, clinic_id: uuid.UUID,
                appointment_id: uuid.UUID) -> AppointmentDetails | None:
        return self.found


def test_opening_a_visit_is_a_view_of_its_patient(uow, clock, member):
    patient = uuid.uuid4()
    visit = details(patient, erased=False)
    opened = OpenAppointment(uow, Visits(visit), AuditTrail(uow, clock))(CLINIC, member, visit.id)
    assert opened is visit
    assert rows(uow) == [(AuditAction.PATIENT_VIEWED, "patient", patient, "Anna")]


def test_a_visit_of_an_erased_patient_or_none_writes_nothing(uow, clock, member):
    trail = AuditTrail(uow, clock)
    visit = details(uuid.uuid4(), erased=True)
    assert OpenAppointment(uow, Visits(visit), trail)(CLINIC, member, visit.id) is visit
    assert OpenAppointment(uow, Visits(None), trail)(CLINIC, member, uuid.uuid4()) is None
    assert rows(uow) == []


def test_a_stranger_cannot_open_a_visit_and_nothing_is_written(uow, clock, member):
    visit = details(uuid.uuid4(), erased=False)
    with pytest.raises(NotFound):
        OpenAppointment(uow, Visits(visit), AuditTrail(uow, clock))(CLINIC, uuid.uuid4(),
                                                                     visit.id)
    assert rows(uow) == []


class Report:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def stream(self, scope: ReportScope, batch: int = 2500):
        self.log.append("stream")
        return iter(["row 1", "row 2"])


def test_a_report_download_is_written_as_an_export_before_its_rows(uow, clock, member):
    admin = UserFactory()
    add(uow(CLINIC), admin, MembershipFactory(clinic_id=CLINIC, user_id=admin.id, role=Role.ADMIN))
    log: list[str] = []
    scope = ReportScope(CLINIC, custom_period(NOW.date(), NOW.date()), ZoneInfo("UTC"), NOW)
    export = ExportReport(uow, Report(log), AuditTrail(uow, clock))
    assert list(export(scope, admin.id)) == ["row 1", "row 2"]
    assert log == ["stream"]
    assert rows(uow) == [(AuditAction.PATIENTS_EXPORTED, "clinic", CLINIC, "Anna")]


def test_staff_may_not_download_a_report_and_nothing_is_read_or_written(uow, clock, member):
    log: list[str] = []
    scope = ReportScope(CLINIC, custom_period(NOW.date(), NOW.date()), ZoneInfo("UTC"), NOW)
    with pytest.raises(NotAllowed):  # Anna is staff: reports are an admin's
        ExportReport(uow, Report(log), AuditTrail(uow, clock))(scope, member)
    assert log == [] and rows(uow) == []


class Archiver:
    def __init__(self, fails: bool = False) -> None:
        self.fails = fails

    def export(self, clinic_id, out_path, progress=None):
        if self.fails:
            raise NotFound()
        return {"clinic_name": "Smile"}


def test_a_clinic_archive_is_written_as_an_export_once_written(uow, clock, tmp_path: Path):
    act_as(Actor.operator())
    manifest = ExportClinic(Archiver(), AuditTrail(uow, clock))(CLINIC, tmp_path / "a.zip")
    assert manifest == {"clinic_name": "Smile"}
    assert rows(uow) == [(AuditAction.PATIENTS_EXPORTED, "clinic", CLINIC,
                          "operator (command line)")]


def test_an_archive_that_failed_writes_nothing(uow, clock, tmp_path: Path):
    with pytest.raises(NotFound):
        ExportClinic(Archiver(fails=True), AuditTrail(uow, clock))(CLINIC, tmp_path / "a.zip")
    assert rows(uow) == []
