"""Osallistu: the resident-participation portal of a wellbeing services county."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask

from portal.config import INSTANCE_DIR, PROJECT_ROOT, Config
from portal.extensions import babel, csrf, db, limiter, login_manager, mail


def create_app(config: Config | None = None) -> Flask:
    """Build the application for ``config`` (by default read from ``PORTAL_*`` variables)."""
    config = config or Config.from_env()
    config.check()
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    _configure(app, config)
    _init_extensions(app, config)
    _register_blueprints(app)

    from portal.core.cli import register_cli
    from portal.core.web import init_web

    init_web(app)
    register_cli(app)
    return app


def _configure(app: Flask, config: Config) -> None:
    from portal.core.i18n import babel_settings

    app.config.update(
        PORTAL=config,
        SECRET_KEY=config.secret_key,
        TESTING=config.environment == "testing",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.session_cookie_secure,
        SESSION_COOKIE_NAME="osallistu_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=config.session_cookie_secure,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=10 * 1024 * 1024,
        WTF_CSRF_ENABLED=config.csrf_enabled,
        WTF_CSRF_TIME_LIMIT=4 * 3600,
        WTF_I18N_ENABLED=True,
        RATELIMIT_STORAGE_URI=config.redis_url or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        MAIL_SERVER=config.mail_server,
        MAIL_PORT=config.mail_port,
        MAIL_USE_TLS=config.mail_use_tls,
        MAIL_USE_SSL=config.mail_use_ssl,
        MAIL_USERNAME=config.mail_username or None,
        MAIL_PASSWORD=config.mail_password or None,
        MAIL_DEFAULT_SENDER=config.mail_sender,
        MAIL_SUPPRESS_SEND=False,  # tests deliver to a real SMTP server; "log" backend prints
        **babel_settings(),
    )
    logging.basicConfig(
        level=config.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    if config.database_url.startswith("sqlite"):
        INSTANCE_DIR.mkdir(exist_ok=True)


def _init_extensions(app: Flask, config: Config) -> None:
    from portal.core.encryption import configure_encryption
    from portal.core.i18n import ensure_compiled, select_locale, template_helpers
    from portal.core.urls import external_url

    db.init_app(app, config.database_url)
    ensure_compiled()
    babel.init_app(app, locale_selector=select_locale)
    mail.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    limiter.init_app(app)
    configure_encryption(list(config.encryption_keys))
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(template_helpers(), external_url=external_url)

    from portal.core.navigation import navigation_context

    app.context_processor(navigation_context)


def _register_blueprints(app: Flask) -> None:
    from portal.accounts.views import bp as accounts_bp
    from portal.core.views import bp as core_bp
    from portal.councils.views import bp as councils_bp
    from portal.deliberation.views import bp as deliberation_bp
    from portal.experts.views import bp as experts_bp
    from portal.fees.views import bp as fees_bp
    from portal.impact.views import bp as impact_bp
    from portal.initiatives.views import bp as initiatives_bp
    from portal.panels.views import bp as panels_bp
    from portal.pool.views import bp as pool_bp
    from portal.public.views import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(impact_bp)
    app.register_blueprint(councils_bp)
    app.register_blueprint(experts_bp)
    app.register_blueprint(fees_bp)
    app.register_blueprint(initiatives_bp)
    app.register_blueprint(pool_bp)
    app.register_blueprint(panels_bp)
    app.register_blueprint(deliberation_bp)
