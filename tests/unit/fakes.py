"""In-memory fakes of the ports, for unit tests of the domain and application layers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from clinic.application.outbox.message import EmailMessage, OutboxMessage
from clinic.application.ports import ANY_CLINIC, Conflict, Tenant
from clinic.domain.accounts import (
    ApiToken,
    Clinic,
    Membership,
    PasswordReset,
    PendingSignUp,
    User,
    WebSession,
)
from clinic.domain.audit import AuditHead


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


class FakeHasher:
    """Not a hash at all: readable, instant, and enough to tell right from wrong passwords."""

    def hash(self, password: str) -> str:
        return f"fake${password}"

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == f"fake${password}"

    def needs_rehash(self, password_hash: str) -> bool:
        return False


class FakeMailer:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[EmailMessage] = []
        self.fail = fail

    def send(self, message: EmailMessage) -> None:
        if self.fail:
            raise ConnectionRefusedError("SMTP server down")
        self.sent.append(message)


class FakeComposer:
    def compose(self, template: str, locale: str, to: str,
                context: Mapping[str, Any]) -> EmailMessage:
        body = " ".join(f"{k}={v}" for k, v in sorted(context.items()))
        return EmailMessage(to=to, subject=f"[{locale}] {template}", text=body)


class RecordingQueue:
    def __init__(self, down: bool = False) -> None:
        self.jobs: list[tuple[str, dict[str, str]]] = []
        self.down = down

    def enqueue(self, job: str, **kwargs: str) -> None:
        if self.down:
            raise ConnectionError("Redis down")
        self.jobs.append((job, kwargs))


class _Store:
    """What the fake database holds; shared by every unit of work made from one factory."""

    def __init__(self) -> None:
        self.clinics: dict[uuid.UUID, Clinic] = {}
        self.users: dict[uuid.UUID, User] = {}
        self.memberships: dict[uuid.UUID, Membership] = {}
        self.resets: dict[uuid.UUID, PasswordReset] = {}
        self.web_sessions: dict[uuid.UUID, WebSession] = {}
        self.pending_signups: dict[uuid.UUID, PendingSignUp] = {}
        self.payments: dict[uuid.UUID, Any] = {}
        self.processed_events: dict[str, Any] = {}  # written at once: enough for the fakes
        self.invitations: dict[uuid.UUID, Any] = {}
        self.membership_events: dict[uuid.UUID, Any] = {}
        self.tokens: dict[uuid.UUID, ApiToken] = {}
        self.outbox: dict[uuid.UUID, OutboxMessage] = {}
        self.rooms: dict[uuid.UUID, Any] = {}
        self.doctors: dict[uuid.UUID, Any] = {}
        self.procedures: dict[uuid.UUID, Any] = {}
        self.patients: dict[uuid.UUID, Any] = {}
        self.appointments: dict[uuid.UUID, Any] = {}
        self.idempotency_keys: dict[uuid.UUID, Any] = {}
        self.subscriptions: dict[uuid.UUID, Any] = {}
        self.referral_entries: dict[uuid.UUID, Any] = {}
        self.audit_log: dict[uuid.UUID, Any] = {}
        self.messaging_settings: dict[uuid.UUID, Any] = {}
        self.patient_messages: dict[uuid.UUID, Any] = {}


class _Repo:
    def __init__(self, uow: FakeUnitOfWork, table: dict[uuid.UUID, Any]) -> None:
        self.uow, self.table = uow, table

    def add(self, item: Any) -> None:
        self.uow.pending.append((self.table, item))

    def _all(self) -> list[Any]:
        return list(self.table.values()) + [i for t, i in self.uow.pending if t is self.table]

    def _visible(self, item: Any) -> bool:
        tenant = self.uow.tenant
        if tenant is ANY_CLINIC:
            return True
        clinic_id = getattr(item, "clinic_id", None)
        if isinstance(item, Clinic):
            clinic_id = item.id
        return clinic_id is None or clinic_id == tenant

    def get(self, item_id: uuid.UUID) -> Any:
        item = next((i for i in self._all() if i.id == item_id), None)
        return item if item is not None and self._visible(item) else None


class FakeClinicRepository(_Repo):
    def by_promo_code(self, code: str) -> Clinic | None:
        return next((c for c in self._all() if c.promo_code == code.upper()
                     and self._visible(c)), None)


class FakeUserRepository(_Repo):
    def get_by_email(self, email: str) -> User | None:
        return next((u for u in self._all() if u.email == email), None)


class FakeMembershipRepository(_Repo):
    def for_user(self, user_id: uuid.UUID) -> Sequence[Membership]:
        return [m for m in self._all() if m.user_id == user_id and self._visible(m)]

    def get(self, clinic_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:  # type: ignore[override]
        return next((m for m in self.for_user(user_id) if m.clinic_id == clinic_id), None)

    def for_clinic(self, clinic_id: uuid.UUID) -> Sequence[Membership]:
        return [m for m in self._all() if m.clinic_id == clinic_id and self._visible(m)]

    def remove(self, membership: Membership) -> None:
        self.table.pop(membership.id, None)
        self.uow.pending = [(t, i) for t, i in self.uow.pending if i is not membership]


class FakeResetRepository(_Repo):
    def get_by_token_hash(self, token_hash: str) -> PasswordReset | None:
        return next((r for r in self._all() if r.token_hash == token_hash), None)


class FakeTokenRepository(_Repo):
    def get_by_hash(self, token_hash: str) -> ApiToken | None:
        return next((t for t in self._all() if t.token_hash == token_hash and self._visible(t)),
                    None)

    def made_by(self, user_id: uuid.UUID) -> Sequence[ApiToken]:
        return [t for t in self._all() if t.created_by == user_id and self._visible(t)]

    def for_clinic(self, clinic_id: uuid.UUID) -> Sequence[ApiToken]:
        mine = [t for t in self._all() if t.clinic_id == clinic_id and self._visible(t)]
        return sorted(mine, key=lambda t: t.created_at)


class FakePendingSignUpRepository(_Repo):
    def get_by_token_hash(self, token_hash: str, lock: bool = False) -> PendingSignUp | None:
        return next((p for p in self._all() if p.token_hash == token_hash), None)

    def remove_expired(self, now: datetime) -> None:
        for item in self._all():
            if item.expires_at <= now:
                self.table.pop(item.id, None)


class FakeWebSessionRepository(_Repo):
    def get_by_hash(self, token_hash: str) -> WebSession | None:
        return next((s for s in self._all() if s.token_hash == token_hash), None)

    def remove(self, web_session: WebSession) -> None:
        self.table.pop(web_session.id, None)

    def remove_all_of(self, user_id: uuid.UUID, now: datetime | None = None) -> None:
        for item in self._all():
            if item.user_id == user_id and (now is None or item.expires_at <= now):
                self.table.pop(item.id, None)


class FakeOutboxRepository(_Repo):
    def pending(self, limit: int) -> Sequence[OutboxMessage]:
        waiting = [m for m in self._all() if m.sent_at is None]
        return sorted(waiting, key=lambda m: m.created_at)[:limit]


class FakeCatalogRepository(_Repo):
    def list(self, include_archived: bool = False) -> list[Any]:
        items = [i for i in self._all() if self._visible(i)
                 and (include_archived or i.archived_at is None)]
        return sorted(items, key=lambda i: (i.name, i.created_at))


class FakeBillingRepository(_Repo):
    """Subscriptions in its own table; payments and processed provider events beside them."""

    def __init__(self, uow: FakeUnitOfWork, table: dict[uuid.UUID, Any]) -> None:
        super().__init__(uow, table)
        self.payments_repo = _Repo(uow, uow.store.payments)

    def subscription(self, clinic_id: uuid.UUID) -> Any:
        return next((s for s in self._all() if s.clinic_id == clinic_id), None)

    def add_subscription(self, subscription: Any) -> None:
        self.add(subscription)

    def subscription_by_ref(self, subscription_ref: str) -> Any:
        return next((s for s in self._all() if s.subscription_ref == subscription_ref), None)

    def subscription_by_customer(self, customer_ref: str) -> Any:
        return next((s for s in self._all() if s.customer_ref == customer_ref), None)

    def payment(self, external_ref: str) -> Any:
        return next((p for p in self.payments_repo._all() if p.external_ref == external_ref),
                    None)

    def add_payment(self, payment: Any) -> None:
        if self.payment(payment.external_ref) is not None:
            raise Conflict("payments.external_ref")  # unique, as in SQL
        self.payments_repo.add(payment)

    def payments(self, clinic_id: uuid.UUID, limit: int = 50) -> Sequence[Any]:
        mine = [p for p in self.payments_repo._all() if p.clinic_id == clinic_id]
        return sorted(mine, key=lambda p: p.created_at, reverse=True)[:limit]

    def mark_processed(self, event_id: str, event_type: str, now: datetime) -> None:
        if event_id in self.uow.store.processed_events:
            raise Conflict("processed_events.id")
        self.uow.store.processed_events[event_id] = (event_type, now)

    def was_processed(self, event_id: str) -> bool:
        return event_id in self.uow.store.processed_events


class FakeTeamRepository:
    """Invitations and the team's history, each in its own table."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.invitations_repo = _Repo(uow, uow.store.invitations)
        self.events = _Repo(uow, uow.store.membership_events)

    def add_invitation(self, invitation: Any) -> None:
        self.invitations_repo.add(invitation)

    def invitation(self, invitation_id: uuid.UUID) -> Any:
        return self.invitations_repo.get(invitation_id)

    def invitation_by_token_hash(self, token_hash: str) -> Any:
        return next((i for i in self.invitations_repo._all() if i.token_hash == token_hash),
                    None)

    def invitations(self, clinic_id: uuid.UUID, email: str | None = None) -> Sequence[Any]:
        found = [i for i in self.invitations_repo._all() if i.clinic_id == clinic_id
                 and (email is None or i.email == email)]
        return sorted(found, key=lambda i: i.created_at)

    def add_event(self, event: Any) -> None:
        self.events.add(event)


class FakeReferralRepository(_Repo):
    def from_source(self, clinic_id: uuid.UUID, source_clinic_id: uuid.UUID) -> int:
        return sum(e.amount_cents for e in self._all()
                   if e.clinic_id == clinic_id and e.source_clinic_id == source_clinic_id)

    def has(self, source_ref: str) -> bool:
        return any(e.source_ref == source_ref for e in self._all())


class FakePatientRepository(_Repo):
    def get(self, item_id: uuid.UUID, include_erased: bool = False) -> Any:
        patient = super().get(item_id)
        return patient if patient is None or include_erased or not patient.erased else None

    def with_phone(self, e164: str) -> list[Any]:
        return sorted((p for p in self._all() if p.phone == e164 and self._visible(p)),
                      key=lambda p: p.created_at)

    def with_telegram_code(self, code: str) -> Any:
        return next((p for p in self._all() if p.telegram_code == code and self._visible(p)
                     and p.erased_at is None), None)


class FakeAppointmentRepository(_Repo):
    def get(self, item_id: uuid.UUID, *, lock: bool = False) -> Any:  # one writer: no lock
        return super().get(item_id)

    def busy(self, *, room_id: uuid.UUID | None = None, doctor_id: uuid.UUID | None = None,
             within: Any, excluding: uuid.UUID | None = None) -> list[Any]:
        return [a.time for a in self._all() if self._visible(a) and a.status.holds_time
                and (room_id is None or a.room_id == room_id)
                and (doctor_id is None or a.doctor_id == doctor_id)
                and a.id != excluding and a.time.overlaps(within)]

    def taken(self, *, room_id: uuid.UUID, doctor_id: uuid.UUID, within: Any,
              excluding: uuid.UUID | None = None) -> tuple[list[Any], list[Any]]:
        return (sorted(self.busy(room_id=room_id, within=within, excluding=excluding)),
                sorted(self.busy(doctor_id=doctor_id, within=within, excluding=excluding)))

    def scheduled_between(self, start: datetime, end: datetime) -> list[Any]:
        return sorted((a for a in self._all() if self._visible(a)
                       and a.status == "scheduled" and start <= a.starts_at < end),
                      key=lambda a: a.starts_at)

    def _keys(self) -> list[Any]:
        store = self.uow.store.idempotency_keys
        return list(store.values()) + [i for t, i in self.uow.pending if t is store]

    def idempotency_key(self, key: str) -> Any:
        return next((k for k in self._keys() if k.key == key and self._visible(k)), None)

    def add_idempotency_key(self, record: Any) -> None:
        self.uow.pending.append((self.uow.store.idempotency_keys, record))

    def forget_idempotency_keys(self, before: Any) -> None:
        store = self.uow.store.idempotency_keys
        for item_id in [i for i, k in store.items() if self._visible(k) and k.created_at < before]:
            del store[item_id]


class FakeAuditRepository(_Repo):
    """Rows added in a unit of work are committed with it, or dropped with it."""

    def claim_head(self, clinic_id: uuid.UUID) -> AuditHead:
        mine = [e for e in self._all() if e.clinic_id == clinic_id]
        newest = max(mine, key=lambda e: e.seq, default=None)
        return AuditHead(newest.seq, newest.hash) if newest else AuditHead()


class FakeFileStore:
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}

    def save(self, key: str, data: bytes, content_type: str) -> None:
        self.files[key] = (data, content_type)

    def load(self, key: str) -> tuple[bytes, str] | None:
        return self.files.get(key)

    def delete_prefix(self, prefix: str) -> None:
        for key in [k for k in self.files if k.startswith(prefix)]:
            del self.files[key]

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.files if k.startswith(prefix))


class FakeMessageRepository(_Repo):
    """The send log; settings in their own table beside it."""

    def __init__(self, uow: FakeUnitOfWork, table: dict[uuid.UUID, Any]) -> None:
        super().__init__(uow, table)
        self.settings_repo = _Repo(uow, uow.store.messaging_settings)

    def settings(self) -> Any:
        return next((s for s in self.settings_repo._all() if self._visible(s)), None)

    def add_settings(self, settings: Any) -> None:
        self.settings_repo.add(settings)

    def settings_by_id(self, settings_id: uuid.UUID) -> Any:
        return next((s for s in self.settings_repo._all() if s.id == settings_id
                     and self._visible(s)), None)

    def clinics_with_reminders(self) -> list[uuid.UUID]:
        return [s.clinic_id for s in self.uow.store.messaging_settings.values()
                if s.reminders_on]

    def existing_keys(self, keys: Any) -> set[str]:
        return {m.key for m in self._all() if self._visible(m) and m.key in set(keys)}

    def for_appointment(self, appointment_id: uuid.UUID) -> list[Any]:
        return sorted((m for m in self._all() if self._visible(m)
                       and m.appointment_id == appointment_id), key=lambda m: m.created_at)

    def awaiting_delivery(self, channel: Any, since: datetime, limit: int = 100) -> list[Any]:
        return sorted((m for m in self._all() if m.channel == channel and m.status == "sent"
                       and m.sent_at is not None and m.sent_at >= since
                       and m.provider_ref not in (None, "console")),
                      key=lambda m: m.sent_at)[:limit]

    def sms_spent(self, since: datetime) -> int:
        return sum(m.cost_minor or 0 for m in self._all() if self._visible(m)
                   and m.channel == "sms" and m.status in ("sent", "delivered")
                   and m.sent_at is not None and m.sent_at >= since)

    def for_patient(self, patient_id: uuid.UUID) -> list[Any]:
        return [m for m in self._all() if self._visible(m) and m.patient_id == patient_id]

    def by_link_code(self, code: str) -> Any:
        return next((m for m in self._all() if self._visible(m) and m.link_code == code), None)

    def claim(self, message_id: uuid.UUID, now: datetime) -> bool:
        message = self.table.get(message_id)  # written at once, as the SQL UPDATE commits
        if message is None or message.status != "queued":
            return False
        message.status, message.claimed_at = "sending", now
        message.attempts += 1
        return True

    def unfinished(self, before: datetime) -> list[Any]:
        return sorted((m for m in self._all() if m.status in ("queued", "sending")
                       and (m.claimed_at or m.not_before or m.created_at) < before),
                      key=lambda m: m.created_at)


class FakeUnitOfWork:
    """Adds become visible to others only on commit; unique emails are enforced as in SQL."""

    def __init__(self, tenant: Tenant, store: _Store) -> None:
        self.tenant, self.store = tenant, store
        self.pending: list[tuple[dict[uuid.UUID, Any], Any]] = []
        self.committed = False

    def __enter__(self) -> FakeUnitOfWork:
        self.clinics = FakeClinicRepository(self, self.store.clinics)
        self.users = FakeUserRepository(self, self.store.users)
        self.memberships = FakeMembershipRepository(self, self.store.memberships)
        self.password_resets = FakeResetRepository(self, self.store.resets)
        self.web_sessions = FakeWebSessionRepository(self, self.store.web_sessions)
        self.pending_signups = FakePendingSignUpRepository(self, self.store.pending_signups)
        self.api_tokens = FakeTokenRepository(self, self.store.tokens)
        self.outbox = FakeOutboxRepository(self, self.store.outbox)
        self.rooms = FakeCatalogRepository(self, self.store.rooms)
        self.doctors = FakeCatalogRepository(self, self.store.doctors)
        self.procedures = FakeCatalogRepository(self, self.store.procedures)
        self.patients = FakePatientRepository(self, self.store.patients)
        self.appointments = FakeAppointmentRepository(self, self.store.appointments)
        self.billing = FakeBillingRepository(self, self.store.subscriptions)
        self.team = FakeTeamRepository(self)
        self.referrals = FakeReferralRepository(self, self.store.referral_entries)
        self.audit = FakeAuditRepository(self, self.store.audit_log)
        self.messages = FakeMessageRepository(self, self.store.patient_messages)
        self.doctors_locked: list[uuid.UUID] = []
        return self

    def lock_for_writing(self) -> None:
        self.locked = True

    def write_in_turn(self) -> None:
        self.locked = True

    def lock_doctor(self, doctor_id: uuid.UUID) -> None:
        self.doctors_locked.append(doctor_id)

    def claim_clinic(self) -> None:
        self.claimed = True

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def commit(self) -> None:
        emails = {u.email for u in self.store.users.values()}
        for table, item in self.pending:
            if table is self.store.users and item.email in emails:
                self.pending.clear()
                raise Conflict("users.email")
            if table is self.store.referral_entries and any(
                    e.source_ref == item.source_ref for e in table.values()):
                self.pending.clear()
                raise Conflict("referral_entries.source_ref")
            if table is self.store.audit_log and any(
                    e.clinic_id == item.clinic_id and e.seq == item.seq
                    for e in table.values()):
                self.pending.clear()
                raise Conflict("audit_log.clinic_id, seq")
            if table is self.store.patient_messages and any(
                    m.clinic_id == item.clinic_id and m.key == item.key
                    for m in table.values()):
                self.pending.clear()
                raise Conflict("patient_messages.key")
            if table is self.store.idempotency_keys and any(
                    k.clinic_id == item.clinic_id and k.key == item.key
                    for k in table.values()):
                self.pending.clear()
                raise Conflict("idempotency_keys.key")
        for table, item in self.pending:
            table[item.id] = item
        self.pending.clear()
        self.committed = True

    def rollback(self) -> None:
        self.pending.clear()


class FakeUowFactory:
    def __init__(self) -> None:
        self.store = _Store()

    def __call__(self, tenant: Tenant) -> FakeUnitOfWork:
        return FakeUnitOfWork(tenant, self.store)
