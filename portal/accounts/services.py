"""Account rules: registration, sign-in with lockout, verification, reset, own data, roles."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from portal.accounts import lockout
from portal.accounts.models import OrgUnit, OrgUnitKind, User, UserRole
from portal.core.audit import DomainAudit, changed_fields
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.mail import forget_mail_to, mail_person
from portal.core.models import OneTimeToken
from portal.core.permissions import Role
from portal.core.personal_data import handlers
from portal.core.service_links import link_token
from portal.core.tasks import enqueue_after_commit, task
from portal.core.tokens import TokenInvalid, consume_token, issue_token, peek_token
from portal.core.urls import external_url
from portal.extensions import db

password_hasher = PasswordHasher()
# Verifying against this keeps the time of a failed sign-in the same whether or not the
# email exists, so timing does not reveal accounts.


@cache
def _dummy_hash() -> str:
    """A hash to verify against when there is no account, so both paths take as long.

    Made on first use: hashing on purpose takes a quarter of a second, which every command
    and worker would otherwise pay at start.
    """
    return password_hasher.hash("not a real password, only for constant timing")


VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 - a token purpose, not a password


audit = DomainAudit("accounts")


class AccountError(DomainError):
    """A rule was broken; ``code`` names it so views can show a translated message."""


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
    if existing is None:
        try:
            with db.session.begin_nested():
                user = create_user(email=email, name=name, password=password, locale=locale)
        except IntegrityError:
            # The same address was registered a moment ago (a double click, two tabs):
            # answer exactly as if that registration had come first.
            existing = find_user_by_email(email)
            if existing is None:
                raise
    if existing is not None:
        # The same work as a new registration (a password hash and one mail), so the time
        # of the answer does not tell whether the address has an account.
        password_hasher.hash(password)
        mail_person(
            existing,
            subject=_l("Someone tried to register with your email address"),
            template="emails/already_registered",
            login_url=external_url("accounts.login"),
            reset_url=external_url("accounts.request_password_reset"),
        )
        db.session.commit()
        return None
    _send_verification(user)
    audit(user, "registered", "user", user.id)
    db.session.commit()
    return user


def _send_verification(user: User) -> None:
    _mail_link(
        user,
        purpose=VERIFY_EMAIL,
        hours=_settings().token_hours,
        subject=_l("Confirm your email address"),
        template="emails/verify_email",
        endpoint="accounts.verify_email",
        url_name="verify_url",
    )


def _mail_link(
    user: User,
    *,
    purpose: str,
    hours: int,
    subject: Any,
    template: str,
    endpoint: str,
    url_name: str,
) -> None:
    """Email ``user`` a single-use link to ``endpoint``, valid for ``hours``."""
    secret = issue_token(
        purpose=purpose, lifetime=timedelta(hours=hours), user_id=user.id, subject=user.email
    )
    mail_person(
        user,
        subject=subject,
        template=template,
        name=user.name,
        hours=hours,
        **{url_name: external_url(endpoint, token=secret)},
    )


def resend_verification(*, email: str) -> None:
    """Send a new link if the address has an unverified account; silent otherwise."""
    user = find_user_by_email(email)
    if user is not None and user.email_verified_at is None and user.is_active:
        _send_verification(user)
    db.session.commit()


def verification_link_is_valid(*, secret: str) -> bool:
    """Whether an emailed verification link still works, without using it up."""
    try:
        peek_token(secret, purpose=VERIFY_EMAIL)
    except TokenInvalid:
        return False
    return True


def verify_email(*, secret: str) -> User:
    token = link_token(secret, purpose=VERIFY_EMAIL, error=AccountError, use_up=True)
    user = db.session.get(User, token.user_id)
    if user is None or user.email != token.subject:
        raise AccountError("invalid_link")
    user.email_verified_at = utcnow()
    audit(user, "email_verified", "user", user.id)
    db.session.commit()
    return user


def authenticate(*, email: str, password: str, client_address: str) -> User:
    """Return the user when the password is right; otherwise raise ``AccountError``.

    Every failure raises the same ``login_failed`` code, whether the email is unknown, the
    password wrong or sign-in paused, so the answer reveals nothing about accounts. Only
    a correct password on an unverified address gets its own code. Wrong passwords pause
    sign-in per account and ``client_address`` (see :mod:`portal.accounts.lockout`).
    """
    user = find_user_by_email(email)
    if user is None or user.password_hash is None or not user.is_active:
        _verify_quietly(_dummy_hash(), password)
        raise AccountError("login_failed")
    if lockout.is_locked(user_id=user.id, address=client_address):
        _verify_quietly(_dummy_hash(), password)
        raise AccountError("login_failed")
    if not _verify_quietly(user.password_hash, password):
        if lockout.record_failure(user_id=user.id, address=client_address):
            audit(None, "locked", "user", user.id)
            db.session.commit()
        raise AccountError("login_failed")
    if user.email_verified_at is None:
        raise AccountError("email_not_verified")
    lockout.clear_failures(user_id=user.id, address=client_address)
    if password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = password_hasher.hash(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def _verify_quietly(password_hash: str, password: str) -> bool:
    try:
        return password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def request_password_reset(*, email: str) -> None:
    """Email a single-use reset link if the address has an account; silent otherwise.

    The lookup and the mail happen in a background task, so the answer takes the same
    time whether or not the address has an account.
    """
    enqueue_after_commit(mail_password_reset, normalise_email(email))
    db.session.commit()


@task()
def mail_password_reset(email: str) -> None:
    """The background half of :func:`request_password_reset`."""
    user = find_user_by_email(email)
    if user is not None and user.is_active and user.erased_at is None:
        _mail_link(
            user,
            purpose=RESET_PASSWORD,
            hours=_settings().password_reset_hours,
            subject=_l("Reset your password"),
            template="emails/reset_password",
            endpoint="accounts.reset_password",
            url_name="reset_url",
        )
    db.session.commit()


def reset_password(*, secret: str, password: str) -> User:
    """Set a new password from an emailed link; every other reset link of the user dies.

    The user's row is locked before the link is used, so two links used at once are
    applied one after the other and the second finds itself already withdrawn.
    """
    owner_id = link_token(secret, purpose=RESET_PASSWORD, error=AccountError).user_id
    if owner_id is not None:
        db.session.execute(select(User.id).where(User.id == owner_id).with_for_update())
    user = db.session.get(User, owner_id) if owner_id is not None else None
    try:
        token = consume_token(secret, purpose=RESET_PASSWORD)
    except TokenInvalid as exc:
        db.session.rollback()
        raise AccountError("invalid_link") from exc
    if user is None or user.email != token.subject:
        raise AccountError("invalid_link")
    set_password(user=user, password=password)
    # Following the link proves control of the address, so it also counts as verification.
    user.email_verified_at = user.email_verified_at or utcnow()
    audit(user, "password_reset", "user", user.id)
    db.session.commit()
    return user


def set_password(*, user: User, password: str) -> None:
    """Give ``user`` a new password (flush only): outstanding reset links and every
    signed-in session of the user stop working."""
    user.password_hash = password_hasher.hash(password)
    withdraw_reset_links(user)
    end_all_sessions(user)
    db.session.flush()


def withdraw_reset_links(user: User) -> None:
    """Mark every unused password-reset link of ``user`` used (flush only)."""
    db.session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == RESET_PASSWORD,
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def end_all_sessions(user: User) -> None:
    """Sign ``user`` out of every browser: sessions carry the version they started with."""
    user.session_version = (user.session_version or 0) + 1


def sign_out_everywhere(*, user: User) -> None:
    """Revoke every session of ``user`` (signing out): a copied cookie stops working too."""
    end_all_sessions(user)
    db.session.commit()


def update_profile(*, actor: User, name: str, locale: str) -> User:
    before = {"name": actor.name, "locale": actor.locale}
    actor.name = name.strip()
    actor.locale = locale
    fields = changed_fields(before, {"name": actor.name, "locale": actor.locale})
    if fields:
        audit(actor, "profile_updated", "user", actor.id, fields=fields)
    db.session.commit()
    return actor


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
    forget_mail_to(user.email)
    for handler in handlers():
        handler.erase(user)
    _tombstone(user)
    audit(actor if actor.id != user.id else None, "erased", "user", user.id)
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
    end_all_sessions(user)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# --- administration -------------------------------------------------------------------


def list_users(*, search: str | None = None) -> Any:
    query = select(User).where(User.erased_at.is_(None)).order_by(User.name, User.id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(func.lower(User.name).like(pattern) | User.email.like(pattern))
    return query


def grant_role(*, actor: User | None, user: User, role: Role) -> None:
    """Give ``user`` the ``role`` if they lack it, audited; the calling service commits."""
    if role in user.role_set:
        return
    user.roles.append(UserRole(role=str(role)))
    audit(actor, "access_changed", "user", user.id, roles={"added": [str(role)]})


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
        # Permissions are read fresh on every request, but a changed role also ends the
        # person's sessions so nobody keeps working with a view of access they lost.
        end_all_sessions(user)
        audit(actor, "access_changed", "user", user.id, **changes)
    db.session.commit()
    return user


def org_units_in_tree_order() -> list[tuple[int, OrgUnit]]:
    """All units depth-first with their depth, for indented lists and select boxes."""
    units = db.all(select(OrgUnit).order_by(OrgUnit.name_fi))
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
    audit(actor, "unit_created" if created else "unit_updated", "org_unit", unit.id)
    db.session.commit()
    return unit


def export_token_data(user: User) -> None:
    return None


def erase_token_data(user: User) -> None:
    db.session.execute(delete(OneTimeToken).where(OneTimeToken.user_id == user.id))


def create_administrator(*, email: str, name: str, password: str) -> User:
    """Create a verified administrator (command line)."""
    if find_user_by_email(email) is not None:
        raise AccountError("email_taken")
    if len(password) < 12:
        raise AccountError("password_too_short")
    user = create_user(email=email, name=name, password=password, roles={Role.ADMIN}, verified=True)
    audit(None, "admin_created", "user", user.id)
    db.session.commit()
    return user
