"""Account rules: registration, sign-in with lockout, verification, reset, own data, roles."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from portal.accounts.models import OrgUnit, OrgUnitKind, User, UserRole
from portal.core.audit import changed_fields, record_audit
from portal.core.db import utcnow
from portal.core.mail import queue_mail
from portal.core.models import OneTimeToken
from portal.core.permissions import Role
from portal.core.personal_data import handlers, register_personal_data
from portal.core.tokens import TokenInvalid, consume_token, issue_token
from portal.core.urls import external_url
from portal.extensions import db

password_hasher = PasswordHasher()
# Verifying against this keeps the time of a failed sign-in the same whether or not the
# email exists, so timing does not reveal accounts.
_DUMMY_HASH = password_hasher.hash("not a real password, only for constant timing")

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 - a token purpose, not a password


class AccountError(Exception):
    """A rule was broken; ``code`` names it so views can show a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _settings() -> Any:
    return current_app.config["PORTAL"]


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == normalise_email(email))).first()


def create_user(
    *,
    email: str | None,
    name: str,
    password: str | None = None,
    roles: set[Role] | frozenset[Role] = frozenset({Role.RESIDENT}),
    locale: str = "fi",
    verified: bool = False,
    org_unit: OrgUnit | None = None,
) -> User:
    """Add a user to the session (flush only; the calling service commits)."""
    user = User(
        email=normalise_email(email) if email else None,
        name=name.strip(),
        locale=locale,
        password_hash=password_hasher.hash(password) if password else None,
        email_verified_at=utcnow() if verified else None,
        org_unit=org_unit,
    )
    user.roles = [UserRole(role=str(role)) for role in sorted(roles)]
    db.session.add(user)
    db.session.flush()
    return user


def register_user(*, name: str, email: str, password: str, locale: str) -> User | None:
    """Register a resident account and email a verification link.

    When the address already has an account, nothing is created and the owner of the
    address is told instead, so the form never reveals who has an account.
    """
    existing = find_user_by_email(email)
    if existing is not None:
        queue_mail(
            to=existing.email,
            subject=_l("Someone tried to register with your email address"),
            template="emails/already_registered",
            locale=existing.locale,
            login_url=external_url("accounts.login"),
            reset_url=external_url("accounts.request_password_reset"),
        )
        db.session.commit()
        return None
    user = create_user(email=email, name=name, password=password, locale=locale)
    _send_verification(user)
    record_audit(actor=user, action="accounts.registered", object_type="user", object_id=user.id)
    db.session.commit()
    return user


def _send_verification(user: User) -> None:
    secret = issue_token(
        purpose=VERIFY_EMAIL,
        lifetime=timedelta(hours=_settings().token_hours),
        user_id=user.id,
        subject=user.email,
    )
    queue_mail(
        to=user.email,
        subject=_l("Confirm your email address"),
        template="emails/verify_email",
        locale=user.locale,
        name=user.name,
        verify_url=external_url("accounts.verify_email", token=secret),
        hours=_settings().token_hours,
    )


def resend_verification(*, email: str) -> None:
    """Send a new link if the address has an unverified account; silent otherwise."""
    user = find_user_by_email(email)
    if user is not None and user.email_verified_at is None and user.is_active:
        _send_verification(user)
    db.session.commit()


def verify_email(*, secret: str) -> User:
    try:
        token = consume_token(secret, purpose=VERIFY_EMAIL)
    except TokenInvalid as exc:
        raise AccountError("invalid_link") from exc
    user = db.session.get(User, token.user_id)
    if user is None or user.email != token.subject:
        raise AccountError("invalid_link")
    user.email_verified_at = utcnow()
    record_audit(
        actor=user, action="accounts.email_verified", object_type="user", object_id=user.id
    )
    db.session.commit()
    return user


def authenticate(*, email: str, password: str) -> User:
    """Return the user when the password is right; otherwise raise ``AccountError``.

    Every failure raises the same ``login_failed`` code, whether the email is unknown, the
    password wrong or the account locked, so the answer reveals nothing about accounts.
    Only a correct password on an unverified address gets its own code.
    """
    settings = _settings()
    user = find_user_by_email(email)
    if user is None or user.password_hash is None or not user.is_active:
        _verify_quietly(_DUMMY_HASH, password)
        raise AccountError("login_failed")
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        _verify_quietly(_DUMMY_HASH, password)
        raise AccountError("login_failed")
    if not _verify_quietly(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= settings.lockout_attempts:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
            record_audit(
                actor=None, action="accounts.locked", object_type="user", object_id=user.id
            )
        db.session.commit()
        raise AccountError("login_failed")
    if user.email_verified_at is None:
        raise AccountError("email_not_verified")
    if password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = password_hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return user


def _verify_quietly(password_hash: str, password: str) -> bool:
    try:
        return password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def request_password_reset(*, email: str) -> None:
    """Email a single-use reset link if the address has an account; silent otherwise."""
    user = find_user_by_email(email)
    if user is not None and user.is_active and user.erased_at is None:
        secret = issue_token(
            purpose=RESET_PASSWORD,
            lifetime=timedelta(hours=_settings().password_reset_hours),
            user_id=user.id,
            subject=user.email,
        )
        queue_mail(
            to=user.email,
            subject=_l("Reset your password"),
            template="emails/reset_password",
            locale=user.locale,
            name=user.name,
            reset_url=external_url("accounts.reset_password", token=secret),
            hours=_settings().password_reset_hours,
        )
    db.session.commit()


def reset_password(*, secret: str, password: str) -> User:
    try:
        token = consume_token(secret, purpose=RESET_PASSWORD)
    except TokenInvalid as exc:
        raise AccountError("invalid_link") from exc
    user = db.session.get(User, token.user_id)
    if user is None or user.email != token.subject:
        raise AccountError("invalid_link")
    user.password_hash = password_hasher.hash(password)
    # Following the link proves control of the address, so it also counts as verification.
    user.email_verified_at = user.email_verified_at or utcnow()
    user.failed_logins = 0
    user.locked_until = None
    record_audit(
        actor=user, action="accounts.password_reset", object_type="user", object_id=user.id
    )
    db.session.commit()
    return user


def update_profile(*, actor: User, name: str, locale: str) -> User:
    before = {"name": actor.name, "locale": actor.locale}
    actor.name = name.strip()
    actor.locale = locale
    fields = changed_fields(before, {"name": actor.name, "locale": actor.locale})
    if fields:
        record_audit(
            actor=actor,
            action="accounts.profile_updated",
            object_type="user",
            object_id=actor.id,
            changes={"fields": fields},
        )
    db.session.commit()
    return actor


def set_user_locale(*, user: User, locale: str) -> None:
    if user.locale != locale:
        user.locale = locale
        db.session.commit()


def export_own_data(*, user: User) -> dict[str, Any]:
    """Everything the portal holds about ``user``, as one JSON-serialisable document."""
    document: dict[str, Any] = {
        "account": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "phone": user.phone,
            "locale": user.locale,
            "roles": sorted(str(role) for role in user.role_set),
            "organisation_unit": user.org_unit.name_fi if user.org_unit else None,
            "birth_year": user.birth_year,
            "gender": user.gender,
            "municipality": user.municipality.name_fi if user.municipality else None,
            "language": user.language,
            "created_at": user.created_at.isoformat(),
            "email_verified_at": _iso(user.email_verified_at),
            "last_login_at": _iso(user.last_login_at),
        }
    }
    for handler in handlers():
        section = handler.export(user)
        if section:
            document[handler.name] = section
    return document


def export_own_data_json(*, user: User) -> str:
    return json.dumps(export_own_data(user=user), ensure_ascii=False, indent=2, default=str)


def erase_user(*, actor: User, user: User) -> None:
    """Erase a person's personal data everywhere and keep a tombstone row.

    Participations, votes and attendance stay (linked to the tombstone) so aggregate
    figures in reports do not change; every personal column is emptied.
    """
    for handler in handlers():
        handler.erase(user)
    _tombstone(user)
    record_audit(
        actor=actor if actor.id != user.id else None,
        action="accounts.erased",
        object_type="user",
        object_id=user.id,
    )
    db.session.commit()


def _tombstone(user: User) -> None:
    user.email = None
    user.name = ""
    user.phone = None
    user.password_hash = None
    user.email_verified_at = None
    user.birth_year = None
    user.gender = None
    user.municipality_id = None
    user.language = None
    user.org_unit_id = None
    user.is_active = False
    user.last_login_at = None
    user.erased_at = utcnow()
    user.roles = []


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# --- administration -------------------------------------------------------------------


def list_users(*, search: str | None = None) -> Any:
    query = select(User).where(User.erased_at.is_(None)).order_by(User.name, User.id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(func.lower(User.name).like(pattern) | User.email.like(pattern))
    return query


def update_user_access(
    *, actor: User, user: User, roles: set[Role], org_unit: OrgUnit | None, is_active: bool
) -> User:
    """Set a user's roles, unit and active flag; every change of access is audited."""
    if actor.id == user.id and Role.ADMIN not in roles:
        raise AccountError("cannot_remove_own_admin")
    before = sorted(str(r) for r in user.role_set)
    after = sorted(str(r) for r in roles)
    existing = {r.role: r for r in user.roles}
    user.roles = [existing.get(str(role)) or UserRole(role=str(role)) for role in sorted(roles)]
    changes: dict[str, Any] = {}
    if before != after:
        changes["roles"] = {"before": before, "after": after}
    new_unit_id = org_unit.id if org_unit else None
    if user.org_unit_id != new_unit_id:
        changes["org_unit"] = {"before": user.org_unit_id, "after": new_unit_id}
        user.org_unit = org_unit
    if user.is_active != is_active:
        changes["is_active"] = {"before": user.is_active, "after": is_active}
        user.is_active = is_active
    if changes:
        record_audit(
            actor=actor,
            action="accounts.access_changed",
            object_type="user",
            object_id=user.id,
            changes=changes,
        )
    db.session.commit()
    return user


def org_units_in_tree_order() -> list[tuple[int, OrgUnit]]:
    """All units depth-first with their depth, for indented lists and select boxes."""
    units = list(db.session.scalars(select(OrgUnit).order_by(OrgUnit.name_fi)))
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple[int, OrgUnit]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for child in children.get(parent_id, []):
            ordered.append((depth, child))
            walk(child.id, depth + 1)

    walk(None, 0)
    return ordered


_ALLOWED_PARENT = {
    OrgUnitKind.COUNTY: None,
    OrgUnitKind.SERVICE_AREA: OrgUnitKind.COUNTY,
    OrgUnitKind.UNIT: OrgUnitKind.SERVICE_AREA,
}


def save_org_unit(
    *,
    actor: User,
    unit: OrgUnit | None,
    kind: str,
    parent: OrgUnit | None,
    name_fi: str,
    name_sv: str = "",
    name_en: str = "",
    manager_email: str | None = None,
) -> OrgUnit:
    """Create or update a unit; the tree is county → service area → unit."""
    kind = OrgUnitKind(kind)
    expected_parent = _ALLOWED_PARENT[kind]
    if expected_parent is None and parent is not None:
        raise AccountError("county_has_no_parent")
    if expected_parent is not None and (parent is None or parent.kind != expected_parent):
        raise AccountError("wrong_parent_level")
    if unit is not None and parent is not None and parent.id == unit.id:
        raise AccountError("wrong_parent_level")
    created = unit is None
    if unit is None:
        unit = OrgUnit(kind=kind)
        db.session.add(unit)
    unit.kind = kind
    unit.parent = parent
    unit.name_fi = name_fi.strip()
    unit.name_sv = name_sv.strip()
    unit.name_en = name_en.strip()
    unit.manager_email = normalise_email(manager_email) if manager_email else None
    db.session.flush()
    record_audit(
        actor=actor,
        action="accounts.unit_created" if created else "accounts.unit_updated",
        object_type="org_unit",
        object_id=unit.id,
    )
    db.session.commit()
    return unit


def _export_tokens(user: User) -> None:
    return None


def _erase_tokens(user: User) -> None:
    db.session.execute(delete(OneTimeToken).where(OneTimeToken.user_id == user.id))


register_personal_data("accounts_tokens", export=_export_tokens, erase=_erase_tokens)


def create_administrator(*, email: str, name: str, password: str) -> User:
    """Create a verified administrator (command line)."""
    if find_user_by_email(email) is not None:
        raise AccountError("email_taken")
    if len(password) < 12:
        raise AccountError("password_too_short")
    user = create_user(email=email, name=name, password=password, roles={Role.ADMIN}, verified=True)
    record_audit(actor=None, action="accounts.admin_created", object_type="user", object_id=user.id)
    db.session.commit()
    return user
