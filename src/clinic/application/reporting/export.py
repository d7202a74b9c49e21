"""Patients' details leaving the service in a file: the report downloads (CSV, XLSX) and one
clinic's archive (`clinic tenants export`). Each writes its `patients_exported` row itself."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from clinic.application.audit import AuditTrail
from clinic.application.authorization import authorize
from clinic.application.ports import UnitOfWorkFactory
from clinic.application.reporting.queries import ReportQueries, ReportRow, ReportScope
from clinic.domain.audit import AuditAction
from clinic.domain.team import Permission


class ExportReport:
    """The rows of a report download, every appointment of the scope read in batches. The file
    lists patients' names, so the export is written to the trail before the first row."""

    requires = Permission.REPORTS

    def __init__(self, uow_factory: UnitOfWorkFactory, queries: ReportQueries,
                 trail: AuditTrail) -> None:
        self.uow_factory, self.queries, self.trail = uow_factory, queries, trail

    def __call__(self, scope: ReportScope, actor_id: uuid.UUID) -> Iterator[ReportRow]:
        with self.uow_factory(scope.clinic_id) as uow:
            authorize(uow, scope.clinic_id, actor_id, self.requires)
        self.trail(scope.clinic_id, AuditAction.PATIENTS_EXPORTED, "clinic", scope.clinic_id)
        return self.queries.stream(scope)


class ClinicArchiver(Protocol):
    """Writes one clinic's archive (`adapters/sqlalchemy/tenant_archive.ClinicArchive`)."""

    def export(self, clinic_id: uuid.UUID, out_path: Path,
               progress: Callable[[str, int, int], None] | None = None) -> Mapping[str, Any]: ...


class ExportClinic:
    """`clinic tenants export`: the archive, then (once it is written) the row saying every
    patient card left the service in it."""

    def __init__(self, archiver: ClinicArchiver, trail: AuditTrail) -> None:
        self.archiver, self.trail = archiver, trail

    def __call__(self, clinic_id: uuid.UUID, target: Path,
                 progress: Callable[[str, int, int], None] | None = None) -> Mapping[str, Any]:
        manifest = self.archiver.export(clinic_id, target, progress=progress)
        self.trail(clinic_id, AuditAction.PATIENTS_EXPORTED, "clinic", clinic_id)
        return manifest
