"""Sign-up on the web: the form sends an email, and its link opens the clinic.

The form's answer is the same whether or not the email already has an account, as the
password reset's is: a new address gets the link that opens its clinic, a known one a notice
that it already has an account (with a sign-in and a reset link). Nothing is created until the
link is opened, so no clinic is ever made for an address nobody reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clinic.application.accounts.secrets import new_token, token_hash
from clinic.application.accounts.sign_up import (
    SignUpCommand,
    StarterKit,
    check_new_clinic,
    open_clinic,
    referrer_of,
)
from clinic.application.accounts.signed_in import SignedIn
from clinic.application.outbox.dispatch import OutboxDispatcher
from clinic.application.outbox.message import OutboxMessage
from clinic.application.ports import (
    ANY_CLINIC,
    Clock,
    Conflict,
    EmailComposer,
    PasswordHasher,
    UnitOfWorkFactory,
)
from clinic.domain.accounts import (
    SIGN_UP_LINK_TTL,
    EmailAlreadyTaken,
    PendingSignUp,
    SignUpLinkInvalid,
    normalize_email,
    pick_locale,
)


@dataclass(frozen=True)
class SignUpLinks:
    """Absolute links for the two emails, built by the web from BASE_URL."""

    open_clinic: Callable[[str], str]  # the token -> the link that opens the clinic
    sign_in: str
    forgot_password: str


@dataclass(frozen=True)
class PendingClinic:
    """What the confirmation page shows before the person opens their clinic."""

    clinic_name: str
    email: str


class RequestSignUp:
    """Check the form; then email either the link that opens the clinic or, to an address that
    has an account already, a notice. The caller answers the same in both cases."""

    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock,
                 composer: EmailComposer, dispatcher: OutboxDispatcher) -> None:
        self.uow_factory = uow_factory
        self.hasher = hasher
        self.clock = clock
        self.composer = composer
        self.dispatcher = dispatcher

    def __call__(self, command: SignUpCommand, links: SignUpLinks) -> None:
        with self.uow_factory(ANY_CLINIC) as uow:
            check_new_clinic(uow, command, reveal_accounts=False)  # never "taken" or "yours"
        # Hashed in both cases (slow on purpose), so both answers take as long.
        password_hash = self.hasher.hash(command.password)
        email = normalize_email(command.email)
        locale = pick_locale(command.locale)
        now = self.clock.now()
        with self.uow_factory(ANY_CLINIC) as uow:
            uow.pending_signups.remove_expired(now)
            user = uow.users.get_by_email(email)
            if user is not None:
                message = self.composer.compose(
                    "sign_up_existing", pick_locale(user.locale or locale), user.email,
                    {"name": user.name, "sign_in": links.sign_in,
                     "forgot": links.forgot_password})
            else:
                token = new_token()
                uow.pending_signups.add(PendingSignUp(
                    token_hash(token), email, command.clinic_name.strip(),
                    command.owner_name.strip(), password_hash, locale,
                    command.timezone or "", command.treats_patients,
                    command.promo_code.strip(), created_at=now,
                    expires_at=now + SIGN_UP_LINK_TTL))
                message = self.composer.compose(
                    "sign_up_confirm", locale, email,
                    {"name": command.owner_name.strip(), "clinic": command.clinic_name.strip(),
                     "link": links.open_clinic(token),
                     "hours": int(SIGN_UP_LINK_TTL.total_seconds() // 3600)})
            outbox = OutboxMessage.email(message, now)
            uow.outbox.add(outbox)
            uow.commit()
        self.dispatcher.dispatch([outbox.id])


class ConfirmSignUp:
    """The emailed link, opened: the clinic and its owner are made, and the owner signed in."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def pending(self, token: str) -> PendingClinic | None:
        """What the link would open, while it can still be used."""
        with self.uow_factory(ANY_CLINIC) as uow:
            found = uow.pending_signups.get_by_token_hash(token_hash(token))
            if found is None or not found.usable(self.clock.now()):
                return None
            return PendingClinic(found.clinic_name, found.email)

    def __call__(self, token: str, starter: StarterKit | None = None) -> SignedIn:
        """Raises SignUpLinkInvalid, or EmailAlreadyTaken when the address got an account in
        the meantime (another link of the same address was opened first)."""
        now = self.clock.now()
        with self.uow_factory(ANY_CLINIC) as uow:
            # a double click: the second waits for the first, then finds the link used (410)
            uow.write_in_turn()
            pending = uow.pending_signups.get_by_token_hash(token_hash(token), lock=True)
            if pending is None:
                raise SignUpLinkInvalid()
            pending.use(now)
            command = SignUpCommand(
                pending.clinic_name, pending.owner_name, pending.email, "", pending.locale,
                pending.timezone or None, pending.treats_patients, starter, pending.promo_code)
            errors: dict[str, str] = {}
            referrer = referrer_of(uow, pending.promo_code, pending.email, errors)
            if errors:  # the referring clinic is gone since: open the clinic without it
                referrer = None
            signed_in = open_clinic(uow, command, pending.password_hash, referrer, now)
            try:
                uow.commit()
            except Conflict:  # a concurrent confirmation of the same address won
                raise EmailAlreadyTaken() from None
        return signed_in


