"""The application factory: one Flask app with its own container."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, g

from clinic.config import Settings, load_settings
from clinic.container import Container, build_container
from clinic.entrypoints import api
from clinic.entrypoints.web import auth, errors, i18n, input_rules, security
from clinic.entrypoints.web.views import (
    api_keys,
    appointments,
    audit_log,
    billing,
    booking,
    calendar,
    clinic_settings,
    doctor_photos,
    health,
    invitations,
    language,
    pages,
    partner,
    patients,
    records,
    reminders,
    reports,
    stripe_webhooks,
    team,
    telegram_webhook,
    today,
    visit_answer,
)
from clinic.entrypoints.web.views import auth as auth_views


def _share_read_connections(app: Flask, container: Container) -> None:
    """One read connection per request (checked out on first use): the first hook to run."""
    reads = container.reads()

    def open_reads() -> None:
        g.reads_scope = reads.open_scope()

    def close_reads(_error: BaseException | None) -> None:
        opened = g.pop("reads_scope", None)
        if opened is not None:
            reads.close_scope(opened)

    app.before_request_funcs.setdefault(None, []).insert(0, open_reads)
    app.teardown_request(close_reads)


def create_app(settings: Settings | None = None, container: Container | None = None) -> Flask:
    settings = settings or load_settings()
    container = container or build_container(settings)
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        SESSION_COOKIE_NAME="chairside_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(days=14),
        WTF_CSRF_TIME_LIMIT=None,  # a form left open all morning must still send
        WTF_CSRF_SSL_STRICT=settings.session_cookie_secure,
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        # A request naming another host is refused (400) before any view runs; links never
        # come from the Host header anyway (http/links.py).
        TRUSTED_HOSTS=settings.trusted_hosts,
    )
    app.extensions["clinic.container"] = container
    logging.basicConfig(level=logging.INFO)
    _share_read_connections(app, container)

    i18n.init_app(app)
    security.init_app(app)
    input_rules.init_app(app)
    auth.init_app(app)
    for blueprint in (auth_views.bp, pages.bp, language.bp, health.bp, records.bp,
                      calendar.bp, booking.bp, doctor_photos.bp, patients.bp,
                      clinic_settings.bp, appointments.bp, team.bp, invitations.bp,
                      api_keys.bp, reports.bp, billing.bp, partner.bp, audit_log.bp,
                      today.bp, reminders.bp, visit_answer.bp):
        app.register_blueprint(blueprint)
    security.csrf.exempt(stripe_webhooks.bp)  # signed by Stripe, no session, no form
    app.register_blueprint(stripe_webhooks.bp)
    security.csrf.exempt(telegram_webhook.bp)  # Telegram's secret header, no session, no form
    app.register_blueprint(telegram_webhook.bp)
    api.init_app(app, security.csrf)
    security.init_limiter(app, settings.redis_url, settings.ratelimit_enabled,
                          breach_pages={"auth.sign_in": auth_views.too_many_wrong_passwords})
    errors.init_app(app)
    return app
