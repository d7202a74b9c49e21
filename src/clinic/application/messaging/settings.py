"""The clinic's reminder settings: turned on in one tap with good defaults, or changed in full."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from clinic.application.authorization import authorize
from clinic.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from clinic.domain.messaging import Channel, MessageKind
from clinic.domain.patient_messages import MessagingSettings, settings_errors
from clinic.domain.shared import ValidationFailed
from clinic.domain.team import Permission


@dataclass(frozen=True)
class MessagingChoices:
    reminders_on: bool
    confirm_on_booking: bool
    channels: list[str]
    day_before_at: str
    same_day_lead_minutes: int
    quiet_from: str
    quiet_to: str
    reminder_template: str | None = None  # None or the default text: the default, kept current
    sms_budget_minor: int | None = None


class SaveMessagingSettings:
    requires = Permission.SETTINGS

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory, self.clock = uow_factory, clock

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID,
                 choices: MessagingChoices) -> MessagingSettings:
        channels = [Channel(c) for c in choices.channels if c in Channel.__members__.values()]
        errors = settings_errors(choices.day_before_at, choices.quiet_from, choices.quiet_to,
                                 choices.same_day_lead_minutes, channels,
                                 {MessageKind.REMINDER: choices.reminder_template},
                                 choices.sms_budget_minor)
        if len(channels) != len(choices.channels):
            errors["channels"] = "choice_invalid"
        if errors:
            raise ValidationFailed(errors)
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            settings = self._settings(uow, clinic_id)
            settings.reminders_on = choices.reminders_on
            settings.confirm_on_booking = choices.confirm_on_booking
            settings.channels = ",".join(c.value for c in channels)
            settings.day_before_at = choices.day_before_at
            settings.same_day_lead_minutes = choices.same_day_lead_minutes
            settings.quiet_from, settings.quiet_to = choices.quiet_from, choices.quiet_to
            settings.reminder_template = choices.reminder_template
            settings.sms_budget_minor = choices.sms_budget_minor
            settings.updated_at, settings.updated_by = self.clock.now(), actor_id
            uow.commit()
        return settings

    def switch(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, on: bool) -> MessagingSettings:
        """The one-tap switch: on with whatever was chosen before (the defaults the first
        time), or off."""
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            settings = self._settings(uow, clinic_id)
            settings.reminders_on = on
            settings.updated_at, settings.updated_by = self.clock.now(), actor_id
            uow.commit()
        return settings

    @staticmethod
    def _settings(uow: UnitOfWork, clinic_id: uuid.UUID) -> MessagingSettings:
        settings = uow.messages.settings()
        if settings is None:
            settings = MessagingSettings(clinic_id=clinic_id)
            uow.messages.add_settings(settings)
        return settings
