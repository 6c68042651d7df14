"""The composition root: builds the application and installs every domain.

This is the one module that knows every domain. ``core`` stays below them all; each domain
declares what it contributes in its ``plugin`` module, and :data:`DOMAINS` lists them
explicitly, in the order their demo data builds on each other.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.accounts.plugin import DOMAIN as ACCOUNTS
from portal.config import INSTANCE_DIR, PROJECT_ROOT, Config
from portal.core import charts, rate_limits
from portal.core.cli import register_cli
from portal.core.domains import Domain, install_domains
from portal.core.encryption import configure_encryption
from portal.core.i18n import (
    babel_settings,
    ensure_compiled,
    mark_language,
    select_locale,
    template_helpers,
)
from portal.core.navigation import navigation_context
from portal.core.plugin import DOMAIN as CORE
from portal.core.resubmission import init_resubmission_guard
from portal.core.tasks import init_tasks
from portal.core.theme import brand_palette
from portal.core.urls import external_url, link_host, unique_id
from portal.core.web import init_web
from portal.councils.plugin import DOMAIN as COUNCILS
from portal.deliberation.plugin import DOMAIN as DELIBERATION
from portal.experts.plugin import DOMAIN as EXPERTS
from portal.extensions import babel, csrf, db, limiter, login_manager, mail
from portal.feedback.plugin import DOMAIN as FEEDBACK
from portal.fees.plugin import DOMAIN as FEES
from portal.impact.plugin import DOMAIN as IMPACT
from portal.initiatives.plugin import DOMAIN as INITIATIVES
from portal.panels.plugin import DOMAIN as PANELS
from portal.pool.plugin import DOMAIN as POOL
from portal.public.plugin import DOMAIN as PUBLIC

#: Every domain of the portal. Demo data is seeded in this order: later domains use what
#: earlier ones created (pool members are invited to councils and panels, attendance becomes
#: fee claims, and impact describes it all).
DOMAINS: tuple[Domain, ...] = (
    CORE,
    PUBLIC,
    ACCOUNTS,
    POOL,
    COUNCILS,
    EXPERTS,
    FEES,
    PANELS,
    INITIATIVES,
    DELIBERATION,
    IMPACT,
    FEEDBACK,
)


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
    if config.proxy_hops:
        # Behind a load balancer the connecting address is the balancer's: take the client's
        # address and scheme from the headers that exactly this many trusted proxies add.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops)
    _init_extensions(app, config)
    install_domains(app, DOMAINS)
    init_web(app)
    register_cli(app)
    return app


def _configure(app: Flask, config: Config) -> None:
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
        RATELIMIT_STORAGE_URI=config.redis_url or rate_limits.STORAGE_URI,
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
    # Alembic narrates every step at INFO; the ``db`` commands print their own summary.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if config.database_url.startswith("sqlite"):
        INSTANCE_DIR.mkdir(exist_ok=True)


def _theme(config: Config) -> dict[str, object]:
    """What the page templates need to know of the county's visual identity."""
    palette = brand_palette(config.brand_colour)
    if palette.adjusted:
        logging.getLogger("portal").warning(
            "PORTAL_BRAND_COLOUR %s is too light for white text; using %s instead",
            config.brand_colour,
            palette.brand,
        )
    return {
        "site_name": config.site_name,
        "has_logo": bool(config.logo_path),
        # The stylesheet already holds the default colour; only a county's own needs more.
        "custom_colour": palette.brand != brand_palette(Config.brand_colour).brand,
    }


def _init_extensions(app: Flask, config: Config) -> None:

    db.init_app(app, config.database_url)
    ensure_compiled()
    babel.init_app(app, locale_selector=select_locale)
    mail.init_app(app)
    csrf.init_app(app)
    init_resubmission_guard(app)  # after CSRF: a forged request never claims a key
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    limiter.init_app(app)
    configure_encryption(list(config.encryption_keys))
    init_tasks(app, config)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(
        template_helpers(),
        external_url=external_url,
        link_host=link_host,
        charts=charts,
        theme=_theme(config),
        unique_id=unique_id,
    )
    app.jinja_env.filters["lang_of"] = mark_language
    app.context_processor(navigation_context)
