"""The composition root: settings choose the adapters; everything else asks this container."""

from __future__ import annotations

from dependency_injector import containers, providers
from redis import Redis

from clinic.adapters.backup import DatabaseBackup
from clinic.adapters.channels import installed_channels
from clinic.adapters.clock import SystemClock
from clinic.adapters.email_composer import JinjaEmailComposer
from clinic.adapters.files import LocalFileStore
from clinic.adapters.images import PillowPhotoProcessor
from clinic.adapters.inline_queue import InlineQueue
from clinic.adapters.local_checkout import LocalCheckoutGateway
from clinic.adapters.mail import ConsoleMailer, SmtpMailer
from clinic.adapters.message_writer import BabelMessageWriter, BabelTelegramWords
from clinic.adapters.object_store import s3_file_store
from clinic.adapters.passwords import Argon2PasswordHasher
from clinic.adapters.rq_queue import RqQueue
from clinic.adapters.sqlalchemy import migrate
from clinic.adapters.sqlalchemy.audit_queries import SqlAuditQueries
from clinic.adapters.sqlalchemy.calendar_queries import SqlCalendarQueries
from clinic.adapters.sqlalchemy.catalog_queries import SqlCatalogQueries
from clinic.adapters.sqlalchemy.engine import make_engine, make_poll_engine, make_session_factory
from clinic.adapters.sqlalchemy.leases import SqlLease
from clinic.adapters.sqlalchemy.mappers import start_mappers
from clinic.adapters.sqlalchemy.message_queries import SqlMessageQueries
from clinic.adapters.sqlalchemy.operator_queries import SqlOperatorQueries
from clinic.adapters.sqlalchemy.queries import SqlAccountQueries, SqlPatientQueries
from clinic.adapters.sqlalchemy.reads import ScopedReads
from clinic.adapters.sqlalchemy.referral_queries import SqlReferralQueries
from clinic.adapters.sqlalchemy.report_queries import SqlReportQueries
from clinic.adapters.sqlalchemy.team_queries import SqlTeamQueries
from clinic.adapters.sqlalchemy.tenant_archive import ClinicArchive
from clinic.adapters.sqlalchemy.tenant_removal import ClinicRemoval
from clinic.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from clinic.adapters.stripe_client import make_stripe_client
from clinic.adapters.stripe_gateway import StripeGateway
from clinic.adapters.stripe_prices import setup_prices
from clinic.adapters.stripe_webhooks import StripeWebhooks
from clinic.adapters.telegram import TelegramBots
from clinic.adapters.visit_links import RandomVisitLinks
from clinic.application.accounts.api_tokens import (
    AuthenticateApiToken,
    CreateApiToken,
    CreateOperatorToken,
    ListApiTokens,
    RevokeApiToken,
)
from clinic.application.accounts.clinic_settings import UpdateClinicSettings
from clinic.application.accounts.operations import (
    DisableUser,
    EraseUser,
    ResumeClinic,
    SuspendClinic,
)
from clinic.application.accounts.password_reset import (
    CheckResetLink,
    RequestPasswordReset,
    ResetPassword,
)
from clinic.application.accounts.preferences import RememberCalendarView
from clinic.application.accounts.sessions import (
    ChooseLanguage,
    EndWebSession,
    SignOutEverywhere,
    StartWebSession,
)
from clinic.application.accounts.sign_in import SignIn
from clinic.application.accounts.sign_up import SignUp
from clinic.application.accounts.sign_up_by_email import ConfirmSignUp, RequestSignUp
from clinic.application.audit import AuditTrail, VerifyAudit
from clinic.application.billing.allowance import LicensedSeats
from clinic.application.billing.subscription import (
    ChangePlan,
    CompleteTestCheckout,
    OpenCardPortal,
    Reconcile,
    RecordPayment,
    ShowBilling,
    SyncSubscription,
)
from clinic.application.billing.webhooks import HandleProviderEvent
from clinic.application.bulk import AddAppointmentsInBulk, AddPatientsInBulk
from clinic.application.catalog.archive import SetArchived
from clinic.application.catalog.doctors import (
    LoadDoctorPhoto,
    RemoveDoctorPhoto,
    SaveDoctor,
    SetDoctorPhoto,
)
from clinic.application.catalog.procedures import SaveProcedure
from clinic.application.catalog.rooms import SaveRoom
from clinic.application.events import InProcessEventBus, subscribe_all
from clinic.application.messaging.answer import AnswerVisit
from clinic.application.messaging.compose import Composer
from clinic.application.messaging.deliver import DeliverPatientMessage
from clinic.application.messaging.notify import NotifyPatient
from clinic.application.messaging.plan import PlanReminders
from clinic.application.messaging.settings import SaveMessagingSettings
from clinic.application.messaging.telegram import (
    ConnectTelegram,
    HandleTelegramUpdate,
    LinkTelegram,
)
from clinic.application.messaging.track import TrackDeliveries
from clinic.application.outbox.deliver import DeliverOutboxMessage, RelayOutbox
from clinic.application.outbox.dispatch import OutboxDispatcher
from clinic.application.patients.erase import ErasePatient
from clinic.application.patients.read import OpenPatientCard
from clinic.application.patients.save import SavePatient
from clinic.application.referrals.ledger import CreditReferrer
from clinic.application.referrals.verify import VerifyReferrals
from clinic.application.reporting.export import ExportClinic, ExportReport
from clinic.application.scheduling.availability import FreeTime
from clinic.application.scheduling.book import BookAppointment
from clinic.application.scheduling.change import (
    ChangeAppointmentStatus,
    MoveAppointment,
    UpdateAppointment,
)
from clinic.application.scheduling.read import OpenAppointment
from clinic.application.team.invitations import (
    InviteMember,
    ResendInvitation,
    RevokeInvitation,
)
from clinic.application.team.joining import AcceptInvitation, OpenInvitation
from clinic.application.team.members import ChangeRole, LinkDoctor, RemoveMember, TransferOwnership
from clinic.config import Settings


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    engine = providers.Singleton(make_engine, settings.provided.database_url)
    session_factory = providers.Singleton(make_session_factory, engine)
    # read queries share one connection per web request (adapters/sqlalchemy/reads.py)
    reads = providers.Singleton(ScopedReads, engine)
    uow = providers.Factory(SqlAlchemyUnitOfWork, session_factory=session_factory, reads=reads)
    # the open calendars' poll: a small pool of its own, without the pre-ping's round trip
    poll_engine = providers.Singleton(make_poll_engine, settings.provided.database_url, engine)
    account_queries = providers.Singleton(SqlAccountQueries, reads, poll_engine)
    patient_queries = providers.Singleton(SqlPatientQueries, reads)
    team_queries = providers.Singleton(SqlTeamQueries, reads)
    report_queries = providers.Singleton(SqlReportQueries, reads)
    referral_queries = providers.Singleton(SqlReferralQueries, reads)
    calendar_queries = providers.Singleton(SqlCalendarQueries, reads)
    free_time = providers.Singleton(FreeTime, calendar_queries)
    catalog_queries = providers.Singleton(SqlCatalogQueries, reads)
    message_queries = providers.Singleton(SqlMessageQueries, reads)
    file_store = providers.Selector(
        settings.provided.file_store,
        local=providers.Singleton(LocalFileStore, settings.provided.files_dir),
        s3=providers.Singleton(s3_file_store, settings.provided.file_store_url,
                               settings.provided.s3_endpoint_url),
    )
    photo_processor = providers.Singleton(PillowPhotoProcessor)

    clock = providers.Singleton(SystemClock)
    password_hasher = providers.Singleton(Argon2PasswordHasher)
    email_composer = providers.Singleton(JinjaEmailComposer)
    redis = providers.Singleton(Redis.from_url, settings.provided.redis_url,
                                socket_connect_timeout=2, socket_timeout=5)

    mailer = providers.Selector(
        settings.provided.mailer,
        console=providers.Singleton(ConsoleMailer),
        smtp=providers.Singleton(
            SmtpMailer, host=settings.provided.smtp_host, port=settings.provided.smtp_port,
            sender=settings.provided.mail_from, username=settings.provided.smtp_username,
            password=settings.provided.smtp_password, starttls=settings.provided.smtp_starttls,
            use_ssl=settings.provided.smtp_ssl),
    )
    deliver_outbox_message = providers.Factory(
        DeliverOutboxMessage, uow.provider, mailer, clock)
    relay_outbox = providers.Factory(RelayOutbox, uow.provider, deliver_outbox_message)
    # -- talking to patients (issue 19) --
    message_channels = providers.Singleton(
        installed_channels, mailer, settings.provided.smsru_api_id,
        settings.provided.smsru_from, settings.provided.smsru_api_base,
        settings.provided.telegram_api_base)
    telegram_bots = providers.Singleton(TelegramBots, settings.provided.telegram_api_base)
    connect_telegram = providers.Factory(ConnectTelegram, uow.provider, telegram_bots, clock,
                                         settings.provided.public_url)
    link_telegram = providers.Factory(LinkTelegram, uow.provider)
    message_writer = providers.Singleton(BabelMessageWriter)
    visit_links = providers.Singleton(RandomVisitLinks, settings.provided.public_url)
    deliver_patient_message = providers.Factory(DeliverPatientMessage, uow.provider,
                                                message_channels, clock, message_writer,
                                                visit_links)
    track_deliveries = providers.Factory(TrackDeliveries, uow.provider, message_channels, clock,
                                         deliver_patient_message)

    job_queue = providers.Selector(
        settings.provided.job_queue,
        inline=providers.Singleton(InlineQueue, handlers=providers.Dict(
            deliver_outbox_message=deliver_outbox_message.provider,
            deliver_patient_message=deliver_patient_message.provider)),
        rq=providers.Singleton(RqQueue, redis, settings.provided.queue_name),
    )
    outbox_dispatcher = providers.Factory(OutboxDispatcher, job_queue)
    lease = providers.Factory(SqlLease, engine)  # lease(name, holder)
    message_composer = providers.Singleton(Composer, message_channels, message_writer,
                                           visit_links)
    # a visit booked, moved or cancelled: heard by the patient's notices after the commit
    visit_events = providers.Singleton(InProcessEventBus)
    notify_patient = providers.Factory(NotifyPatient, uow.provider, clock, message_composer,
                                       job_queue)
    plan_reminders = providers.Factory(PlanReminders, uow.provider, clock, message_channels,
                                       message_writer, visit_links, job_queue)
    save_messaging_settings = providers.Factory(SaveMessagingSettings, uow.provider, clock)

    sign_up = providers.Factory(SignUp, uow.provider, password_hasher, clock)
    request_sign_up = providers.Factory(RequestSignUp, uow.provider, password_hasher, clock,
                                        email_composer, outbox_dispatcher)
    confirm_sign_up = providers.Factory(ConfirmSignUp, uow.provider, clock)
    sign_in = providers.Factory(SignIn, uow.provider, password_hasher)
    seat_policy = providers.Singleton(LicensedSeats, clock)
    # Billing: Stripe when STRIPE_SECRET_KEY is set, else the local test-mode checkout.
    stripe_client = providers.Singleton(make_stripe_client, settings.provided.stripe_secret_key,
                                        settings.provided.stripe_api_base)
    setup_stripe_prices = providers.Callable(setup_prices, stripe_client)
    payment_gateway = providers.Selector(
        settings.provided.payment_provider,
        stripe=providers.Singleton(StripeGateway, stripe_client,
                                   settings.provided.stripe_price_chair,
                                   settings.provided.stripe_price_seat, clock),
        local=providers.Singleton(LocalCheckoutGateway, file_store, clock),
    )
    webhook_reader = providers.Singleton(StripeWebhooks,
                                         settings.provided.stripe_webhook_secret, stripe_client)
    billing_events = providers.Singleton(InProcessEventBus)
    credit_referrer = providers.Factory(CreditReferrer, uow.provider, clock)
    verify_referrals = providers.Factory(VerifyReferrals, referral_queries)
    show_billing = providers.Factory(ShowBilling, uow.provider, payment_gateway, clock)
    sync_subscription = providers.Factory(SyncSubscription, uow.provider, payment_gateway,
                                          clock)
    record_payment = providers.Factory(RecordPayment, uow.provider, billing_events, clock)
    complete_test_checkout = providers.Factory(CompleteTestCheckout, payment_gateway,
                                               sync_subscription, record_payment)
    reconcile_billing = providers.Factory(Reconcile, uow.provider, payment_gateway,
                                          sync_subscription, record_payment)
    change_plan = providers.Factory(ChangePlan, uow.provider, payment_gateway, clock,
                                    reconcile_billing)
    open_card_portal = providers.Factory(OpenCardPortal, uow.provider, payment_gateway)
    handle_provider_event = providers.Factory(HandleProviderEvent, uow.provider,
                                              payment_gateway, sync_subscription,
                                              record_payment, clock)
    invite_member = providers.Factory(InviteMember, uow.provider, email_composer, clock,
                                      outbox_dispatcher, seat_policy)
    resend_invitation = providers.Factory(ResendInvitation, uow.provider, email_composer, clock,
                                          outbox_dispatcher)
    revoke_invitation = providers.Factory(RevokeInvitation, uow.provider, clock)
    open_invitation = providers.Factory(OpenInvitation, uow.provider, clock)
    accept_invitation = providers.Factory(AcceptInvitation, uow.provider, password_hasher, clock)
    change_role = providers.Factory(ChangeRole, uow.provider, clock)
    link_doctor = providers.Factory(LinkDoctor, uow.provider, clock)
    remove_member = providers.Factory(RemoveMember, uow.provider, clock)
    transfer_ownership = providers.Factory(TransferOwnership, uow.provider, password_hasher,
                                           clock)
    request_password_reset = providers.Factory(
        RequestPasswordReset, uow.provider, email_composer, clock, outbox_dispatcher)
    check_reset_link = providers.Factory(CheckResetLink, uow.provider, clock)
    reset_password = providers.Factory(ResetPassword, uow.provider, password_hasher, clock)
    sign_out_everywhere = providers.Factory(SignOutEverywhere, uow.provider)
    start_web_session = providers.Factory(StartWebSession, uow.provider, clock)
    end_web_session = providers.Factory(EndWebSession, uow.provider)
    choose_language = providers.Factory(ChooseLanguage, uow.provider)
    create_api_token = providers.Factory(CreateApiToken, uow.provider, clock)
    create_operator_token = providers.Factory(CreateOperatorToken, uow.provider, clock)
    list_api_tokens = providers.Factory(ListApiTokens, uow.provider)
    revoke_api_token = providers.Factory(RevokeApiToken, uow.provider, clock)
    authenticate_api_token = providers.Factory(AuthenticateApiToken, account_queries)

    update_clinic_settings = providers.Factory(UpdateClinicSettings, uow.provider)
    remember_calendar_view = providers.Factory(RememberCalendarView, uow.provider)
    save_room = providers.Factory(SaveRoom, uow.provider, clock)
    save_doctor = providers.Factory(SaveDoctor, uow.provider, clock)
    save_procedure = providers.Factory(SaveProcedure, uow.provider, clock)
    audit_trail = providers.Factory(AuditTrail, uow.provider, clock)
    audit_queries = providers.Singleton(SqlAuditQueries, reads)
    verify_audit = providers.Factory(VerifyAudit, audit_queries)
    # reads that write their own audit row (the doors never call the trail themselves)
    open_patient_card = providers.Factory(OpenPatientCard, uow.provider, patient_queries,
                                          audit_trail)
    open_appointment = providers.Factory(OpenAppointment, uow.provider, calendar_queries,
                                         audit_trail)
    answer_visit = providers.Factory(AnswerVisit, uow.provider, visit_links, clock, audit_trail)
    handle_telegram_update = providers.Factory(HandleTelegramUpdate, uow.provider, telegram_bots,
                                               providers.Singleton(BabelTelegramWords),
                                               answer_visit)
    export_report = providers.Factory(ExportReport, uow.provider, report_queries, audit_trail)
    save_patient = providers.Factory(SavePatient, uow.provider, clock, audit_trail)
    add_patients_in_bulk = providers.Factory(AddPatientsInBulk, uow.provider)
    add_appointments_in_bulk = providers.Factory(AddAppointmentsInBulk, uow.provider)
    erase_patient = providers.Factory(ErasePatient, uow.provider, password_hasher, clock,
                                      audit_trail)
    archive_room = providers.Factory(SetArchived, uow.provider, clock, "rooms")
    archive_doctor = providers.Factory(SetArchived, uow.provider, clock, "doctors")
    archive_procedure = providers.Factory(SetArchived, uow.provider, clock, "procedures")
    set_doctor_photo = providers.Factory(SetDoctorPhoto, uow.provider, file_store,
                                         photo_processor)
    remove_doctor_photo = providers.Factory(RemoveDoctorPhoto, uow.provider, file_store)
    load_doctor_photo = providers.Factory(LoadDoctorPhoto, uow.provider, file_store)

    book_appointment = providers.Factory(BookAppointment, uow.provider, clock, audit_trail,
                                         visit_events)
    update_appointment = providers.Factory(UpdateAppointment, uow.provider, clock, audit_trail,
                                           visit_events)
    change_appointment_status = providers.Factory(ChangeAppointmentStatus, update_appointment)
    move_appointment = providers.Factory(MoveAppointment, update_appointment)

    migrate_database = providers.Callable(migrate.upgrade, settings.provided.database_url)
    database_revision = providers.Callable(migrate.current, settings.provided.database_url)

    # -- operations: the operator's tenants and accounts --
    operator_queries = providers.Singleton(SqlOperatorQueries, engine)
    suspend_clinic = providers.Factory(SuspendClinic, uow.provider, clock)
    resume_clinic = providers.Factory(ResumeClinic, uow.provider)
    disable_user = providers.Factory(DisableUser, uow.provider, clock)
    erase_user = providers.Factory(EraseUser, uow.provider, clock)
    clinic_removal = providers.Singleton(ClinicRemoval, engine, file_store)

    # -- operations: backups (owned by the backup work) --
    database_backup = providers.Singleton(DatabaseBackup, settings.provided.database_url)

    # -- operations: one clinic's archive, export and import (owned by the archive work) --
    clinic_archive = providers.Singleton(ClinicArchive, engine, file_store, clock)
    export_clinic = providers.Factory(ExportClinic, clinic_archive, audit_trail)


def build_container(settings: Settings) -> Container:
    start_mappers()  # instrument the domain classes before any of them is made; no I/O
    container = Container(settings=settings)
    # the partner programme hears of every payment and refund recorded
    subscribe_all(container.billing_events(), [container.credit_referrer()])
    # the patient hears of a booking, a move or a cancellation
    subscribe_all(container.visit_events(), [container.notify_patient()])
    return container


def ping_database(container: Container) -> None:
    """Raise if the database cannot answer `SELECT 1`."""
    from sqlalchemy import text

    with container.engine().connect() as conn:
        conn.execute(text("SELECT 1"))


def ping_redis(container: Container) -> None:
    container.redis().ping()
