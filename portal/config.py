"""Settings read from ``PORTAL_*`` environment variables, with safe defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from portal.core.theme import ColourError, parse_hex

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

# The development key is public: production refuses to start with it (see ``check``).
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105 - public on purpose, refused in production
# A fixed Fernet key for development and tests only; production must set its own.
DEVELOPMENT_ENCRYPTION_KEY = "ZGV2ZWxvcG1lbnQtb25seS1lbmNyeXB0aW9uLWtleSE="


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete for the chosen environment."""


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'osallistu.sqlite3'}"


def _as_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    """All settings of one portal instance.

    Every field can be set with an environment variable named ``PORTAL_`` plus the field
    name in upper case, e.g. ``PORTAL_DATABASE_URL``. Tuples are comma-separated.
    """

    environment: str = "development"  # development | production | testing
    secret_key: str = DEVELOPMENT_SECRET_KEY
    database_url: str = field(default_factory=_default_database_url)
    redis_url: str = ""
    # Public address used in mailed links; empty in development follows the request.
    base_url: str = ""
    encryption_keys: tuple[str, ...] = (DEVELOPMENT_ENCRYPTION_KEY,)
    mail_backend: str = "log"  # log | smtp
    mail_server: str = "localhost"
    mail_port: int = 25
    mail_use_tls: bool = False
    mail_use_ssl: bool = False
    mail_username: str = ""
    mail_password: str = ""
    mail_sender: str = "Osallistu <osallistu@example.invalid>"
    session_cookie_secure: bool = False
    login_rate_limit: str = "10 per minute;50 per hour"
    # Wrong passwords before sign-in pauses for one account from one client address, and
    # (softer, against guessing from many addresses) for the account from anywhere.
    lockout_attempts: int = 5
    lockout_account_attempts: int = 50
    lockout_minutes: int = 15
    # Reverse proxies (load balancers) in front of the portal whose X-Forwarded-For and
    # X-Forwarded-Proto are trusted; 0 = clients connect directly.
    proxy_hops: int = 0
    token_hours: int = 48
    password_reset_hours: int = 2
    # The county's name as it writes it in each language; an empty one falls back to Finnish.
    county_name: str = "Pirkanmaan hyvinvointialue"
    county_name_sv: str = "Birkalands välfärdsområde"
    county_name_en: str = "Pirkanmaa wellbeing services county"
    # The language content is typed in (titles, proposals, descriptions); pages in other
    # languages mark it with ``lang`` so that screen readers read it with the right voice.
    content_language: str = "fi"
    # The authority that supervises the accessibility of digital services (Act 306/2019,
    # amended 1 January 2025): residents may turn to it when the county does not answer.
    accessibility_authority: str = "Liikenne- ja viestintävirasto Traficom, saavutettavuusvalvonta"
    accessibility_authority_sv: str = (
        "Transport- och kommunikationsverket Traficom, tillgänglighetstillsynen"
    )
    accessibility_authority_en: str = (
        "Finnish Transport and Communications Agency Traficom, accessibility monitoring"
    )
    accessibility_authority_url: str = "https://www.saavutettavuusvaatimukset.fi/"
    # Visual identity: the portal's name in titles and the header, one brand colour
    # (#rrggbb; darkened at start-up if white text on it would fall below 4.5:1) and an
    # optional logo file (SVG or PNG) shown beside the name.
    site_name: str = "Osallistu"
    brand_colour: str = "#004b87"
    logo_path: str = ""
    feedback_email: str = "saavutettavuus@example.invalid"
    csrf_enabled: bool = True
    # Outputs without a response after this many days are overdue and reminded about.
    impact_response_days: int = 60
    # Resident pool: members invited this many times within the window are left out of a
    # full send and go last in a sample, so the same people are not asked again and again.
    pool_fatigue_max_invitations: int = 3
    pool_fatigue_window_days: int = 90
    # Members inactive this long are asked whether they stay; removed if silent this long.
    pool_inactive_days: int = 730
    pool_removal_days: int = 60
    log_level: str = "INFO"
    # Customer feedback: answers accepted per network address (web form) and per kiosk.
    feedback_rate_limit: str = "20 per minute;300 per hour"
    feedback_kiosk_rate_limit: str = "12 per minute"
    # SMS surveys: the gateway's HTTP endpoint and key; empty URL means SMS is not in use.
    # The inbound webhook must carry ``feedback_sms_inbound_secret``.
    feedback_sms_url: str = ""
    feedback_sms_api_key: str = ""
    feedback_sms_sender: str = "Osallistu"
    feedback_sms_inbound_secret: str = ""
    # Background work (huey). Without ``redis_url`` the queue is a SQLite file; empty
    # ``task_queue_path`` means ``tasks.sqlite3`` next to the SQLite database (or in instance/).
    task_queue_name: str = "osallistu"
    task_queue_path: str = ""
    # Run tasks synchronously where they are enqueued (tests, debugging); no worker needed.
    tasks_immediate: bool = False
    # Mail outbox: retry delays double from the base; after the last attempt a message fails.
    mail_retry_base_seconds: int = 30
    mail_max_attempts: int = 8
    # A message still "sending" after this long may or may not have left: an admin decides.
    mail_sending_timeout_seconds: int = 600
    # Sent messages hold personal data (addresses, subjects) and are purged after this.
    mail_keep_sent_days: int = 30
    # A running panel draw whose heartbeat is older than this lost its worker (killed, out of
    # memory, host gone) and is run again; the heartbeat is written every quarter of it.
    panels_draw_stale_seconds: int = 120
    # Votes within this many seconds are covered by one recompute of the opinion map.
    deliberation_recompute_delay_seconds: int = 10

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Config:
        """Build the configuration from ``PORTAL_*`` variables; keyword overrides win."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for item in fields(cls):
            raw = environ.get(f"PORTAL_{item.name.upper()}")
            if raw is None:
                continue
            default = getattr(cls(), item.name)
            if isinstance(default, bool):
                values[item.name] = _as_bool(raw)
            elif isinstance(default, int):
                values[item.name] = int(raw)
            elif isinstance(default, tuple):
                values[item.name] = tuple(part.strip() for part in raw.split(",") if part.strip())
            else:
                values[item.name] = raw
        if environ.get("PORTAL_SESSION_COOKIE_SECURE") is None and (
            values.get("environment") == "production"
        ):
            values["session_cookie_secure"] = True
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def in_language(self, name: str, locale: str) -> str:
        """A setting written per language (``name``, ``name_sv``, ``name_en``) in ``locale``.

        The unsuffixed setting is the Finnish one and the fallback for an empty translation.
        """
        translated = getattr(self, f"{name}_{locale}", "") if locale != "fi" else ""
        return translated or getattr(self, name)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def check(self) -> None:
        """Refuse settings that would be unsafe in production, or a theme that cannot work."""
        try:
            parse_hex(self.brand_colour)
        except ColourError as error:
            raise ConfigError(f"PORTAL_BRAND_COLOUR: {error}.") from error
        if self.logo_path and not Path(self.logo_path).is_file():
            raise ConfigError(f"PORTAL_LOGO_PATH: no file at {self.logo_path}.")
        if not self.is_production:
            return
        if self.secret_key == DEVELOPMENT_SECRET_KEY or len(self.secret_key) < 32:
            raise ConfigError("Set PORTAL_SECRET_KEY to a random value of at least 32 characters.")
        if DEVELOPMENT_ENCRYPTION_KEY in self.encryption_keys:
            raise ConfigError("Set PORTAL_ENCRYPTION_KEYS; the development key is public.")
        if not self.base_url.startswith("https://"):
            raise ConfigError("Set PORTAL_BASE_URL to the portal's public https:// address.")
        if self.mail_backend != "smtp":
            raise ConfigError("Production needs PORTAL_MAIL_BACKEND=smtp.")
