"""What the data generator hands the load runner: how to reach the busy 10-chair clinic and
what to ask of it. Written to bench/results/dataset-<scale>.json as well."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCALES = {
    # scale: (other clinics besides the busy one, their total appointments, roughly)
    "small": (0, 0),
    "medium": (99, 225_000),
    "large": (999, 2_475_000),
}


@dataclass
class Dataset:
    scale: str
    database_url: str  # SQLAlchemy URL of the generated database
    clinic_id: str  # the busy clinic: 10 rooms, 12 doctors, 50,000 patients, ~25,000 visits/year
    owner_email: str
    owner_password: str
    api_token: str  # a bearer token of the busy clinic's owner
    room_ids: list[str]  # the busy clinic's 10 rooms
    doctor_ids: list[str]
    procedure_ids: list[str]
    patient_ids: list[str]  # a few of its patients (for booking)
    busy_week: str  # ISO date of a Monday whose week is full (≈ 60 visits in room 0, ≈ 700 in all)
    busy_day: str  # ISO date of a full weekday in that week
    free_days: list[str]  # ISO dates with empty slots for booking POSTs (working days, future)
    search_terms: list[str]  # what a receptionist types in the patient typeahead
    report_from: str  # one year of visits: the report summary's and the CSV's period
    report_to: str
    counts: dict[str, int] = field(default_factory=dict)  # rows per table, all clinics
    seconds: float = 0.0  # how long generating took

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> Dataset:
        data: dict[str, Any] = json.loads(path.read_text())
        return cls(**data)
