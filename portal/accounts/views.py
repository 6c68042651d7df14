"""Sign-in, registration, own account, and user and unit administration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user, user_logged_in, user_logged_out
from wtforms import SelectChoice

from portal.accounts import services
from portal.accounts.forms import (
    EraseAccountForm,
    LoginForm,
    OrgUnitForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    ProfileForm,
    RegisterForm,
    ResendVerificationForm,
    UserAdminForm,
    role_labels,
)
from portal.accounts.models import OrgUnit, User
from portal.core.forms import ActionForm, choice_list
from portal.core.i18n import current_locale
from portal.core.paging import paginate
from portal.core.permissions import Role, login_required, permission_required, public
from portal.core.urls import safe_next_url
from portal.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)


#: The session key holding the user's session version from the moment of signing in.
SESSION_VERSION_KEY = "_session_version"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user, unless the session was revoked since it began.

    A signed cookie cannot be taken back, so every session carries the user's session
    version; signing out, a new password, changed access and erasure raise the version and
    every older cookie (a copied one, another browser) stops signing anyone in.
    """
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active:
        return None
    if session.get(SESSION_VERSION_KEY, 0) != user.session_version:
        return None
    return user


@user_logged_in.connect
def _remember_session_version(sender: Any, user: User, **extra: Any) -> None:
    # Every sign-in path (password, pool link) goes through ``login_user``.
    session[SESSION_VERSION_KEY] = user.session_version


@user_logged_out.connect
def _revoke_sessions(sender: Any, user: Any, **extra: Any) -> None:
    if isinstance(user, User) and user.erased_at is None:
        services.sign_out_everywhere(user=user)


def _login_limit() -> str:
    return current_app.config["PORTAL"].login_rate_limit


def _sign_in_failed(response: Response) -> bool:
    # Successful sign-ins do not use up the limit: staff behind one office address would
    # otherwise shut each other out at the start of the day.
    return response.status_code >= 400


def _account_error_message(code: str) -> str:
    messages = {
        "login_failed": _(
            "Sign-in failed. Check your email address and password. After several failed "
            "attempts sign-in is paused for a while; you can also reset your password."
        ),
        "email_not_verified": _(
            "Confirm your email address first: follow the link we sent you. "
            "You can ask for a new link below."
        ),
        "invalid_link": _("The link is invalid, already used or expired. Ask for a new one."),
        "cannot_remove_own_admin": _("You cannot remove your own administrator role."),
        "wrong_parent_level": _(
            "A service area belongs to the county and a unit belongs to a service area."
        ),
        "county_has_no_parent": _("The county is the top of the tree and has no parent."),
    }
    return messages.get(code, _("The request could not be completed."))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_sign_in_failed)
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                email=form.email.data,
                password=form.password.data,
                client_address=get_remote_address(),
            )
        except services.AccountError as error:
            form.form_errors.append(_account_error_message(error.code))
            if error.code == "email_not_verified":
                return render_template(
                    "accounts/login.html",
                    form=form,
                    resend=ResendVerificationForm(email=form.email.data),
                ), 400
            return render_template("accounts/login.html", form=form), 400
        session.clear()  # a fresh session on sign-in prevents session fixation
        login_user(user)
        session["locale"] = user.locale
        flash(_("You are signed in."), "success")
        return redirect(
            safe_next_url(request.args.get("next"), fallback=url_for("accounts.account"))
        )
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Any:
    form = ActionForm()
    if form.validate_on_submit():
        locale = session.get("locale")
        logout_user()
        session.clear()
        if locale:
            session["locale"] = locale
        flash(_("You are signed out."), "success")
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def register() -> Any:
    form = RegisterForm(locale=current_locale())
    if form.validate_on_submit():
        services.register_user(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            locale=form.locale.data,
        )
        return render_template("accounts/check_email.html", email_sent_to=form.email.data)
    return render_template("accounts/register.html", form=form)


def _use_link(action: Callable[[], object], *, success: str, failure_endpoint: str) -> Any:
    """Run ``action`` for a mailed link; after success send the user to sign in, otherwise
    explain why the link failed on ``failure_endpoint``."""
    try:
        action()
    except services.AccountError as error:
        flash(_account_error_message(error.code), "error")
        return redirect(url_for(failure_endpoint))
    flash(success, "success")
    return redirect(url_for("accounts.login"))


@bp.route("/verify/<token>", methods=["GET", "POST"])
@public
def verify_email(token: str) -> Any:
    # The link shows a button: a mail scanner opening it must not confirm the address.
    if not services.verification_link_is_valid(secret=token):
        flash(_account_error_message("invalid_link"), "error")
        return redirect(url_for("accounts.resend_verification"))
    form = ActionForm()
    if form.validate_on_submit():
        return _use_link(
            lambda: services.verify_email(secret=token),
            success=_("Your email address is confirmed. You can now sign in."),
            failure_endpoint="accounts.resend_verification",
        )
    return render_template("accounts/verify_email.html", form=form)


@bp.route("/verify", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def resend_verification() -> Any:
    form = ResendVerificationForm()
    if form.validate_on_submit():
        services.resend_verification(email=form.email.data)
        return render_template("accounts/check_email.html", email_sent_to=form.email.data)
    return render_template("accounts/resend_verification.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def request_password_reset() -> Any:
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(email=form.email.data)
        return render_template(
            "accounts/check_email.html", email_sent_to=form.email.data, reset=True
        )
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> Any:
    form = PasswordResetForm()
    if form.validate_on_submit():
        return _use_link(
            lambda: services.reset_password(secret=token, password=form.password.data),
            success=_("Your password is changed. You can now sign in."),
            failure_endpoint="accounts.request_password_reset",
        )
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(actor=current_user, name=form.name.data, locale=form.locale.data)
        session["locale"] = form.locale.data
        flash(_("Your details are saved."), "success")
        return redirect(url_for("accounts.account"))
    return render_template(
        "accounts/account.html",
        form=form,
        erase_form=EraseAccountForm(),
        role_labels=role_labels(),
    )


@bp.get("/account/data.json")
@login_required
def export_own_data() -> Any:
    return Response(
        services.export_own_data_json(user=current_user),
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=osallistu-my-data.json"},
    )


@bp.post("/account/erase")
@login_required
def erase_account() -> Any:
    form = EraseAccountForm()
    if not form.validate_on_submit():
        return render_template(
            "accounts/account.html",
            form=ProfileForm(obj=current_user),
            erase_form=form,
            role_labels=role_labels(),
        ), 400
    user = current_user._get_current_object()
    services.erase_user(actor=user, user=user)
    logout_user()
    session.clear()
    flash(_("Your account and personal data are erased."), "success")
    return redirect(url_for("public.home"))


# --- administration -------------------------------------------------------------------


@bp.get("/admin/users")
@permission_required("admin.manage_users")
def list_users() -> Any:
    search = request.args.get("q", "").strip()[:100]
    page = paginate(services.list_users(search=search), page=request.args.get("page", 1, type=int))
    return render_template(
        "accounts/admin_users.html", page=page, search=search, role_labels=role_labels()
    )


def _unit_choices(*, blank: str) -> list[SelectChoice]:
    locale = current_locale()
    return choice_list(
        [(0, blank)]
        + [
            (unit.id, "— " * depth + unit.name(locale))
            for depth, unit in services.org_units_in_tree_order()
        ]
    )


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@permission_required("admin.manage_users")
def edit_user(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = UserAdminForm(
        roles=[str(r) for r in user.role_set],
        org_unit=user.org_unit_id or 0,
        is_active=user.is_active,
    )
    labels = role_labels()
    form.roles.choices = choice_list((str(role), labels[role]) for role in Role)
    form.org_unit.choices = _unit_choices(blank=_("No unit"))
    if form.validate_on_submit():
        unit = db.session.get(OrgUnit, form.org_unit.data) if form.org_unit.data else None
        try:
            services.update_user_access(
                actor=current_user,
                user=user,
                roles={Role(r) for r in form.roles.data},
                org_unit=unit,
                is_active=form.is_active.data,
            )
        except services.AccountError as error:
            form.form_errors.append(_account_error_message(error.code))
        else:
            if user.id == current_user.id:
                # Changed access ends the user's sessions; keep the one that changed it.
                session[SESSION_VERSION_KEY] = user.session_version
            flash(_("Access rights are saved."), "success")
            return redirect(url_for("accounts.edit_user", user_id=user.id))
    return render_template("accounts/admin_user.html", user=user, form=form)


@bp.get("/admin/units")
@permission_required("admin.manage_units")
def list_units() -> Any:
    return render_template("accounts/admin_units.html", units=services.org_units_in_tree_order())


@bp.route("/admin/units/new", methods=["GET", "POST"])
@bp.route("/admin/units/<int:unit_id>", methods=["GET", "POST"])
@permission_required("admin.manage_units")
def edit_unit(unit_id: int | None = None) -> Any:
    unit = db.get_or_404(OrgUnit, unit_id) if unit_id else None
    form = OrgUnitForm(obj=unit, parent=unit.parent_id if unit and unit.parent_id else 0)
    form.parent.choices = _unit_choices(blank=_("Nothing (the county)"))
    if form.validate_on_submit():
        parent = db.session.get(OrgUnit, form.parent.data) if form.parent.data else None
        try:
            services.save_org_unit(
                actor=current_user,
                unit=unit,
                kind=form.kind.data,
                parent=parent,
                name_fi=form.name_fi.data,
                name_sv=form.name_sv.data or "",
                name_en=form.name_en.data or "",
                manager_email=form.manager_email.data or None,
            )
        except services.AccountError as error:
            form.parent.errors = [*form.parent.errors, _account_error_message(error.code)]
        else:
            flash(_("The unit is saved."), "success")
            return redirect(url_for("accounts.list_units"))
    return render_template("accounts/admin_unit.html", form=form, unit=unit)
