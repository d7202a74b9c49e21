"""Change the clinic's name, time zone, currency, country and working hours."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

from clinic.application.authorization import authorize
from clinic.application.ports import UnitOfWorkFactory
from clinic.domain.accounts import (
    DEFAULT_BOOKING_STEP,
    SUPPORTED_LOCALES,
    Clinic,
    booking_step_error,
    name_error,
    working_hours_errors,
)
from clinic.domain.shared import ValidationFailed
from clinic.domain.team import Permission

# The currencies and countries offered; more can be added without a migration.
CURRENCIES = ("RUB", "USD", "EUR", "KZT", "BYN", "UAH", "GEL", "AMD", "UZS", "KGS", "AZN",
              "TRY", "GBP", "AED", "ILS", "RSD")
COUNTRIES = ("RU", "US", "KZ", "BY", "UA", "GE", "AM", "UZ", "KG", "AZ", "TR", "GB", "DE",
             "AE", "IL", "RS", "CY", "ES", "IT", "FR", "PL", "LV", "LT", "EE", "FI", "CZ")


@dataclass(frozen=True)
class ClinicSettings:
    name: str
    timezone: str
    currency: str
    country: str
    locale: str
    working_days: list[int]
    opens_at: str
    closes_at: str
    booking_step_minutes: int = DEFAULT_BOOKING_STEP


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(z for z in available_timezones()
                     if "/" in z and not z.startswith(("Etc/", "right/", "posix/")))


def timezone_error(name: str) -> str | None:
    """Only real IANA zones ("Europe/Moscow"); not areas, aliases like "localtime" or files."""
    return None if name in _zones() else "timezone_invalid"


class UpdateClinicSettings:
    requires = Permission.SETTINGS

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID,
                 settings: ClinicSettings) -> Clinic:
        errors = working_hours_errors(settings.working_days, settings.opens_at,
                                      settings.closes_at)
        checks = (("name", name_error(settings.name)),
                  ("timezone", timezone_error(settings.timezone)),
                  ("currency", None if settings.currency in CURRENCIES else "currency_invalid"),
                  ("country", None if settings.country in COUNTRIES else "country_invalid"),
                  ("locale", None if settings.locale in SUPPORTED_LOCALES else "locale_invalid"),
                  ("booking_step_minutes", booking_step_error(settings.booking_step_minutes)))
        errors.update({k: v for k, v in checks if v})
        if errors:
            raise ValidationFailed(errors)
        with self.uow_factory(clinic_id) as uow:
            _actor, clinic = authorize(uow, clinic_id, actor_id, self.requires)
            clinic.name = " ".join(settings.name.split())
            clinic.timezone, clinic.currency = settings.timezone, settings.currency
            clinic.country, clinic.locale = settings.country, settings.locale
            clinic.working_days = "".join(str(d) for d in sorted(set(settings.working_days)))
            clinic.opens_at, clinic.closes_at = settings.opens_at, settings.closes_at
            clinic.booking_step_minutes = settings.booking_step_minutes
            uow.commit()
            return clinic
