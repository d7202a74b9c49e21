"""The team against the real databases: invitations, joining, roles, removal, ownership, history.

Every refusal is checked to change nothing: the rows of every table the team touches are read
before and after and must be equal."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dependency_injector import providers
from sqlalchemy import select

from clinic.adapters.sqlalchemy import tables
from clinic.application.accounts.secrets import token_hash
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.catalog.doctors import DoctorFields
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from clinic.domain.accounts import InvalidCredentials
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import (
    AlreadyMember,
    InvitationForSomeoneElse,
    InvitationInvalid,
    NotAllowed,
    OwnerCannotLeave,
)
from tests.acting import member_token, owner_of
from tests.licences import grant_licence

PASSWORD = "correct horse"
LINK_RE = re.compile(r"http://clinic\.test/join/(\S+)")
# What a refusal must leave exactly as it was.
WATCHED = (tables.users, tables.memberships, tables.invitations, tables.membership_events,
           tables.outbox, tables.api_tokens, tables.doctors)


class MovableClock:
    def __init__(self) -> None:
        self.current = datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


@pytest.fixture
def clock(container) -> MovableClock:
    clock = MovableClock()
    container.clock.override(providers.Object(clock))
    yield clock
    container.clock.reset_override()


def link_for(token: str) -> str:
    return f"http://clinic.test/join/{token}"


def sign_up(container, email: str = "anna@example.com", clinic: str = "Smile",
            name: str = "Anna"):
    """A clinic that pays for ten people besides the owner: the licence is not these tests'
    subject (test_licence_limits.py's)."""
    signed = container.sign_up()(SignUpCommand(clinic, name, email, PASSWORD, "ru",
                                               "Europe/Moscow"))
    grant_licence(container, signed.clinic_id, seats=10)
    return signed


@pytest.fixture
def owner(container, clock):
    """Clinic "Smile" and its owner Anna (a doctor, as the sign-up makes her)."""
    return sign_up(container)


def snapshot(container) -> dict[str, list[tuple]]:
    with container.engine().connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(select(t))), key=repr) for t in WATCHED}


def rows(container, table) -> list:
    with container.engine().connect() as conn:
        return list(conn.execute(select(table)))


def invite(container, owner, email: str = "olga@example.com", role: str = "staff",
           actor=None) -> str:
    """Invite and return the raw token read back from the link in the email."""
    before = {r.id for r in rows(container, tables.outbox)}
    container.invite_member()(owner.clinic_id, actor or owner.user_id, email, role, link_for)
    (message,) = [r for r in rows(container, tables.outbox) if r.id not in before]
    return LINK_RE.search(message.text).group(1)


def join(container, owner, email: str = "olga@example.com", role: str = "staff",
         name: str = "Olga"):
    """A new person invited and joined; returns their SignedIn."""
    token = invite(container, owner, email, role)
    return container.accept_invitation()(token, name=name, password=PASSWORD)


def refused(container, error, call, *args, **kwargs):
    """Call, expect the error, and check no watched row changed."""
    before = snapshot(container)
    with pytest.raises(error) as raised:
        call(*args, **kwargs)
    assert snapshot(container) == before, f"{error.__name__} changed the database"
    return raised.value


def members(container, clinic_id) -> list[tuple[str, str]]:
    return [(m.email, m.role) for m in container.team_queries().members(clinic_id)]


# --- inviting ------------------------------------------------------------------------------

def test_an_invitation_is_emailed_with_a_link_and_only_the_tokens_hash_is_kept(container,
                                                                                owner, clock):
    invitation = container.invite_member()(owner.clinic_id, owner.user_id, " Olga@Example.com ",
                                           "admin", link_for)
    assert (invitation.email, invitation.role.value) == ("olga@example.com", "admin")
    (message,) = rows(container, tables.outbox)
    assert message.recipient == "olga@example.com" and message.clinic_id == owner.clinic_id
    assert "Smile" in message.subject and "Anna" in message.subject
    assert "Smile" in message.text and "72" in message.text
    token = LINK_RE.search(message.text).group(1)
    assert f'href="{link_for(token)}"' in message.html
    (stored,) = rows(container, tables.invitations)
    assert all(token not in str(value) for value in stored)
    assert stored.token_hash == token_hash(token)
    assert (stored.email, stored.invited_by, stored.sent_count) == (
        "olga@example.com", owner.user_id, 1)
    assert stored.expires_at == clock.now() + timedelta(hours=72)
    view = container.open_invitation()(token)
    assert (view.clinic_id, view.clinic_name, view.email, view.role, view.has_account) == (
        owner.clinic_id, "Smile", "olga@example.com", "admin", False)


@pytest.mark.parametrize("email,role,errors", [
    ("not-an-email", "staff", {"email": "email_invalid"}),
    ("", "staff", {"email": "required"}),
    ("olga@example.com", "owner", {"role": "role_invalid"}),
    ("olga@example.com", "boss", {"role": "role_invalid"}),
    ("nope", "owner", {"email": "email_invalid", "role": "role_invalid"}),
])
def test_a_bad_invitation_names_the_field_and_changes_nothing(container, owner, email, role,
                                                              errors):
    error = refused(container, ValidationFailed, container.invite_member(), owner.clinic_id,
                    owner.user_id, email, role, link_for)
    assert error.errors == errors


def test_someone_already_in_the_clinic_is_not_invited(container, owner):
    join(container, owner)
    for email in ("olga@example.com", " OLGA@example.com", "anna@example.com"):
        refused(container, AlreadyMember, container.invite_member(), owner.clinic_id,
                owner.user_id, email, "staff", link_for)


def test_an_address_with_a_pending_invitation_is_not_invited_twice(container, owner, clock):
    invite(container, owner)
    error = refused(container, ValidationFailed, container.invite_member(), owner.clinic_id,
                    owner.user_id, "OLGA@example.com", "admin", link_for)
    assert error.errors == {"email": "already_invited"}
    clock.advance(hours=72)  # once it has expired, a new one may be sent
    invite(container, owner)
    (pending,) = container.team_queries().pending_invitations(owner.clinic_id, clock.now())
    assert pending.email == "olga@example.com"
    closed = [i.revoked_at is None for i in rows(container, tables.invitations)]
    assert sorted(closed) == [False, True]  # the expired one is closed by the new one


def test_a_double_click_on_invite_sends_one_invitation(container, owner):
    results = _at_once(*(lambda: container.invite_member()(
        owner.clinic_id, owner.user_id, "olga@example.com", "staff", link_for)
        for _ in range(4)))
    assert sorted(results) == ["ValidationFailed"] * 3 + ["done"], results
    assert len(rows(container, tables.invitations)) == 1
    assert len(rows(container, tables.outbox)) == 1


def test_a_revoked_invitation_does_not_block_a_new_one(container, owner):
    invite(container, owner)
    (invitation,) = rows(container, tables.invitations)
    container.revoke_invitation()(owner.clinic_id, owner.user_id, invitation.id)
    invite(container, owner)
    assert len(rows(container, tables.invitations)) == 2


def test_staff_cannot_invite_resend_revoke_or_change_anyone(container, owner):
    staff = join(container, owner)
    invite(container, owner, "boris@example.com")
    (pending,) = [r for r in rows(container, tables.invitations) if r.accepted_at is None]
    clinic = owner.clinic_id
    refused(container, NotAllowed, container.invite_member(), clinic, staff.user_id,
            "zoe@example.com", "staff", link_for)
    refused(container, NotAllowed, container.resend_invitation(), clinic, staff.user_id,
            pending.id, link_for)
    refused(container, NotAllowed, container.revoke_invitation(), clinic, staff.user_id,
            pending.id)
    refused(container, NotAllowed, container.change_role(), clinic, staff.user_id,
            staff.user_id, "admin")
    refused(container, NotAllowed, container.link_doctor(), clinic, staff.user_id,
            staff.user_id, None)
    refused(container, NotAllowed, container.remove_member(), clinic, staff.user_id,
            owner.user_id)
    refused(container, NotAllowed, container.transfer_ownership(), clinic, staff.user_id,
            PASSWORD, staff.user_id)


def test_an_admin_runs_the_team_too(container, owner):
    admin = join(container, owner, role="admin")
    token = invite(container, owner, "boris@example.com", actor=admin.user_id)
    boris = container.accept_invitation()(token, name="Boris", password=PASSWORD)
    container.change_role()(owner.clinic_id, admin.user_id, boris.user_id, "admin")
    container.remove_member()(owner.clinic_id, admin.user_id, boris.user_id)
    assert members(container, owner.clinic_id) == [("anna@example.com", "owner"),
                                                   ("olga@example.com", "admin")]


# --- joining -------------------------------------------------------------------------------

def test_a_new_person_joins_with_a_name_and_password_and_can_then_sign_in(container, owner):
    token = invite(container, owner, role="staff")
    joined = container.accept_invitation()(token, name="  Olga Ivanova ", password="violet sky 1",
                                           locale="en")
    assert joined.clinic_id == owner.clinic_id
    signed_in = container.sign_in()("olga@example.com", "violet sky 1")
    assert (signed_in.user_id, signed_in.clinic_id) == (joined.user_id, owner.clinic_id)
    (olga,) = [m for m in container.team_queries().members(owner.clinic_id)
               if m.user_id == joined.user_id]
    assert (olga.name, olga.email, olga.role) == ("Olga Ivanova", "olga@example.com", "staff")
    (invitation,) = rows(container, tables.invitations)
    assert (invitation.accepted_by, invitation.accepted_at) == (joined.user_id, olga.joined_at)


@pytest.mark.parametrize("name,password,errors", [
    ("", PASSWORD, {"name": "required"}),
    ("Olga", "short", {"password": "password_too_short"}),
    ("  ", "", {"name": "required", "password": "required"}),
])
def test_a_new_person_with_a_bad_name_or_password_is_told_and_nothing_changes(
        container, owner, name, password, errors):
    token = invite(container, owner)
    error = refused(container, ValidationFailed, container.accept_invitation(), token,
                    name=name, password=password)
    assert error.errors == errors
    container.accept_invitation()(token, name="Olga", password=PASSWORD)  # still usable


def test_a_person_with_an_account_joins_by_giving_its_password(container, owner):
    olga = sign_up(container, "olga@example.com", "Olga's own clinic", "Olga")
    token = invite(container, owner, role="admin")
    assert container.open_invitation()(token).has_account
    error = refused(container, ValidationFailed, container.accept_invitation(), token,
                    password="not her password", name="Someone")
    assert error.errors == {"password": "password_wrong"}
    refused(container, ValidationFailed, container.accept_invitation(), token)
    joined = container.accept_invitation()(token, password=PASSWORD, name="Ignored")
    assert (joined.user_id, joined.clinic_id) == (olga.user_id, owner.clinic_id)
    assert ("olga@example.com", "admin") in members(container, owner.clinic_id)
    (user,) = [u for u in rows(container, tables.users) if u.email == "olga@example.com"]
    assert user.name == "Olga"  # her account is hers: the form's name does not rename her
    assert [c.name for c in container.team_queries().clinics_of(olga.user_id)] == [
        "Olga's own clinic", "Smile"]


def test_a_person_signed_in_as_the_invited_email_joins_with_one_click(container, owner):
    olga = sign_up(container, "olga@example.com", "Olga's own clinic", "Olga")
    token = invite(container, owner)
    joined = container.accept_invitation()(token, signed_in_user=olga.user_id)
    assert joined.user_id == olga.user_id
    assert ("olga@example.com", "staff") in members(container, owner.clinic_id)


def test_a_link_opened_while_signed_in_as_someone_else_is_refused(container, owner):
    boris = sign_up(container, "boris@example.com", "Boris's clinic", "Boris")
    token = invite(container, owner)  # Olga has no account yet
    refused(container, InvitationForSomeoneElse, container.accept_invitation(), token,
            signed_in_user=boris.user_id, name="Olga", password=PASSWORD)
    sign_up(container, "olga@example.com", "Olga's own clinic", "Olga")  # now she has one
    refused(container, InvitationForSomeoneElse, container.accept_invitation(), token,
            signed_in_user=boris.user_id, password=PASSWORD)
    refused(container, InvitationForSomeoneElse, container.accept_invitation(), token,
            signed_in_user=owner.user_id)


def test_a_link_expires_after_exactly_72_hours(container, owner, clock):
    token = invite(container, owner)
    clock.advance(hours=72, seconds=-1)
    container.open_invitation()(token)
    assert container.team_queries().pending_invitations(owner.clinic_id, clock.now())
    clock.advance(seconds=1)
    for call in (lambda: container.open_invitation()(token),
                 lambda: container.accept_invitation()(token, name="Olga", password=PASSWORD)):
        assert refused(container, InvitationInvalid, call).reason == "expired"
    assert not container.team_queries().pending_invitations(owner.clinic_id, clock.now())


def test_a_link_works_once(container, owner):
    token = invite(container, owner)
    container.accept_invitation()(token, name="Olga", password=PASSWORD)
    for call in (lambda: container.open_invitation()(token),
                 lambda: container.accept_invitation()(token, name="Olga", password=PASSWORD),
                 lambda: container.accept_invitation()(token, password=PASSWORD)):
        assert refused(container, InvitationInvalid, call).reason == "used"


def test_a_revoked_link_no_longer_works(container, owner):
    token = invite(container, owner)
    (invitation,) = rows(container, tables.invitations)
    container.revoke_invitation()(owner.clinic_id, owner.user_id, invitation.id)
    for call in (lambda: container.open_invitation()(token),
                 lambda: container.accept_invitation()(token, name="Olga", password=PASSWORD)):
        assert refused(container, InvitationInvalid, call).reason == "revoked"
    assert not container.team_queries().pending_invitations(owner.clinic_id,
                                                            datetime.now(UTC))


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 500])
def test_an_unknown_link_is_refused(container, owner, token):
    invite(container, owner)
    for call in (lambda: container.open_invitation()(token),
                 lambda: container.accept_invitation()(token, name="Olga", password=PASSWORD)):
        assert refused(container, InvitationInvalid, call).reason == "unknown"


def test_a_resent_invitation_has_a_new_link_and_the_old_one_stops_working(container, owner,
                                                                          clock):
    old = invite(container, owner)
    (invitation,) = rows(container, tables.invitations)
    clock.advance(hours=71)
    container.resend_invitation()(owner.clinic_id, owner.user_id, invitation.id, link_for)
    second = max(rows(container, tables.outbox), key=lambda m: m.created_at)
    new = LINK_RE.search(second.text).group(1)
    assert new != old and second.recipient == "olga@example.com"
    (renewed,) = rows(container, tables.invitations)
    assert renewed.sent_count == 2 and renewed.token_hash == token_hash(new)
    assert renewed.expires_at == clock.now() + timedelta(hours=72)
    assert refused(container, InvitationInvalid, container.open_invitation(), old).reason == (
        "unknown")
    clock.advance(hours=2)  # past the first 72 hours, within the new ones
    joined = container.accept_invitation()(new, name="Olga", password=PASSWORD)
    assert joined.clinic_id == owner.clinic_id


def test_a_used_or_revoked_invitation_is_not_resent(container, owner):
    token = invite(container, owner)
    container.accept_invitation()(token, name="Olga", password=PASSWORD)
    invite(container, owner, "boris@example.com")
    used, revoked = sorted(rows(container, tables.invitations),
                           key=lambda i: i.email != "olga@example.com")
    container.revoke_invitation()(owner.clinic_id, owner.user_id, revoked.id)
    for invitation, reason in ((used, "used"), (revoked, "revoked")):
        error = refused(container, InvitationInvalid, container.resend_invitation(),
                        owner.clinic_id, owner.user_id, invitation.id, link_for)
        assert error.reason == reason


def test_an_old_invitation_is_not_resent_to_someone_who_joined_or_was_invited_again(
        container, owner, clock):
    invite(container, owner)
    clock.advance(hours=73)
    token = invite(container, owner)  # the first expired; a second one was sent
    first, _second = sorted(rows(container, tables.invitations), key=lambda i: i.created_at)
    assert first.revoked_at == clock.now()  # superseded by the second
    error = refused(container, InvitationInvalid, container.resend_invitation(),
                    owner.clinic_id, owner.user_id, first.id, link_for)
    assert error.reason == "revoked"
    container.accept_invitation()(token, name="Olga", password=PASSWORD)
    refused(container, InvitationInvalid, container.resend_invitation(), owner.clinic_id,
            owner.user_id, first.id, link_for)
    assert container.team_queries().pending_invitations(owner.clinic_id, clock.now()) == []


def test_an_expired_invitation_can_be_resent(container, owner, clock):
    invite(container, owner)
    (invitation,) = rows(container, tables.invitations)
    clock.advance(days=5)
    container.resend_invitation()(owner.clinic_id, owner.user_id, invitation.id, link_for)
    new = LINK_RE.search(max(rows(container, tables.outbox), key=lambda m: m.created_at)
                         .text).group(1)
    assert container.open_invitation()(new).email == "olga@example.com"


def test_long_names_and_line_breaks_make_a_one_line_subject_the_outbox_can_keep(container,
                                                                               clock):
    clinic_name, inviter = "Клиника " + "С" * 112, "Анна " + "П" * 115
    owner = sign_up(container, clinic=clinic_name, name=inviter)
    token = invite(container, owner, role="admin")
    (message,) = rows(container, tables.outbox)
    assert len(message.subject) <= 255 and clinic_name[:50] in message.subject
    container.accept_invitation()(token, name="Olga\nBcc: everyone@example.com",
                                  password=PASSWORD)
    olga = next(u for u in rows(container, tables.users) if u.email == "olga@example.com")
    invite(container, owner, "boris@example.com", actor=olga.id)
    (to_boris,) = [m for m in rows(container, tables.outbox) if m.recipient != "olga@example.com"]
    assert "\n" not in to_boris.subject and "\r" not in to_boris.subject


def test_a_removed_person_can_be_invited_back(container, owner):
    olga = join(container, owner, role="admin")
    container.remove_member()(owner.clinic_id, owner.user_id, olga.user_id)
    token = invite(container, owner)
    back = container.accept_invitation()(token, password=PASSWORD)
    assert back.user_id == olga.user_id
    assert ("olga@example.com", "staff") in members(container, owner.clinic_id)


def test_two_people_racing_for_one_link_leave_one_member(container, owner):
    token = invite(container, owner)
    results: list[str] = []
    barrier = threading.Barrier(6)

    def accept() -> None:
        barrier.wait()
        try:
            container.accept_invitation()(token, name="Olga", password=PASSWORD)
            results.append("joined")
        except InvitationInvalid as error:
            results.append(error.reason)
        except Exception as error:  # anything else is a failure the test must show
            results.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=accept) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["joined"] + ["used"] * 5
    assert [u.email for u in rows(container, tables.users)].count("olga@example.com") == 1
    assert len(members(container, owner.clinic_id)) == 2


# --- roles, doctors, removal, ownership ----------------------------------------------------

def test_a_role_changes_but_never_to_or_from_owner(container, owner):
    olga = join(container, owner)
    container.change_role()(owner.clinic_id, owner.user_id, olga.user_id, "admin")
    assert ("olga@example.com", "admin") in members(container, owner.clinic_id)
    error = refused(container, ValidationFailed, container.change_role(), owner.clinic_id,
                    owner.user_id, olga.user_id, "owner")
    assert error.errors == {"role": "role_invalid"}
    refused(container, ValidationFailed, container.change_role(), owner.clinic_id,
            owner.user_id, olga.user_id, "root")
    refused(container, OwnerCannotLeave, container.change_role(), owner.clinic_id,
            olga.user_id, owner.user_id, "staff")
    refused(container, NotFound, container.change_role(), owner.clinic_id, owner.user_id,
            uuid.uuid4(), "staff")


def test_a_person_is_linked_to_one_doctor_at_most(container, owner):
    olga = join(container, owner)
    clinic = owner.clinic_id
    first = container.save_doctor()(clinic, owner_of(container, clinic), DoctorFields("Dr Olga"))
    second = container.save_doctor()(clinic, owner_of(container, clinic),
        DoctorFields("Dr O. Ivanova"))
    container.link_doctor()(clinic, owner.user_id, olga.user_id, first.id)
    container.link_doctor()(clinic, owner.user_id, olga.user_id, second.id)
    linked = {d.name: d.user_id for d in rows(container, tables.doctors)}
    assert linked["Dr O. Ivanova"] == olga.user_id and linked["Dr Olga"] is None
    (row,) = [m for m in container.team_queries().members(clinic) if m.user_id == olga.user_id]
    assert (row.doctor_id, row.doctor_name) == (second.id, "Dr O. Ivanova")
    container.link_doctor()(clinic, owner.user_id, olga.user_id, None)
    assert olga.user_id not in {d.user_id for d in rows(container, tables.doctors)}


def test_an_archived_or_unknown_doctor_cannot_be_linked(container, owner):
    olga = join(container, owner)
    clinic = owner.clinic_id
    doctor = container.save_doctor()(clinic, owner_of(container, clinic), DoctorFields("Dr Olga"))
    container.archive_doctor()(clinic, owner_of(container, clinic), doctor.id, True)
    other = sign_up(container, "boris@example.com", "Other", "Boris")
    with container.uow(other.clinic_id) as uow:
        elsewhere = uow.doctors.list()[0].id
    for doctor_id in (doctor.id, elsewhere, uuid.uuid4()):
        error = refused(container, ValidationFailed, container.link_doctor(), clinic,
                        owner.user_id, olga.user_id, doctor_id)
        assert error.errors == {"doctor_id": "doctor_unavailable"}


def test_a_removed_person_loses_access_at_once_and_their_records_stay(container, owner):
    clinic = owner.clinic_id
    olga = join(container, owner, role="admin")
    olgas_token = member_token(container, clinic, olga.user_id, "olga's")
    annas_token = container.create_api_token()(clinic, owner.user_id, "anna's")
    doctor = container.save_doctor()(clinic, owner_of(container, clinic), DoctorFields("Dr Olga"))
    container.link_doctor()(clinic, owner.user_id, olga.user_id, doctor.id)
    patient = container.save_patient()(clinic, owner_of(container, clinic),
        PatientFields("Ivan", "+79161234567"))
    with container.uow(clinic) as uow:
        room = uow.rooms.list()[0]
        procedure = uow.procedures.list()[0]
    start = (datetime.now(ZoneInfo("Europe/Moscow")) + timedelta(days=7)).replace(
        hour=10, minute=0, second=0, microsecond=0)
    booked = container.book_appointment()(clinic, BookingRequest(
        patient.id, room.id, doctor.id, start, [procedure.id], booked_by=olga.user_id,
        confirm_outside_hours=True))

    assert container.account_queries().session_user(olga.user_id, clinic).role == "admin"

    container.remove_member()(clinic, owner.user_id, olga.user_id)

    # What every request of her open sessions loads now says she is in no clinic.
    session = container.account_queries().session_user(olga.user_id, clinic)
    assert (session.role, session.clinic_id) == (None, None)
    assert members(container, clinic) == [("anna@example.com", "owner")]
    assert container.authenticate_api_token()(olgas_token.secret) is None
    holder = container.authenticate_api_token()(annas_token.secret)
    assert holder is not None and getattr(holder, "clinic_id", holder) == clinic
    revoked = {t.id: t.revoked_at for t in rows(container, tables.api_tokens)}
    assert revoked[olgas_token.id] is not None and revoked[annas_token.id] is None
    assert {d.name: d.user_id for d in rows(container, tables.doctors)}["Dr Olga"] is None
    (appointment,) = rows(container, tables.appointments)
    assert appointment.id == booked.id and appointment.created_by == olga.user_id
    assert olga.user_id in {u.id for u in rows(container, tables.users)}
    assert container.sign_in()("olga@example.com", PASSWORD).clinic_id is None
    assert container.team_queries().clinics_of(olga.user_id) == []


def test_the_owner_cannot_be_removed_nor_a_stranger(container, owner):
    admin = join(container, owner, role="admin")
    refused(container, OwnerCannotLeave, container.remove_member(), owner.clinic_id,
            admin.user_id, owner.user_id)
    refused(container, OwnerCannotLeave, container.remove_member(), owner.clinic_id,
            owner.user_id, owner.user_id)
    refused(container, NotFound, container.remove_member(), owner.clinic_id, owner.user_id,
            uuid.uuid4())


def test_ownership_goes_to_an_admin_with_the_password_given_again(container, owner):
    clinic = owner.clinic_id
    admin = join(container, owner, role="admin")
    staff = join(container, owner, "boris@example.com", name="Boris")
    stranger = sign_up(container, "zoe@example.com", "Zoe's", "Zoe")
    transfer = container.transfer_ownership()
    error = refused(container, ValidationFailed, transfer, clinic, owner.user_id, "wrong one",
                    admin.user_id)
    assert error.errors == {"password": "password_wrong"}
    for heir in (staff.user_id, stranger.user_id, owner.user_id, uuid.uuid4()):
        error = refused(container, ValidationFailed, transfer, clinic, owner.user_id, PASSWORD,
                        heir)
        assert error.errors == {"new_owner_id": "owner_must_be_admin"}
    refused(container, NotAllowed, transfer, clinic, admin.user_id, PASSWORD, admin.user_id)

    transfer(clinic, owner.user_id, PASSWORD, admin.user_id)

    assert members(container, clinic) == [("olga@example.com", "owner"),
                                          ("anna@example.com", "admin"),
                                          ("boris@example.com", "staff")]
    refused(container, NotAllowed, transfer, clinic, owner.user_id, PASSWORD, admin.user_id)
    container.remove_member()(clinic, admin.user_id, owner.user_id)  # Anna is no longer owner
    refused(container, OwnerCannotLeave, container.remove_member(), clinic, admin.user_id,
            admin.user_id)


# --- what the team page reads --------------------------------------------------------------

def test_every_change_is_recorded_and_listed_newest_first(container, owner, clock):
    clinic = owner.clinic_id

    def step() -> None:
        clock.advance(minutes=1)

    token = invite(container, owner, role="admin")
    step()
    (invitation,) = rows(container, tables.invitations)
    container.resend_invitation()(clinic, owner.user_id, invitation.id, link_for)
    token = LINK_RE.search(max(rows(container, tables.outbox), key=lambda m: m.created_at)
                           .text).group(1)
    step()
    olga = container.accept_invitation()(token, name="Olga", password=PASSWORD)
    step()
    invite(container, owner, "boris@example.com")
    step()
    boris_invitation = next(i for i in rows(container, tables.invitations)
                            if i.email == "boris@example.com")
    container.revoke_invitation()(clinic, owner.user_id, boris_invitation.id)
    step()
    container.change_role()(clinic, owner.user_id, olga.user_id, "staff")
    step()
    doctor = container.save_doctor()(clinic, owner_of(container, clinic), DoctorFields("Dr Olga"))
    container.link_doctor()(clinic, owner.user_id, olga.user_id, doctor.id)
    step()
    container.change_role()(clinic, owner.user_id, olga.user_id, "admin")
    step()
    container.transfer_ownership()(clinic, owner.user_id, PASSWORD, olga.user_id)
    step()
    container.remove_member()(clinic, olga.user_id, owner.user_id)

    events = container.team_queries().events(clinic)
    assert [(e.action, e.actor_name, e.subject_email, e.detail) for e in events] == [
        ("removed", "Olga", "anna@example.com", ""),
        ("owner_changed", "Anna", "olga@example.com", ""),
        ("role_changed", "Anna", "olga@example.com", "admin"),
        ("doctor_linked", "Anna", "olga@example.com", "Dr Olga"),
        ("role_changed", "Anna", "olga@example.com", "staff"),
        ("revoked", "Anna", "boris@example.com", ""),
        ("invited", "Anna", "boris@example.com", "staff"),
        ("joined", "Olga", "olga@example.com", "admin"),
        ("resent", "Anna", "olga@example.com", ""),
        ("invited", "Anna", "olga@example.com", "admin"),
    ]
    assert [e.created_at for e in events] == sorted((e.created_at for e in events),
                                                    reverse=True)
    assert events[0].subject_name == "Anna" and events[0].created_at == clock.now()
    assert len(container.team_queries().events(clinic, limit=3)) == 3


def test_the_history_keeps_names_after_people_are_removed(container, owner):
    olga = join(container, owner, role="admin")
    token = invite(container, owner, "boris@example.com", actor=olga.user_id)
    container.remove_member()(owner.clinic_id, owner.user_id, olga.user_id)
    container.accept_invitation()(token, name="Boris", password=PASSWORD)
    invited = [e for e in container.team_queries().events(owner.clinic_id)
               if e.subject_email == "boris@example.com" and e.action == "invited"]
    assert [e.actor_name for e in invited] == ["Olga"]


def test_members_come_owner_first_with_their_doctors(container, owner):
    clinic = owner.clinic_id
    zoe = join(container, owner, "zoe@example.com", "staff", "Zoe")
    join(container, owner, "boris@example.com", "admin", "Boris")
    join(container, owner, "alla@example.com", "staff", "Alla")
    doctor = container.save_doctor()(clinic, owner_of(container, clinic), DoctorFields("Dr Zoe"))
    container.link_doctor()(clinic, owner.user_id, zoe.user_id, doctor.id)
    listed = container.team_queries().members(clinic)
    assert [(m.name, m.role, m.doctor_name) for m in listed] == [
        ("Anna", "owner", "Anna"), ("Boris", "admin", None), ("Alla", "staff", None),
        ("Zoe", "staff", "Dr Zoe")]
    assert listed[3].doctor_id == doctor.id


def test_pending_invitations_leave_out_accepted_revoked_and_expired_ones(container, owner,
                                                                        clock):
    clinic = owner.clinic_id
    token = invite(container, owner, "used@example.com")
    container.accept_invitation()(token, name="Used", password=PASSWORD)
    invite(container, owner, "revoked@example.com")
    revoked = next(i for i in rows(container, tables.invitations)
                   if i.email == "revoked@example.com")
    container.revoke_invitation()(clinic, owner.user_id, revoked.id)
    invite(container, owner, "expired@example.com")
    clock.advance(hours=48)
    invite(container, owner, "pending@example.com", "admin")
    clock.advance(hours=24)
    (pending,) = container.team_queries().pending_invitations(clinic, clock.now())
    assert (pending.email, pending.role, pending.invited_by_name, pending.sent_count) == (
        "pending@example.com", "admin", "Anna", 1)


def test_a_person_in_two_clinics_sees_both(container, owner):
    olga = sign_up(container, "olga@example.com", "Alpha clinic", "Olga")
    token = invite(container, owner, role="admin")
    container.accept_invitation()(token, signed_in_user=olga.user_id)
    assert [(c.name, c.role) for c in container.team_queries().clinics_of(olga.user_id)] == [
        ("Alpha clinic", "owner"), ("Smile", "admin")]
    assert [c.clinic_id for c in container.team_queries().clinics_of(owner.user_id)] == [
        owner.clinic_id]


# --- one clinic cannot reach into another ---------------------------------------------------

def test_another_clinics_actor_cannot_touch_this_clinics_people(container, owner):
    a = owner.clinic_id
    olga = join(container, owner, role="admin")
    invite(container, owner, "boris@example.com")
    (pending,) = [i for i in rows(container, tables.invitations) if i.accepted_at is None]
    b = sign_up(container, "zoe@example.com", "Other", "Zoe")
    # Acting in clinic A: Zoe is not a member there.
    for call, args in (
            (container.invite_member(), (a, b.user_id, "x@example.com", "staff", link_for)),
            (container.resend_invitation(), (a, b.user_id, pending.id, link_for)),
            (container.revoke_invitation(), (a, b.user_id, pending.id)),
            (container.change_role(), (a, b.user_id, olga.user_id, "staff")),
            (container.link_doctor(), (a, b.user_id, olga.user_id, None)),
            (container.remove_member(), (a, b.user_id, olga.user_id)),
            (container.transfer_ownership(), (a, b.user_id, PASSWORD, olga.user_id))):
        refused(container, NotFound, call, *args)
    # Acting in her own clinic B on A's ids: they do not exist there.
    b_clinic = b.clinic_id
    for call, args in (
            (container.resend_invitation(), (b_clinic, b.user_id, pending.id, link_for)),
            (container.revoke_invitation(), (b_clinic, b.user_id, pending.id)),
            (container.change_role(), (b_clinic, b.user_id, olga.user_id, "staff")),
            (container.link_doctor(), (b_clinic, b.user_id, olga.user_id, None)),
            (container.remove_member(), (b_clinic, b.user_id, olga.user_id))):
        refused(container, NotFound, call, *args)
    assert container.team_queries().pending_invitations(b_clinic, datetime.now(UTC)) == []
    assert members(container, b_clinic) == [("zoe@example.com", "owner")]
    assert container.team_queries().events(b_clinic) == []


def test_a_removed_person_cannot_act_on_the_team(container, owner):
    olga = join(container, owner, role="admin")
    container.remove_member()(owner.clinic_id, owner.user_id, olga.user_id)
    refused(container, NotFound, container.invite_member(), owner.clinic_id, olga.user_id,
            "x@example.com", "staff", link_for)


def test_signing_in_with_the_invited_email_before_joining_fails(container, owner):
    invite(container, owner)
    with pytest.raises(InvalidCredentials):
        container.sign_in()("olga@example.com", PASSWORD)


# --- races ---------------------------------------------------------------------------------

def _at_once(*calls) -> list[str]:
    """Run the calls in threads released together; what each ended with."""
    results: list[str] = [""] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i: int) -> None:
        barrier.wait()
        try:
            calls[i]()
            results[i] = "done"
        except Exception as error:
            results[i] = type(error).__name__

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _owners(container, clinic_id) -> list[str]:
    return [email for email, role in members(container, clinic_id) if role == "owner"]


def test_handing_the_clinic_to_three_admins_at_once_leaves_one_owner(container, owner):
    clinic = owner.clinic_id
    heirs = [join(container, owner, f"admin{i}@example.com", "admin", f"Admin {i}")
             for i in range(3)]
    transfer = container.transfer_ownership()
    results = _at_once(*(lambda h=h: transfer(clinic, owner.user_id, PASSWORD, h.user_id)
                         for h in heirs))
    assert sorted(results) == ["NotAllowed", "NotAllowed", "done"], results
    (new_owner,) = _owners(container, clinic)
    assert new_owner == f"admin{results.index('done')}@example.com"


def test_a_handover_and_a_demotion_of_the_heir_at_once_leave_one_owner(container, owner):
    clinic = owner.clinic_id
    for i in range(4):
        heir = join(container, owner, f"heir{i}@example.com", "admin", f"Heir {i}")
        current = next(m.user_id for m in container.team_queries().members(clinic)
                       if m.role == "owner")
        results = _at_once(
            lambda c=current, h=heir.user_id: container.transfer_ownership()(
                clinic, c, PASSWORD, h),
            lambda c=current, h=heir.user_id: container.change_role()(clinic, c, h, "staff"))
        assert len(_owners(container, clinic)) == 1, results
        assert results in (["done", "OwnerCannotLeave"], ["ValidationFailed", "done"],
                           ["done", "NotAllowed"]), results
