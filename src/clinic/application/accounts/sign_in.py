"""Sign in with email and password."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from clinic.application.accounts.signed_in import SignedIn
from clinic.application.ports import ANY_CLINIC, PasswordHasher, UnitOfWorkFactory
from clinic.domain.accounts import InvalidCredentials, normalize_email

# One throwaway hash per hasher for the life of the process: a use case is built per request,
# and hashing anew for each unknown email made those answers ~280 ms slower than a wrong
# password for a known one, which told an attacker which emails have accounts.
_DUMMY_HASHES: WeakKeyDictionary[PasswordHasher, str] = WeakKeyDictionary()


class SignIn:
    """Check the password; the answer never tells whether the email is known."""

    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher) -> None:
        self.uow_factory = uow_factory
        self.hasher = hasher

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
        dummy = _DUMMY_HASHES.get(self.hasher)
        if dummy is None:
            dummy = _DUMMY_HASHES.setdefault(self.hasher, self.hasher.hash("not anyone's"))
        self.hasher.verify(dummy, password)
