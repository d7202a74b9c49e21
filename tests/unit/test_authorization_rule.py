"""The one authorization rule of the use cases (docs/architecture.md, "Authorization";
issue 17, section 3): a use case that acts for a member declares `requires = Permission.X` and
checks it with `authorize(uow, clinic_id, actor_id, self.requires)` in its own unit of work.

Every use case the container provides is named here once: it follows the rule, or no member
of a clinic acts through it, or it is a shorthand for one that follows it, or it is still
guarded by its door's decorator alone (the list that issue 17 shrinks to nothing)."""

from __future__ import annotations

import ast
import typing
import uuid
from pathlib import Path

import pytest
from dependency_injector import providers

from clinic.application.authorization import authorize
from clinic.container import Container
from clinic.domain.accounts import Role
from clinic.domain.shared import NotFound
from clinic.domain.team import NotAllowed, Permission
from tests.factories import ClinicFactory, MembershipFactory, UserFactory, add

APPLICATION = Path(__file__).resolve().parents[2] / "src" / "clinic" / "application"

# No member of a clinic acts: a visitor, a person on their own account, a provider's event, a
# job, the operator's command line, or a use case called by another use case.
NOT_FOR_A_MEMBER = {
    "SignUp", "RequestSignUp", "ConfirmSignUp", "SignIn", "RequestPasswordReset",
    "CheckResetLink", "ResetPassword", "SignOutEverywhere", "StartWebSession", "EndWebSession",
    "ChooseLanguage", "RememberCalendarView", "AuthenticateApiToken", "OpenInvitation",
    "AcceptInvitation", "DeliverOutboxMessage", "RelayOutbox", "OutboxDispatcher",
    "CreditReferrer", "VerifyReferrals", "SyncSubscription", "RecordPayment", "Reconcile",
    "HandleProviderEvent", "AuditTrail", "VerifyAudit", "SuspendClinic", "ResumeClinic",
    "DisableUser", "EraseUser", "ExportClinic", "AddPatientsInBulk", "AddAppointmentsInBulk",
    # the operator's `clinic tokens create` (a token made by nobody, speaking as the owner)
    "CreateOperatorToken",
    # the test-mode payment provider's page: keyed by its checkout token, as a webhook is
    "CompleteTestCheckout",
    # patient messages: the scheduler and the jobs, and the patient's own link (its code)
    "PlanReminders", "DeliverPatientMessage", "TrackDeliveries", "AnswerVisit",
    "NotifyPatient", "HandleTelegramUpdate",  # after a commit; Telegram by its secret
}
# Guarded only by the door's `permission_required` (web and API) until they take the actor and
# declare `requires`: issue 17, section 3, what is left.
DOOR_GUARDED_ONLY = {
    # the billing page (BILLING), and also what a chair or seat offer covers, shown to an
    # admin refused a room or a person (`web/licence_offer.py`): a permission of its own first
    "ShowBilling",
}
# A shorthand for another use case, which follows the rule and checks the actor it is handed.
DELEGATES = {"ChangeAppointmentStatus": "UpdateAppointment",
             "MoveAppointment": "UpdateAppointment"}


def use_cases() -> dict[str, type]:
    found: dict[str, type] = {}
    for provider in Container.providers.values():
        if isinstance(provider, providers.Factory) and \
                provider.cls.__module__.startswith("clinic.application."):
            found[provider.cls.__name__] = provider.cls
    return found


def test_every_use_case_is_named_once() -> None:
    cases = use_cases()
    declaring = {name for name, cls in cases.items() if isinstance(
        getattr(cls, "requires", None), Permission)}
    assert not declaring & (NOT_FOR_A_MEMBER | DOOR_GUARDED_ONLY), (
        "These declare `requires`; take them off the lists above: "
        f"{sorted(declaring & (NOT_FOR_A_MEMBER | DOOR_GUARDED_ONLY))}")
    assert not NOT_FOR_A_MEMBER & DOOR_GUARDED_ONLY
    assert not declaring & set(DELEGATES), "a delegate declares `requires` of its own"
    for name, target in DELEGATES.items():
        assert target in declaring, f"{name} hands its actor to {target}, which must check it"
        hints = typing.get_type_hints(cases[name].__init__)
        assert cases[target] in hints.values(), f"{name} does not call {target}"
    unnamed = set(cases) - declaring - NOT_FOR_A_MEMBER - DOOR_GUARDED_ONLY - set(DELEGATES)
    assert not unnamed, (
        "A new use case: declare `requires = Permission.X` and call `authorize(uow, clinic_id, "
        "actor_id, self.requires)` in its unit of work (application/authorization.py), or, if "
        f"no member of a clinic acts through it, add it to NOT_FOR_A_MEMBER: {sorted(unnamed)}")
    assert not (NOT_FOR_A_MEMBER | DOOR_GUARDED_ONLY | set(DELEGATES)) - set(cases), \
        "a name here is gone"
    # the set the rule covers today (issue 17, section 3): the team, billing, erasure
    assert {"InviteMember", "ResendInvitation", "RevokeInvitation", "ChangeRole", "LinkDoctor",
            "RemoveMember", "TransferOwnership", "ChangePlan", "OpenCardPortal",
            "ErasePatient", "UpdateClinicSettings", "ListApiTokens",
            "RevokeApiToken", "BookAppointment", "UpdateAppointment",
            "OpenAppointment", "SavePatient", "OpenPatientCard", "SaveRoom", "SaveDoctor",
            "SaveProcedure", "SetArchived", "SetDoctorPhoto", "RemoveDoctorPhoto",
            "LoadDoctorPhoto", "ExportReport", "CreateApiToken"} <= declaring


def test_no_door_makes_a_token_for_nobody() -> None:
    """The operator's path (`CreateOperatorToken`) is the command line's alone."""
    doors = APPLICATION.parent / "entrypoints"
    found = [path.name for door in ("web", "api", "http") for path in (doors / door).rglob("*.py")
             if "operator_token" in path.read_text(encoding="utf-8")
             or "CreateOperatorToken" in path.read_text(encoding="utf-8")]
    assert not found, found
    assert "create_operator_token" in (doors / "cli" / "__init__.py").read_text(encoding="utf-8")


def breaches(root: Path = APPLICATION) -> list[str]:
    """A class that declares `requires` but never calls `authorize`, and an `authorize` call
    that names its permission in place (not `self.requires`)."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(root).as_posix()
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            declares = any(isinstance(s, (ast.Assign, ast.AnnAssign)) and "requires" in
                           [t.id for t in (s.targets if isinstance(s, ast.Assign)
                                           else [s.target]) if isinstance(t, ast.Name)]
                           for s in cls.body)
            calls = [n for n in ast.walk(cls) if isinstance(n, ast.Call)
                     and isinstance(n.func, ast.Name) and n.func.id == "authorize"]
            if declares and not calls:
                found.append(f"{where}:{cls.lineno} {cls.name} declares requires, never "
                             "calls authorize")
            for call in calls:
                if len(call.args) != 4 or ast.unparse(call.args[3]) != "self.requires":
                    found.append(f"{where}:{call.lineno} {cls.name}: authorize(..., "
                                 "self.requires), the declared permission")
    return found


def test_each_check_is_the_declared_one() -> None:
    assert not breaches(), "\n".join(breaches())


def test_the_check_sees_a_breach(tmp_path: Path) -> None:
    (tmp_path / "new.py").write_text(
        "class Forgot:\n"
        "    requires = Permission.PEOPLE\n"
        "    def __call__(self): ...\n"
        "class InPlace:\n"
        "    def __call__(self, uow, clinic_id, actor_id):\n"
        "        authorize(uow, clinic_id, actor_id, Permission.BILLING)\n",
        encoding="utf-8")
    assert breaches(tmp_path) == [
        "new.py:1 Forgot declares requires, never calls authorize",
        "new.py:6 InPlace: authorize(..., self.requires), the declared permission"]


@pytest.mark.parametrize(("role", "permission", "allowed"), [
    (Role.STAFF, Permission.PATIENTS, True),
    (Role.STAFF, Permission.PEOPLE, False),
    (Role.ADMIN, Permission.PEOPLE, True),
    (Role.ADMIN, Permission.BILLING, False),
    (Role.OWNER, Permission.OWNERSHIP, True),
])
def test_authorize_asks_the_role_table(uow, role, permission, allowed) -> None:
    clinic, person = ClinicFactory(), UserFactory()
    add(uow(clinic.id), clinic, person, MembershipFactory(clinic_id=clinic.id,
                                                         user_id=person.id, role=role))
    with uow(clinic.id) as work:
        if allowed:
            assert authorize(work, clinic.id, person.id, permission) == (person, clinic)
        else:
            with pytest.raises(NotAllowed):
                authorize(work, clinic.id, person.id, permission)


def test_authorize_does_not_know_a_stranger(uow) -> None:
    clinic, other, stranger = ClinicFactory(), ClinicFactory(), UserFactory()
    add(uow(other.id), other, stranger, MembershipFactory(clinic_id=other.id,
                                                          user_id=stranger.id, role=Role.OWNER))
    add(uow(clinic.id), clinic)
    with uow(clinic.id) as work, pytest.raises(NotFound):
        authorize(work, clinic.id, stranger.id, Permission.CALENDAR)
    with uow(clinic.id) as work, pytest.raises(NotFound):
        authorize(work, clinic.id, uuid.uuid4(), Permission.CALENDAR)
