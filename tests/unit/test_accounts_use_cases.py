
import pytest

from clinic.application.accounts.api_tokens import (
    AuthenticateApiToken,
    CreateApiToken,
    CreateOperatorToken,
    ListApiTokens,
    RevokeApiToken,
    TokenHolder,
)
from clinic.application.accounts.password_reset import (
    CheckResetLink,
    RequestPasswordReset,
    ResetPassword,
)
from clinic.application.accounts.queries import SessionUser, TokenRow
from clinic.application.accounts.sessions import (
    ChooseLanguage,
    SignOutEverywhere,
    StartWebSession,
)
from clinic.application.accounts.sign_in import SignIn
from clinic.application.accounts.sign_up import SignUp, SignUpCommand
from clinic.application.accounts.sign_up_by_email import (
    ConfirmSignUp,
    PendingClinic,
    RequestSignUp,
    SignUpLinks,
)
from clinic.application.outbox.deliver import DeliverOutboxMessage
from clinic.application.outbox.dispatch import OutboxDispatcher
from clinic.application.ports import ANY_CLINIC
from clinic.domain.accounts import (
    ClinicStatus,
    InvalidCredentials,
    Membership,
    ResetLinkInvalid,
    Role,
    SignUpLinkInvalid,
    User,
)
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import NotAllowed
from tests.acting import member_token
from tests.unit.fakes import (
    FakeComposer,
    FakeHasher,
    FakeMailer,
    RecordingQueue,
)


def sign_up(uow, clock, email="anna@example.com", locale="ru", timezone="Asia/Yekaterinburg"):
    return SignUp(uow, FakeHasher(), clock)(
        SignUpCommand("Smile", "Anna Petrova", email, "correct horse", locale, timezone))


def test_signing_up_creates_the_clinic_with_its_owner(uow, clock):
    signed_in = sign_up(uow, clock)
    clinic = uow.store.clinics[signed_in.clinic_id]
    user = uow.store.users[signed_in.user_id]
    (membership,) = uow.store.memberships.values()
    assert (clinic.name, clinic.timezone, clinic.currency, clinic.country, clinic.locale) == (
        "Smile", "Asia/Yekaterinburg", "RUB", "RU", "ru")
    assert user.email == "anna@example.com" and user.password_hash == "fake$correct horse"
    assert (membership.clinic_id, membership.user_id, membership.role) == (
        clinic.id, user.id, Role.OWNER)


def test_an_english_browser_gets_dollars_and_an_unknown_zone_falls_back_to_moscow(uow, clock):
    signed_in = sign_up(uow, clock, locale="en", timezone="Mars/Olympus")
    clinic = uow.store.clinics[signed_in.clinic_id]
    assert (clinic.currency, clinic.timezone, clinic.locale) == ("USD", "Europe/Moscow", "en")


def test_an_email_can_sign_up_only_once_whatever_its_case(uow, clock):
    sign_up(uow, clock)
    with pytest.raises(ValidationFailed) as raised:
        sign_up(uow, clock, email=" ANNA@example.com")
    assert raised.value.errors == {"email": "email_taken"}
    assert len(uow.store.clinics) == 1


def test_signing_in_needs_the_right_password(uow, clock):
    signed_up = sign_up(uow, clock)
    sign_in = SignIn(uow, FakeHasher())
    assert sign_in("Anna@Example.com", "correct horse").clinic_id == signed_up.clinic_id
    with pytest.raises(InvalidCredentials):
        sign_in("anna@example.com", "wrong horse")
    with pytest.raises(InvalidCredentials):
        sign_in("nobody@example.com", "correct horse")


class CountingHasher(FakeHasher):
    def __init__(self) -> None:
        self.hashed = 0
        self.verified = 0

    def hash(self, password: str) -> str:
        self.hashed += 1
        return super().hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return super().verify(password_hash, password)


def test_an_unknown_email_costs_one_verify_like_a_wrong_password_and_no_new_hash(uow, clock):
    sign_up(uow, clock)
    hasher = CountingHasher()
    for _ in range(5):  # a use case per request, as the container makes them
        with pytest.raises(InvalidCredentials):
            SignIn(uow, hasher)("nobody@example.com", "correct horse")
    assert hasher.hashed == 1 and hasher.verified == 5
    with pytest.raises(InvalidCredentials):
        SignIn(uow, hasher)("anna@example.com", "wrong horse")
    assert hasher.hashed == 1 and hasher.verified == 6


def test_signing_out_everywhere_moves_the_session_version_on(uow, clock):
    signed_in = sign_up(uow, clock)
    SignOutEverywhere(uow)(signed_in.user_id)
    assert uow.store.users[signed_in.user_id].session_version == signed_in.session_version + 1


def test_the_chosen_language_is_kept_and_unknown_ones_ignored(uow, clock):
    signed_in = sign_up(uow, clock)
    ChooseLanguage(uow)(signed_in.user_id, "en")
    ChooseLanguage(uow)(signed_in.user_id, "xx")
    assert uow.store.users[signed_in.user_id].locale == "en"


class TestPasswordReset:
    @pytest.fixture
    def setup(self, uow, clock):
        signed_in = sign_up(uow, clock)
        queue = RecordingQueue()
        request = RequestPasswordReset(uow, FakeComposer(), clock, OutboxDispatcher(queue))
        links: list[str] = []

        def link_for(token):
            links.append(token)
            return f"https://x/reset/{token}"

        return signed_in, request, queue, links, link_for

    def test_a_known_email_gets_a_link_through_the_outbox(self, uow, clock, setup):
        _signed_in, request, queue, links, link_for = setup
        request("ANNA@example.com", "en", link_for)
        (message,) = uow.store.outbox.values()
        assert message.to == "anna@example.com"
        assert message.subject == "[ru] password_reset"  # the user's own language wins
        assert f"link=https://x/reset/{links[0]}" in message.text
        assert queue.jobs == [("deliver_outbox_message", {"message_id": str(message.id)})]
        assert links[0] not in str(next(iter(uow.store.resets.values())).token_hash)

    def test_an_unknown_email_gets_nothing_and_the_same_answer(self, uow, clock, setup):
        _, request, queue, links, link_for = setup
        assert request("stranger@example.com", "en", link_for) is None
        assert not uow.store.outbox and not queue.jobs and not links

    def test_a_malformed_email_is_a_field_error(self, setup):
        _, request, _, _, link_for = setup
        with pytest.raises(ValidationFailed) as raised:
            request("anna@", "en", link_for)
        assert raised.value.errors == {"email": "email_invalid"}

    def test_the_link_sets_a_new_password_once(self, uow, clock, setup):
        signed_in, request, _, links, link_for = setup
        request("anna@example.com", "en", link_for)
        reset = ResetPassword(uow, FakeHasher(), clock)
        assert CheckResetLink(uow, clock)(links[0])
        result = reset(links[0], "a brand new one")
        assert result.session_version == signed_in.session_version + 1
        assert SignIn(uow, FakeHasher())("anna@example.com", "a brand new one")
        assert not CheckResetLink(uow, clock)(links[0])
        with pytest.raises(ResetLinkInvalid):
            reset(links[0], "and another one")

    def test_the_link_expires_after_an_hour(self, uow, clock, setup):
        _, request, _, links, link_for = setup
        request("anna@example.com", "en", link_for)
        clock.advance(minutes=61)
        assert not CheckResetLink(uow, clock)(links[0])
        with pytest.raises(ResetLinkInvalid):
            ResetPassword(uow, FakeHasher(), clock)(links[0], "a brand new one")

    def test_a_short_new_password_is_refused_before_the_link_is_spent(self, uow, clock, setup):
        _, request, _, links, link_for = setup
        request("anna@example.com", "en", link_for)
        with pytest.raises(ValidationFailed):
            ResetPassword(uow, FakeHasher(), clock)(links[0], "short")
        assert CheckResetLink(uow, clock)(links[0])

    def test_when_the_queue_is_down_the_email_waits_in_the_outbox(self, uow, clock):
        sign_up(uow, clock)
        request = RequestPasswordReset(uow, FakeComposer(), clock,
                                       OutboxDispatcher(RecordingQueue(down=True)))
        request("anna@example.com", "en", lambda token: token)
        (message,) = uow.store.outbox.values()
        assert message.sent_at is None


class TestOutboxDelivery:
    def test_a_message_is_sent_once(self, uow, clock):
        sign_up(uow, clock)
        RequestPasswordReset(uow, FakeComposer(), clock, OutboxDispatcher(RecordingQueue()))(
            "anna@example.com", "en", lambda token: token)
        (message,) = uow.store.outbox.values()
        mailer = FakeMailer()
        deliver = DeliverOutboxMessage(uow, mailer, clock)
        assert deliver(message.id) == "sent"
        assert deliver(message.id) == "skipped"
        assert [m.to for m in mailer.sent] == ["anna@example.com"]

    def test_a_failed_send_stays_pending_with_its_reason(self, uow, clock):
        sign_up(uow, clock)
        RequestPasswordReset(uow, FakeComposer(), clock, OutboxDispatcher(RecordingQueue()))(
            "anna@example.com", "en", lambda token: token)
        (message,) = uow.store.outbox.values()
        assert DeliverOutboxMessage(uow, FakeMailer(fail=True), clock)(message.id) == "failed"
        assert message.sent_at is None and message.attempts == 1
        assert "SMTP server down" in (message.last_error or "")


class FakeAccountQueries:
    """session_user over the fake store: the person (unless disabled) and their membership."""

    def __init__(self, uow) -> None:
        self.store = uow.store

    def session_user(self, user_id, clinic_id):
        user = self.store.users.get(user_id)
        if user is None or user.disabled:
            return None
        membership = next((m for m in self.store.memberships.values()
                           if m.user_id == user_id and m.clinic_id == clinic_id), None)
        clinic = self.store.clinics.get(clinic_id) if membership else None
        return SessionUser(user.id, user.email, user.name, user.locale, user.session_version,
                           clinic.id if clinic else None, clinic.name if clinic else None,
                           clinic.status.value if clinic else None,
                           membership.role.value if membership else None)


    def api_token(self, token_hash):
        token = next((t for t in self.store.tokens.values() if t.token_hash == token_hash), None)
        if token is None:
            return None
        clinic = self.store.clinics[token.clinic_id]
        owner = next((m.user_id for m in self.store.memberships.values()
                      if m.clinic_id == token.clinic_id and m.role == Role.OWNER), None)
        return TokenRow(token.id, token.clinic_id, token.created_by, token.active,
                        clinic.status.value, owner)


class TestApiTokens:
    @staticmethod
    def authenticate(uow, secret):
        return AuthenticateApiToken(FakeAccountQueries(uow))(secret)

    @staticmethod
    def add_member(uow, clock, clinic_id, email, role):
        user = User(email, email.split("@")[0], "fake$x", clock.now())
        uow.store.users[user.id] = user
        membership = Membership(clinic_id, user.id, role, clock.now())
        uow.store.memberships[membership.id] = membership
        return user, membership

    def test_a_token_speaks_for_its_clinic_and_only_its_hash_is_kept(self, uow, clock):
        signed_in = sign_up(uow, clock)
        token = CreateOperatorToken(uow, clock)(signed_in.clinic_id, "website")
        (stored,) = uow.store.tokens.values()
        assert token.secret.startswith("chs_") and token.secret not in stored.token_hash
        assert self.authenticate(uow, token.secret) == TokenHolder(
            signed_in.clinic_id, Role.OWNER, None)

    def test_unknown_or_revoked_tokens_speak_for_nobody(self, uow, clock):
        signed_in = sign_up(uow, clock)
        token = CreateOperatorToken(uow, clock)(signed_in.clinic_id, "website")
        assert self.authenticate(uow, "chs_not-a-token") is None
        assert self.authenticate(uow, "Bearer nonsense") is None
        uow.store.tokens[token.id].revoked_at = clock.now()
        assert self.authenticate(uow, token.secret) is None

    def test_a_suspended_clinic_speaks_for_nobody(self, uow, clock):
        signed_in = sign_up(uow, clock)
        operator = CreateOperatorToken(uow, clock)(signed_in.clinic_id, "website")
        mine = CreateApiToken(uow, clock)(signed_in.clinic_id, signed_in.user_id, "mine")
        uow.store.clinics[signed_in.clinic_id].status = ClinicStatus.SUSPENDED
        # known tokens, refused with the reason (the API answers 403, not "who are you")
        assert self.authenticate(uow, operator.secret).suspended
        assert self.authenticate(uow, mine.secret).suspended

    def test_a_persons_token_speaks_with_their_role_as_it_is_now(self, uow, clock):
        signed_in = sign_up(uow, clock)
        user, membership = self.add_member(uow, clock, signed_in.clinic_id, "olga@example.com",
                                           Role.ADMIN)
        token = CreateApiToken(uow, clock)(signed_in.clinic_id, user.id, "olga's")
        assert self.authenticate(uow, token.secret) == TokenHolder(
            signed_in.clinic_id, Role.ADMIN, user.id)
        membership.role = Role.STAFF
        assert self.authenticate(uow, token.secret).role is Role.STAFF

    def test_a_removed_or_disabled_persons_token_stops_working(self, uow, clock):
        signed_in = sign_up(uow, clock)
        olga, membership = self.add_member(uow, clock, signed_in.clinic_id, "olga@example.com",
                                           Role.STAFF)
        ivan, _ = self.add_member(uow, clock, signed_in.clinic_id, "ivan@example.com",
                                  Role.STAFF)
        olgas = member_token(uow, signed_in.clinic_id, olga.id, "olga's")  # staff: test data
        ivans = member_token(uow, signed_in.clinic_id, ivan.id, "ivan's")
        del uow.store.memberships[membership.id]
        ivan.disabled = True
        assert self.authenticate(uow, olgas.secret) is None
        assert self.authenticate(uow, ivans.secret) is None

    def test_a_member_of_another_clinic_gets_nothing_here(self, uow, clock):
        first = sign_up(uow, clock)
        second = sign_up(uow, clock, email="boris@example.com")
        token = member_token(uow, first.clinic_id, second.user_id, "boris's")
        assert self.authenticate(uow, token.secret) is None

    def test_a_token_for_an_unknown_clinic_is_refused(self, uow, clock):
        import uuid

        with pytest.raises(NotFound):
            CreateOperatorToken(uow, clock)(uuid.uuid4(), "website")

    def test_the_list_and_revoking_are_for_those_who_may_change_the_settings(self, uow, clock):
        signed_in = sign_up(uow, clock)
        admin, _ = self.add_member(uow, clock, signed_in.clinic_id, "anna@example.com",
                                   Role.ADMIN)
        staff, _ = self.add_member(uow, clock, signed_in.clinic_id, "ivan@example.com",
                                   Role.STAFF)
        stranger = sign_up(uow, clock, email="boris@example.com")
        token = CreateOperatorToken(uow, clock)(signed_in.clinic_id, "website")
        listing, revoke = ListApiTokens(uow), RevokeApiToken(uow, clock)
        clinic = signed_in.clinic_id
        assert [row.id for row in listing(clinic, admin.id)] == [token.id]
        with pytest.raises(NotAllowed):
            listing(clinic, staff.id)
        with pytest.raises(NotAllowed):
            revoke(clinic, staff.id, token.id)
        with pytest.raises(NotFound):
            revoke(clinic, stranger.user_id, token.id)
        assert uow.store.tokens[token.id].revoked_at is None
        revoke(clinic, admin.id, token.id)
        assert uow.store.tokens[token.id].revoked_at is not None
        assert listing(clinic, signed_in.user_id) == []

    def test_a_member_makes_a_token_only_if_they_may_change_the_settings(self, uow, clock):
        signed_in = sign_up(uow, clock)
        staff, _ = self.add_member(uow, clock, signed_in.clinic_id, "ivan@example.com",
                                   Role.STAFF)
        stranger = sign_up(uow, clock, email="boris@example.com")
        make = CreateApiToken(uow, clock)
        with pytest.raises(NotAllowed):
            make(signed_in.clinic_id, staff.id, "mine")
        with pytest.raises(NotFound):
            make(signed_in.clinic_id, stranger.user_id, "mine")
        assert not uow.store.tokens
        made = make(signed_in.clinic_id, signed_in.user_id, "mine")
        assert uow.store.tokens[made.id].created_by == signed_in.user_id

    def test_an_operators_token_acts_for_the_owner(self, uow, clock):
        signed_in = sign_up(uow, clock)
        token = CreateOperatorToken(uow, clock)(signed_in.clinic_id, "website")
        assert self.authenticate(uow, token.secret).acts_for == signed_in.user_id

    def test_a_token_needs_a_name(self, uow, clock):
        signed_in = sign_up(uow, clock)
        with pytest.raises(ValidationFailed):
            CreateOperatorToken(uow, clock)(signed_in.clinic_id, "  ")


def test_a_unit_of_work_scoped_to_a_clinic_sees_nothing_of_another(uow, clock):
    first = sign_up(uow, clock)
    second = sign_up(uow, clock, email="boris@example.com")
    with uow(first.clinic_id) as scoped:
        assert scoped.clinics.get(second.clinic_id) is None
        assert scoped.clinics.get(first.clinic_id) is not None
    with uow(ANY_CLINIC) as unscoped:
        assert unscoped.clinics.get(second.clinic_id) is not None


class TestSignUpByEmail:
    """The form says the same for every email; the link opens the clinic once."""

    @pytest.fixture
    def request_sign_up(self, uow, clock):
        return RequestSignUp(uow, FakeHasher(), clock, FakeComposer(),
                             OutboxDispatcher(RecordingQueue()))

    LINKS = SignUpLinks(open_clinic=lambda token: f"/open/{token}", sign_in="/signin",
                        forgot_password="/forgot")

    @staticmethod
    def command(email="zoe@example.com", clinic="Zoe Dental", password="another good one"):
        return SignUpCommand(clinic, "Zoe", email, password, "en", "Europe/Berlin")

    @staticmethod
    def token_of(uow) -> str:
        (message,) = [m for m in uow.store.outbox.values() if "sign_up_confirm" in m.subject]
        return message.text.split("link=/open/")[1].split()[0]

    def test_a_new_email_gets_the_link_and_nothing_is_made_yet(self, uow, clock,
                                                                request_sign_up):
        request_sign_up(self.command(), self.LINKS)
        assert uow.store.users == {} and uow.store.clinics == {}
        (message,) = uow.store.outbox.values()
        assert (message.to, message.subject) == ("zoe@example.com", "[en] sign_up_confirm")

    def test_a_taken_email_gets_a_notice_and_no_link(self, uow, clock, request_sign_up):
        sign_up(uow, clock)
        request_sign_up(self.command(email="ANNA@example.com"), self.LINKS)
        (notice,) = [m for m in uow.store.outbox.values()]
        assert (notice.to, notice.subject) == ("anna@example.com", "[ru] sign_up_existing")
        assert uow.store.pending_signups == {} and len(uow.store.clinics) == 1

    def test_field_errors_are_said_and_nothing_is_sent(self, uow, request_sign_up):
        with pytest.raises(ValidationFailed) as raised:
            request_sign_up(self.command(clinic="", password="password"), self.LINKS)
        assert raised.value.errors == {"clinic_name": "required", "password": "password_common"}
        assert uow.store.outbox == {}

    def test_the_link_opens_the_clinic_once(self, uow, clock, request_sign_up):
        request_sign_up(self.command(), self.LINKS)
        confirm = ConfirmSignUp(uow, clock)
        token = self.token_of(uow)
        assert confirm.pending(token) == PendingClinic("Zoe Dental", "zoe@example.com")
        signed_in = confirm(token)
        assert uow.store.clinics[signed_in.clinic_id].timezone == "Europe/Berlin"
        assert SignIn(uow, FakeHasher())("zoe@example.com", "another good one")
        assert confirm.pending(token) is None
        with pytest.raises(SignUpLinkInvalid):
            confirm(token)

    def test_the_link_expires_after_a_day(self, uow, clock, request_sign_up):
        request_sign_up(self.command(), self.LINKS)
        clock.advance(hours=24)
        with pytest.raises(SignUpLinkInvalid):
            ConfirmSignUp(uow, clock)(self.token_of(uow))
        assert uow.store.clinics == {}


def test_erasing_a_person_follows_the_removal_rule_in_every_clinic(uow, clock):
    from clinic.application.accounts.operations import EraseUser
    from clinic.domain.accounts import ERASED_NAME, OwnsClinics
    from tests.factories import DoctorFactory, MembershipFactory, UserFactory, add

    clinics = [sign_up(uow, clock, email=f"owner{i}@example.com").clinic_id for i in range(2)]
    sam = UserFactory(email="sam@example.com")
    add(uow(ANY_CLINIC), sam, *(MembershipFactory(clinic_id=c, user_id=sam.id) for c in clinics))
    tokens = [member_token(uow, clinic_id, sam.id, "sam's") for clinic_id in clinics]
    add(uow(clinics[0]), DoctorFactory(clinic_id=clinics[0], user_id=sam.id))
    with pytest.raises(OwnsClinics):
        EraseUser(uow, clock)("owner0@example.com")
    assert EraseUser(uow, clock)("SAM@example.com") == sam.id
    erased = uow.store.users[sam.id]
    assert (erased.name, erased.disabled) == (ERASED_NAME, True) and "sam" not in erased.email
    assert [m for m in uow.store.memberships.values() if m.user_id == sam.id] == []
    assert all(uow.store.tokens[t.id].revoked_at is not None for t in tokens)
    assert all(d.user_id != sam.id for d in uow.store.doctors.values())
    assert EraseUser(uow, clock)("nobody@example.com") is None


def test_erasing_a_person_ends_every_session_of_theirs_once(uow, clock):
    """Each browser of theirs is signed out (its record gone, the session version moved on,
    once: one rule ends them), and nobody else's is."""
    from clinic.application.accounts.operations import EraseUser
    from tests.factories import MembershipFactory, UserFactory, add

    clinic_id = sign_up(uow, clock, email="owner@example.com").clinic_id
    sam = UserFactory(email="sam@example.com")
    add(uow(ANY_CLINIC), sam, MembershipFactory(clinic_id=clinic_id, user_id=sam.id))
    start = StartWebSession(uow, clock)
    for _browser in range(2):
        start(sam.id)
    owner = next(u for u in uow.store.users.values() if u.email == "owner@example.com")
    start(owner.id)
    before = uow.store.users[sam.id].session_version
    EraseUser(uow, clock)("sam@example.com")
    assert [s.user_id for s in uow.store.web_sessions.values()] == [owner.id]
    assert uow.store.users[sam.id].session_version == before + 1
