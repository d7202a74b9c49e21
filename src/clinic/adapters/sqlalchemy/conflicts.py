"""What a failed write means to a use case: a rule of the database that another transaction
broke first (a unique key, the room's exclusion constraint, a serialization failure) is a
Conflict; anything else is a fault and stays one."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from clinic.application.ports import Conflict

SERIALIZATION_FAILURE = "40001"


def as_conflict(error: DBAPIError) -> Conflict | None:
    if isinstance(error, IntegrityError):
        return Conflict(str(error.orig))
    if (isinstance(error, OperationalError)
            and getattr(error.orig, "sqlstate", None) == SERIALIZATION_FAILURE):
        return Conflict(str(error.orig))
    return None
