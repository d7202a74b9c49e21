"""Sign in with email and password."""

from __future__ import annotations

from clinic.application.accounts.signed_in import SignedIn
from clinic.application.ports import ANY_CLINIC, PasswordHasher, UnitOfWorkFactory
from clinic.domain.accounts import InvalidCredentials, normalize_email


class SignIn:
    """Check the password; the answer never tells whether the email is known."""

    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher) -> None:
        self.uow_factory = uow_factory
        self.hasher = hasher
        self._dummy_hash: str | None = None

    def __call__(self, email: str, password: str) -> SignedIn:
        with self.uow_factory(ANY_CLINIC) as uow:
            user = uow.users.get_by_email(normalize_email(email))
            if user is None or user.disabled:
                self._spend_same_time(password)
                raise InvalidCredentials()
            if not self.hasher.verify(user.password_hash, password):
                raise InvalidCredentials()
            if self.hasher.needs_rehash(user.password_hash):
                user.password_hash = self.hasher.hash(password)
            memberships = sorted(uow.memberships.for_user(user.id), key=lambda m: m.created_at)
            uow.commit()
            clinic_id = memberships[0].clinic_id if memberships else None
            return SignedIn(user.id, clinic_id, user.session_version, user.locale)

    def _spend_same_time(self, password: str) -> None:
        """Verify against a throwaway hash so an unknown email costs as long as a wrong password."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("not the password of anyone")
        self.hasher.verify(self._dummy_hash, password)
