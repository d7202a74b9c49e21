"""What every table is made with: the metadata (its naming convention), enums stored as their
values, and the clinic-owned table with its same-clinic pointers."""

from __future__ import annotations

import enum

from sqlalchemy import (
    Column,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    MetaData,
    Table,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.schema import SchemaItem

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def enum_type(cls: type[enum.Enum], name: str, length: int = 16) -> Enum:
    return Enum(cls, name=name, native_enum=False, create_constraint=False, length=length,
                values_callable=lambda members: [m.value for m in members])


def clinic_owned(name: str, *columns: SchemaItem) -> Table:
    """Every clinic-owned table: a random id, its clinic, and a (clinic_id, id) key that other
    clinic-owned rows point at, so no row can ever refer into another clinic."""
    return Table(
        name, metadata,
        Column("id", Uuid, primary_key=True),
        Column("clinic_id", Uuid, ForeignKey("clinics.id", ondelete="CASCADE"), nullable=False),
        *columns,
        UniqueConstraint("clinic_id", "id", name=f"uq_{name}_clinic_id_id"),
    )


def same_clinic(column: str, table: str) -> ForeignKeyConstraint:
    """A pointer into another clinic-owned table that cannot leave the clinic."""
    return ForeignKeyConstraint(["clinic_id", column], [f"{table}.clinic_id", f"{table}.id"],
                                name=f"fk_{column}_same_clinic_{table}")
