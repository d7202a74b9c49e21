"""Which tables hold a clinic's data, found from the schema (never listed by hand), so a new
table cannot be forgotten by deleting, exporting or importing a clinic."""

from __future__ import annotations

from sqlalchemy import Table

from clinic.adapters.sqlalchemy.tables import clinics, metadata

# Rows that outlive their clinic (kept with its name only): payments, so the books stay whole,
# and the partner ledger, whose entries are another clinic's money.
KEPT_WITH_NAME_ONLY = frozenset({"payments"})


def clinic_owned_tables() -> list[Table]:
    """Every table with a `clinic_id` column, parents before children (`metadata.sorted_tables`
    order), the `clinics` table itself not included."""
    return [t for t in metadata.sorted_tables if "clinic_id" in t.c and t is not clinics]
