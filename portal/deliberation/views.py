"""Deliberation pages: taking part, the report, running and moderating conversations."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, user_logged_in
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer

from portal.core.db import utcnow
from portal.core.forms import ActionForm
from portal.core.i18n import current_locale
from portal.core.permissions import permission_required, public, user_has_permission
from portal.core.rate_limits import limit_reached
from portal.core.resubmission import repeatable
from portal.core.views_helpers import form_status, submit_form
from portal.deliberation import exchange, services
from portal.deliberation.forms import (
    BlockForm,
    ConversationForm,
    ImportForm,
    ModerationForm,
    SeedStatementForm,
    StatementForm,
    StatusForm,
)
from portal.deliberation.models import (
    VOTE_VALUES,
    Conversation,
    ConversationStatus,
    MathState,
    Participant,
    Statement,
)
from portal.deliberation.polis_errors import ExportError, error_message
from portal.deliberation.report import build_report
from portal.extensions import db, limiter

bp = Blueprint("deliberation", __name__, url_prefix="/deliberation")

PARTICIPANT_COOKIE = "osallistu_participant"
COOKIE_SALT = "deliberation-participant"
COOKIE_MAX_AGE = 365 * 24 * 3600


# --- the pseudonymous participant key ----------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=COOKIE_SALT)


def _cookie_key() -> str | None:
    """The participant key of this browser's cookie once its signature checks out (checked
    once per request), else None."""
    if "cookie_key" in g:
        return g.cookie_key
    raw = request.cookies.get(PARTICIPANT_COOKIE)
    key = None
    if raw:
        try:
            key = _serializer().loads(raw)
        except BadSignature:
            key = None
    g.cookie_key = key if isinstance(key, str) and key else None
    return g.cookie_key


def participant_key() -> str:
    """This browser's random participant key from its signed cookie (made on first use)."""
    if "participant_key" in g:
        return g.participant_key
    key = _cookie_key()
    if key is None:
        key = secrets.token_urlsafe(24)
        g.new_participant_key = key
    g.participant_key = key
    return key


@bp.after_request
def _set_participant_cookie(response: Response) -> Response:
    key = g.get("new_participant_key")
    if key:
        response.set_cookie(
            PARTICIPANT_COOKIE,
            _serializer().dumps(key),
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@user_logged_in.connect
def _claim_votes_on_sign_in(sender: Any, user: Any, **extra: Any) -> None:
    """Votes cast in this browser before signing in follow the account to other devices."""
    if not request or PARTICIPANT_COOKIE not in request.cookies:
        return
    services.claim_anonymous_participants(user=user, key=participant_key())


def _rate_key() -> str:
    """Whom the vote and statement limits count: the signed-in account, else this browser's
    participant key once its signature checks out, else the client address.

    An unverified cookie never names a bucket: a random cookie per request would otherwise
    get a fresh allowance every time.
    """
    if current_user.is_authenticated:
        return f"u:{current_user.id}"
    key = _cookie_key()
    if key is not None:
        return f"p:{key}"
    return f"ip:{get_remote_address()}"


#: How many votes one voter (as :func:`_rate_key` tells them apart) may cast.
VOTE_LIMITS = "120 per minute;2000 per hour"


def _user() -> Any:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _error_message(code: str) -> str:
    messages = {
        "closed": _("This conversation is not open for voting or new statements."),
        "statement_unavailable": _("This statement is no longer available for voting."),
        "blocked": _("Your participation in this conversation has been blocked by a moderator."),
        "login_required": _("Sign in to take part in this conversation."),
        "pool_only": _("This conversation is open to members of the resident pool only."),
        "submissions_closed": _("Participants cannot write statements in this conversation."),
        "statement_too_short": _("Your statement is too short."),
        "statement_too_long": _("Your statement is too long."),
        "duplicate_statement": _("The same statement is already in the conversation."),
        "invalid_vote": _("Choose agree, disagree or pass."),
        "no_identity": _("Allow cookies to take part without signing in."),
        "topic_required": _("Give the topic in at least one language."),
        "ends_before_start": _("The closing time must be after the opening time."),
        "invalid_transition": _("The conversation cannot move to that state now."),
        "read_only": _("A closed or reported conversation can no longer be changed."),
        "reason_required": _("Give a reason for rejecting the statement."),
        "invalid_export": _("The file is not a readable Polis export."),
    }
    return messages.get(code, _("The request could not be completed."))


def _error_text(error: services.DeliberationError) -> str:
    return _error_message(error.code)


_submit_form = partial(submit_form, messages=_error_text)


def _may_manage() -> bool:
    return user_has_permission(current_user, "deliberation.manage")


def _submit(
    form: FlaskForm,
    action: Callable[[], object],
    *,
    success: str,
    then: str,
    invalid: str | None = None,
) -> Any:
    """A small staff form posted from a page of its own: run ``action`` when ``form`` is
    valid, flash how it went (or ``invalid`` for a form that is not) and go back to ``then``."""
    if form.validate_on_submit():
        try:
            action()
        except services.DeliberationError as error:
            flash(_error_message(error.code), "error")
        else:
            flash(success, "success")
    elif invalid is not None:
        flash(invalid, "error")
    return redirect(then)


def _load_public(conversation_id: int) -> Conversation:
    conversation = db.get_or_404(Conversation, conversation_id)
    if conversation.status == ConversationStatus.DRAFT and not _may_manage():
        abort(404)
    return conversation


def freshness(state: MathState | None) -> str | None:
    """ "Updated 2 minutes ago from 1,234 votes", or None before the first result."""
    if state is None or state.computed_at is None:
        return None
    from portal.core.i18n import number

    return _(
        "Updated %(when)s from %(votes)s votes.",
        when=format_timedelta(state.computed_at - utcnow(), add_direction=True),
        votes=number(state.vote_count),
    )


# --- taking part -------------------------------------------------------------------------------


@bp.get("/")
@public
def list_conversations() -> Any:
    conversations = services.list_conversations(public_only=True)
    counts = services.participation_counts([c.id for c in conversations])
    return render_template(
        "deliberation/list.html",
        conversations=conversations,
        counts=counts,
        is_open=services.is_open,
    )


def _participation_page(
    conversation: Conversation, statement_form: StatementForm | None = None, status: int = 200
) -> Any:
    key = participant_key()
    user = _user()
    participant = services.find_participant(conversation_id=conversation.id, user=user, key=key)
    statement = services.next_statement(conversation=conversation, participant=participant, key=key)
    state = db.session.get(MathState, conversation.id)
    return render_template(
        "deliberation/participate.html",
        conversation=conversation,
        statement=statement,
        participant=participant,
        statement_form=statement_form or StatementForm(),
        standing=services.standing(conversation=conversation, participant=participant),
        total=services.visible_statement_count(conversation),
        is_open=services.is_open(conversation),
        access_problem=services.access_problem(conversation, user),
        freshness=freshness(state),
        locale=current_locale(),
    ), status


@bp.get("/<int:conversation_id>")
@public
def participate(conversation_id: int) -> Any:
    return _participation_page(_load_public(conversation_id))


@bp.post("/<int:conversation_id>/statements/<int:statement_id>/vote")
@repeatable  # a vote is an upsert: sending it twice changes nothing, and this path is hot
@public
@limiter.exempt  # counted by limit_reached: voting is the hot path
def vote(conversation_id: int, statement_id: int) -> Any:
    if limit_reached(VOTE_LIMITS, "deliberation.vote", _rate_key()):
        abort(429)
    # CSRFProtect has already checked the token before the view runs (a failed check
    # dispatches here again with ``g.csrf_failed``); the vote itself is one button value.
    # Skipping a WTForms object keeps this hot path light.
    back = (
        url_for("deliberation.list_my_votes", conversation_id=conversation_id)
        if request.form.get("next") == "votes"
        else url_for("deliberation.participate", conversation_id=conversation_id)
        + "#current-statement"
    )
    if g.get("csrf_failed"):
        flash(_("The form had expired. Vote again."), "error")
        return redirect(back, 303)
    value = VOTE_VALUES.get(request.form.get("vote", ""))
    if value is None:
        flash(_("Choose agree, disagree or pass."), "error")
        return redirect(back, 303)
    try:
        services.cast_vote(
            conversation_id=conversation_id,
            statement_id=statement_id,
            value=value,
            user=_user(),
            key=participant_key(),
        )
    except services.DeliberationError as error:
        if error.code == "not_found":
            abort(404)
        flash(_error_message(error.code), "error")
        if error.code == "login_required":
            return redirect(
                url_for(
                    "accounts.login",
                    next=url_for("deliberation.participate", conversation_id=conversation_id),
                ),
                303,
            )
        return redirect(back, 303)
    flash(_("Your vote is saved."), "success")
    return redirect(back, 303)


@bp.get("/<int:conversation_id>/my-votes")
@public
def list_my_votes(conversation_id: int) -> Any:
    conversation = _load_public(conversation_id)
    participant = services.find_participant(
        conversation_id=conversation.id, user=_user(), key=participant_key()
    )
    return render_template(
        "deliberation/my_votes.html",
        conversation=conversation,
        votes=services.my_votes(participant),
        is_open=services.is_open(conversation),
        locale=current_locale(),
    )


@bp.post("/<int:conversation_id>/statements")
@public
@limiter.limit("10 per minute;50 per day", key_func=_rate_key)
def submit_statement(conversation_id: int) -> Any:
    conversation = _load_public(conversation_id)
    form = StatementForm()
    if not form.validate_on_submit():
        return _participation_page(conversation, form, 400)
    try:
        services.submit_statement(
            conversation=conversation,
            text=form.text.data,
            language=current_locale(),
            user=_user(),
            key=participant_key(),
        )
    except services.DeliberationError as error:
        form.text.errors = [*form.text.errors, _error_message(error.code)]
        return _participation_page(conversation, form, 400)
    flash(
        _("Thank you! Your statement is now shown to others.")
        if conversation.moderation == "post"
        else _("Thank you! Your statement is shown to others once a moderator has accepted it."),
        "success",
    )
    return redirect(url_for("deliberation.participate", conversation_id=conversation.id), 303)


@bp.get("/<int:conversation_id>/report")
@public
def show_report(conversation_id: int) -> Any:
    conversation = db.get_or_404(Conversation, conversation_id)
    published = conversation.status == ConversationStatus.REPORTED
    insider = user_has_permission(current_user, "impact.view") or _may_manage()
    if not published and not insider:
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        abort(403)
    report = build_report(conversation, current_locale())
    return render_template(
        "deliberation/report.html",
        report=report,
        conversation=conversation,
        freshness=freshness(report.state),
        locale=current_locale(),
        published=published,
    )


# --- running conversations ----------------------------------------------------------------------


@bp.get("/manage")
@permission_required("deliberation.manage")
def manage_conversations() -> Any:
    conversations = services.list_conversations(public_only=False)
    return render_template(
        "deliberation/manage_list.html",
        conversations=conversations,
        counts=services.participation_counts([c.id for c in conversations]),
        locale=current_locale(),
    )


def _fields(form: ConversationForm) -> services.ConversationFields:
    def aware(value: datetime | None) -> datetime | None:
        # Times are entered in the county's local time by people; stored as UTC.
        if value is None:
            return None
        from zoneinfo import ZoneInfo

        return value.replace(tzinfo=ZoneInfo("Europe/Helsinki")).astimezone(UTC)

    return services.ConversationFields(
        topic_fi=form.topic_fi.data or "",
        topic_sv=form.topic_sv.data or "",
        topic_en=form.topic_en.data or "",
        description_fi=form.description_fi.data or "",
        description_sv=form.description_sv.data or "",
        description_en=form.description_en.data or "",
        languages=tuple(form.languages.data or ["fi"]),
        starts_at=aware(form.starts_at.data),
        ends_at=aware(form.ends_at.data),
        access=form.access.data,
        moderation=form.moderation.data,
        participants_may_submit=bool(form.participants_may_submit.data),
    )


@bp.route("/manage/new", methods=["GET", "POST"])
@permission_required("deliberation.manage")
def create_conversation() -> Any:
    form = ConversationForm(languages=["fi", "sv"])
    done = _submit_form(
        form,
        lambda: services.create_conversation(
            actor=current_user,
            fields=_fields(form),
            seed_statements=[
                line for line in (form.seed_statements.data or "").splitlines() if line.strip()
            ],
        ),
        success=_("The conversation is created as a draft."),
        then=lambda conversation: url_for(
            "deliberation.edit_conversation", conversation_id=conversation.id
        ),
    )
    return done or (
        render_template("deliberation/manage_form.html", form=form, conversation=None),
        form_status(form),
    )


def _local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo("Europe/Helsinki")).replace(tzinfo=None)


@bp.route("/manage/<int:conversation_id>", methods=["GET", "POST"])
@permission_required("deliberation.manage")
def edit_conversation(conversation_id: int) -> Any:
    conversation = db.get_or_404(Conversation, conversation_id)
    form = ConversationForm(
        obj=conversation,
        languages=conversation.language_list,
        starts_at=_local(conversation.starts_at),
        ends_at=_local(conversation.ends_at),
    )
    if request.method == "GET":
        # ``obj`` wins over keyword data in WTForms, so the converted values are set here.
        form.languages.data = conversation.language_list
        form.starts_at.data = _local(conversation.starts_at)
        form.ends_at.data = _local(conversation.ends_at)
    done = _submit_form(
        form,
        lambda: services.update_conversation(
            actor=current_user, conversation=conversation, fields=_fields(form)
        ),
        success=_("The conversation is saved."),
        then=url_for("deliberation.edit_conversation", conversation_id=conversation.id),
    )
    if done is not None:
        return done
    state = db.session.get(MathState, conversation.id)
    return render_template(
        "deliberation/manage_form.html",
        form=form,
        conversation=conversation,
        seed_form=SeedStatementForm(language=conversation.language_list[0]),
        status_form=StatusForm(),
        action_form=ActionForm(),
        transitions=sorted(services.ALLOWED_TRANSITIONS[ConversationStatus(conversation.status)]),
        state=state,
        freshness=freshness(state),
        locale=current_locale(),
    ), form_status(form)


@bp.post("/manage/<int:conversation_id>/status")
@permission_required("deliberation.manage")
def change_status(conversation_id: int) -> Any:
    conversation = db.get_or_404(Conversation, conversation_id)
    form = StatusForm()
    return _submit(
        form,
        lambda: services.change_status(
            actor=current_user, conversation=conversation, status=form.status.data
        ),
        success=_("The state of the conversation is changed."),
        then=url_for("deliberation.edit_conversation", conversation_id=conversation_id),
    )


@bp.post("/manage/<int:conversation_id>/seeds")
@permission_required("deliberation.manage")
def add_seed(conversation_id: int) -> Any:
    conversation = db.get_or_404(Conversation, conversation_id)
    form = SeedStatementForm()
    return _submit(
        form,
        lambda: services.add_seed_statement(
            actor=current_user,
            conversation=conversation,
            text=form.text.data,
            language=form.language.data,
            is_meta=bool(form.is_meta.data),
        ),
        success=_("The seed statement is added."),
        then=url_for("deliberation.edit_conversation", conversation_id=conversation_id),
        invalid=_("Write your statement."),
    )


@bp.post("/manage/<int:conversation_id>/recompute")
@permission_required("deliberation.manage")
def recompute(conversation_id: int) -> Any:
    conversation = db.get_or_404(Conversation, conversation_id)
    if ActionForm().validate_on_submit():
        try:
            services.recompute_now(conversation.id, force=True)
        except services.RecomputeBusy:
            flash(_("The opinion map is being updated right now. Try again in a moment."), "error")
        else:
            flash(_("The opinion map is updated."), "success")
    return redirect(url_for("deliberation.edit_conversation", conversation_id=conversation_id))


@bp.get("/manage/<int:conversation_id>/export.zip")
@permission_required("deliberation.manage")
def export_conversation(conversation_id: int) -> Any:
    conversation = db.get_or_404(Conversation, conversation_id)
    return Response(
        exchange.export_zip(conversation),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f"attachment; filename=deliberation-{conversation.id}-polis.zip"
        },
    )


@bp.route("/manage/import", methods=["GET", "POST"])
@permission_required("deliberation.manage")
def import_conversation() -> Any:
    form = ImportForm()
    if form.validate_on_submit():
        try:
            with tempfile.TemporaryDirectory() as folder:
                exchange.extract_zip(form.archive.data.read(), Path(folder))
                conversation = exchange.import_export(actor=current_user, directory=folder)
        except services.DeliberationError as error:
            cause = error.__cause__  # where in which file, for an export that cannot be read
            message = (
                error_message(cause, _)
                if isinstance(cause, ExportError)
                else _error_message(error.code)
            )
            form.archive.errors = [*form.archive.errors, message]
        else:
            services.recompute_now(conversation.id, force=True)
            flash(_("The conversation is imported and analysed."), "success")
            return redirect(url_for("deliberation.show_report", conversation_id=conversation.id))
    return render_template("deliberation/import.html", form=form), (400 if form.errors else 200)


# --- moderation ----------------------------------------------------------------------------------


@bp.get("/manage/<int:conversation_id>/moderation")
@permission_required("deliberation.moderate")
def moderation_queue(conversation_id: int) -> Any:
    conversation = db.get_or_404(Conversation, conversation_id)
    show_all = request.args.get("show") == "all"
    statements = (
        services.statements_of(conversation)
        if show_all
        else services.moderation_queue(conversation)
    )
    return render_template(
        "deliberation/moderation.html",
        conversation=conversation,
        statements=statements,
        show_all=show_all,
        form=ModerationForm(),
        block_form=BlockForm(),
        locale=current_locale(),
    )


@bp.post("/manage/statements/<int:statement_id>/moderate")
@permission_required("deliberation.moderate")
def moderate_statement(statement_id: int) -> Any:
    statement = db.get_or_404(Statement, statement_id)
    form = ModerationForm()
    return _submit(
        form,
        lambda: services.moderate_statement(
            actor=current_user,
            statement=statement,
            status=form.decision.data,
            reason=form.reason.data or "",
            is_seed=bool(form.is_seed.data),
            is_meta=bool(form.is_meta.data),
            hidden=bool(form.hidden.data),
        ),
        success=_("The moderation decision is saved."),
        then=url_for("deliberation.moderation_queue", conversation_id=statement.conversation_id),
        invalid=_("The request could not be completed."),
    )


@bp.post("/manage/participants/<int:participant_id>/block")
@permission_required("deliberation.moderate")
def block_participant(participant_id: int) -> Any:
    participant = db.get_or_404(Participant, participant_id)
    form = BlockForm()
    blocked = form.blocked.data == "1"
    return _submit(
        form,
        lambda: services.set_participant_blocked(
            actor=current_user, participant=participant, blocked=blocked
        ),
        success=(
            _("The participant is blocked.")
            if blocked
            else _("The participant is no longer blocked.")
        ),
        then=url_for(
            "deliberation.moderation_queue", conversation_id=participant.conversation_id, show="all"
        ),
    )
