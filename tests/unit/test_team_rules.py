"""The team's rules: what each role may do, and the life of an invitation link."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.domain.accounts import Role
from clinic.domain.team import (
    INVITATION_TTL,
    ROLE_PERMISSIONS,
    Invitation,
    InvitationInvalid,
    NotAllowed,
    Permission,
    can,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CLINIC = uuid.UUID(int=1)
INVITER = uuid.UUID(int=2)
P = Permission

# Issue 5, word for word: staff has the calendar, patients and the catalog read-only; admin has
# everything but billing and ownership transfer; the owner has everything. Issue 8: the partner
# program's page is the owner's and the admins'.
EXPECTED = {
    Role.STAFF: {P.CALENDAR, P.PATIENTS, P.CATALOG_READ},
    Role.ADMIN: {P.CALENDAR, P.PATIENTS, P.CATALOG_READ, P.CATALOG_EDIT, P.REPORTS, P.PEOPLE,
                 P.SETTINGS, P.PARTNER},
    Role.OWNER: set(Permission),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_each_role_has_exactly_the_permissions_the_issue_names(role, permission):
    assert can(role, permission) is (permission in EXPECTED[role])
    assert can(role.value, permission) is (permission in EXPECTED[role])  # as kept in a session


def test_the_table_names_every_role_and_nothing_else():
    assert {r: set(p) for r, p in ROLE_PERMISSIONS.items()} == EXPECTED


def test_staff_cannot_see_reports_people_settings_billing_or_edit_the_catalog():
    for permission in (P.REPORTS, P.PEOPLE, P.SETTINGS, P.BILLING, P.OWNERSHIP, P.CATALOG_EDIT):
        assert not can(Role.STAFF, permission)


def test_an_admin_cannot_touch_billing_or_hand_over_the_clinic():
    assert not can(Role.ADMIN, P.BILLING)
    assert not can(Role.ADMIN, P.OWNERSHIP)


def test_each_role_can_do_what_the_one_below_can():
    assert ROLE_PERMISSIONS[Role.STAFF] < ROLE_PERMISSIONS[Role.ADMIN] < ROLE_PERMISSIONS[
        Role.OWNER]


@given(st.one_of(st.none(), st.text(max_size=20)), st.sampled_from(list(Permission)))
def test_a_missing_or_unknown_role_may_do_nothing(role, permission):
    if role in {r.value for r in Role}:
        return
    assert can(role, permission) is False


def _invite(role: Role = Role.STAFF, at: datetime = NOW, token_hash: str = "h1") -> Invitation:
    return Invitation.issue(CLINIC, "olga@example.com", role, token_hash, INVITER, at)


def test_an_invitation_lasts_72_hours():
    invitation = _invite()
    assert timedelta(hours=72) == INVITATION_TTL
    assert invitation.created_at == NOW and invitation.expires_at == NOW + timedelta(hours=72)
    assert invitation.sent_count == 1
    assert invitation.accepted_at is None and invitation.revoked_at is None


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF])
def test_admins_and_staff_can_be_invited(role):
    assert _invite(role).role is role


def test_nobody_is_invited_as_owner():
    with pytest.raises(NotAllowed):
        _invite(Role.OWNER)


def test_the_link_works_up_to_the_last_microsecond_and_not_at_72_hours():
    invitation = _invite()
    last = NOW + INVITATION_TTL - timedelta(microseconds=1)
    invitation.check_usable(last)
    assert invitation.is_pending(last)
    at_expiry = NOW + INVITATION_TTL
    assert not invitation.is_pending(at_expiry)
    with pytest.raises(InvitationInvalid) as raised:
        invitation.check_usable(at_expiry)
    assert raised.value.reason == "expired"
    with pytest.raises(InvitationInvalid):
        invitation.accept(uuid.uuid4(), at_expiry)
    assert invitation.accepted_at is None


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
def test_pending_means_usable_at_any_moment(elapsed):
    invitation = _invite()
    moment = NOW + elapsed
    usable = elapsed < INVITATION_TTL
    assert invitation.is_pending(moment) is usable
    if usable:
        invitation.check_usable(moment)
    else:
        with pytest.raises(InvitationInvalid, match="expired"):
            invitation.check_usable(moment)


def test_a_link_is_used_once():
    invitation = _invite()
    person = uuid.uuid4()
    invitation.accept(person, NOW + timedelta(hours=1))
    assert (invitation.accepted_at, invitation.accepted_by) == (NOW + timedelta(hours=1), person)
    assert not invitation.is_pending(NOW + timedelta(hours=2))
    with pytest.raises(InvitationInvalid) as raised:
        invitation.accept(uuid.uuid4(), NOW + timedelta(hours=2))
    assert raised.value.reason == "used"
    assert invitation.accepted_by == person


def test_a_revoked_link_no_longer_works():
    invitation = _invite()
    invitation.revoke(NOW + timedelta(minutes=5))
    assert invitation.revoked_at == NOW + timedelta(minutes=5)
    assert not invitation.is_pending(NOW + timedelta(minutes=6))
    with pytest.raises(InvitationInvalid) as raised:
        invitation.check_usable(NOW + timedelta(minutes=6))
    assert raised.value.reason == "revoked"
    invitation.revoke(NOW + timedelta(minutes=9))  # a second revoke keeps the first moment
    assert invitation.revoked_at == NOW + timedelta(minutes=5)


def test_an_accepted_invitation_cannot_be_revoked_afterwards():
    invitation = _invite()
    invitation.accept(uuid.uuid4(), NOW)
    invitation.revoke(NOW + timedelta(minutes=1))
    assert invitation.revoked_at is None


def test_used_is_reported_before_revoked_and_expired():
    invitation = _invite()
    invitation.accept(uuid.uuid4(), NOW)
    with pytest.raises(InvitationInvalid, match="used"):
        invitation.check_usable(NOW + timedelta(days=10))


def test_renewing_gives_a_new_hash_and_a_new_72_hours():
    invitation = _invite(token_hash="old")
    later = NOW + timedelta(hours=70)
    invitation.renew("new", later)
    assert invitation.token_hash == "new"
    assert invitation.expires_at == later + INVITATION_TTL
    assert invitation.sent_count == 2
    assert invitation.created_at == NOW
    invitation.check_usable(NOW + timedelta(hours=100))  # past the first 72 hours


def test_an_expired_invitation_can_be_renewed():
    invitation = _invite()
    much_later = NOW + timedelta(days=10)
    invitation.renew("new", much_later)
    invitation.check_usable(much_later + timedelta(hours=1))


@pytest.mark.parametrize("end,reason", [("accept", "used"), ("revoke", "revoked")])
def test_a_used_or_revoked_invitation_is_not_renewed(end, reason):
    invitation = _invite(token_hash="old")
    if end == "accept":
        invitation.accept(uuid.uuid4(), NOW)
    else:
        invitation.revoke(NOW)
    with pytest.raises(InvitationInvalid) as raised:
        invitation.renew("new", NOW + timedelta(hours=1))
    assert raised.value.reason == reason
    assert (invitation.token_hash, invitation.sent_count) == ("old", 1)
    assert invitation.expires_at == NOW + INVITATION_TTL


def test_an_unknown_link_says_unknown_by_default():
    assert InvitationInvalid().reason == "unknown"
