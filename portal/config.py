"""Settings read from ``PORTAL_*`` environment variables, with safe defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

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
    base_url: str = "http://127.0.0.1:5000"
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
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    token_hours: int = 48
    password_reset_hours: int = 2
    county_name: str = "Pirkanmaan hyvinvointialue"
    feedback_email: str = "saavutettavuus@example.invalid"
    csrf_enabled: bool = True
    # Outputs without a response after this many days are overdue and reminded about.
    impact_response_days: int = 60
    log_level: str = "INFO"

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

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def check(self) -> None:
        """Refuse settings that would be unsafe in production."""
        if not self.is_production:
            return
        if self.secret_key == DEVELOPMENT_SECRET_KEY or len(self.secret_key) < 32:
            raise ConfigError("Set PORTAL_SECRET_KEY to a random value of at least 32 characters.")
        if DEVELOPMENT_ENCRYPTION_KEY in self.encryption_keys:
            raise ConfigError("Set PORTAL_ENCRYPTION_KEYS; the development key is public.")
        if self.mail_backend != "smtp":
            raise ConfigError("Production needs PORTAL_MAIL_BACKEND=smtp.")
