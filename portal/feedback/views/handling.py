"""Staff pages: a unit's answers, replies, tags, corrections, ideas and follow-ups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields import Field

from portal.accounts.models import OrgUnit
from portal.core.forms import Form, choice_list
from portal.core.i18n import current_locale
from portal.core.permissions import permission_required
from portal.extensions import db
from portal.feedback import labels, services
from portal.feedback.forms import CloseCaseForm, CorrectionForm, IdeaForm, ReplyForm, TagsForm
from portal.feedback.models import Answer
from portal.feedback.services import AnswerFilter, FeedbackError
from portal.feedback.text import TONES
from portal.feedback.views.blueprint import bp, submit_feedback_form

PER_PAGE = 30


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _unit(unit_id: int) -> OrgUnit | None:
    return db.session.get(OrgUnit, unit_id)


def _visible_or_abort(find: Callable[[Any, int], Any], item_id: int) -> Any:
    """What ``find`` returns for the signed-in user: 403 outside their units, 404 if none."""
    try:
        found = find(current_user, item_id)
    except FeedbackError:
        abort(403)
    if found is None:
        abort(404)
    return found


def _answer_or_abort(answer_id: int) -> Answer:
    return _visible_or_abort(services.answer_for, answer_id)


@bp.route("/handle")
@permission_required("feedback.handle")
def handle() -> Any:
    args = request.args
    units = services.visible_units(current_user)
    unit_ids = {u.id for u in units}
    filters = AnswerFilter(
        unit_id=args.get("unit", type=int) if args.get("unit", type=int) in unit_ids else None,
        channel=args.get("channel", "") if args.get("channel") in labels.channel_labels() else "",
        tone=args.get("tone", "") if args.get("tone") in TONES else "",
        theme=args.get("theme", "")[:40],
        tag=args.get("tag", "")[:60],
        with_text=args.get("with_text") == "1",
        unhandled=args.get("unhandled") == "1",
        start=_date(args.get("start")),
        end=_date(args.get("end")),
    )
    page = max(1, args.get("page", 1, type=int))
    answers, total = services.answers_for(
        current_user, filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    return render_template(
        "feedback/handle.html",
        units=units,
        answers=answers,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        filters=filters,
        themes=services.theme_names(current_locale()),
        channel_labels=labels.channel_labels(),
        tone_labels=labels.tone_labels(),
        open_cases=len(services.cases_for(current_user)),
        query=args.to_dict(),
    )


def _answer_page(answer: Answer, **forms: Any) -> Any:
    themes = services.theme_names(current_locale())
    correction = forms.get("correction") or CorrectionForm(
        tone=answer.effective_tone, themes=answer.effective_themes
    )
    correction.tone.choices = choice_list(labels.tone_labels().items())
    correction.themes.choices = choice_list(themes.items())
    return render_template(
        "feedback/answer.html",
        answer=answer,
        reply_form=forms.get("reply") or ReplyForm(),
        tags_form=forms.get("tags") or TagsForm(tags=", ".join(t.label for t in answer.tags)),
        correction_form=correction,
        idea_form=forms.get("idea") or IdeaForm(),
        themes=themes,
        channel_labels=labels.channel_labels(),
        tone_labels=labels.tone_labels(),
        entry_labels=labels.entry_labels(),
        unit=_unit(answer.org_unit_id),
    )


def _answer_form(
    answer: Answer,
    name: str,
    form: Form,
    action: Callable[[], object],
    *,
    success: str,
    error_field: Field | None = None,
) -> Any:
    """Send one of the answer page's forms; on failure show the page with ``form`` as
    ``name`` and its errors (422)."""
    done = submit_feedback_form(
        form,
        action,
        success=success,
        then=url_for("feedback.show_answer", answer_id=answer.id),
        error_field=error_field,
    )
    return done or (_answer_page(answer, **{name: form}), 422)


@bp.route("/handle/answers/<int:answer_id>")
@permission_required("feedback.handle")
def show_answer(answer_id: int) -> Any:
    answer = _answer_or_abort(answer_id)
    if answer.open_text and answer.tone_suggested is None:
        services.analyse_answers([answer])
        db.session.commit()
    return _answer_page(answer)


@bp.route("/handle/answers/<int:answer_id>/reply", methods=["POST"])
@permission_required("feedback.handle")
def reply_to_answer(answer_id: int) -> Any:
    answer = _answer_or_abort(answer_id)
    form = ReplyForm()
    return _answer_form(
        answer,
        "reply",
        form,
        lambda: services.reply(
            actor=current_user, answer=answer, text=form.text.data, is_public=form.is_public.data
        ),
        success=_("The reply was saved."),
        error_field=form.text,
    )


@bp.route("/handle/answers/<int:answer_id>/tags", methods=["POST"])
@permission_required("feedback.handle")
def tag_answer(answer_id: int) -> Any:
    answer = _answer_or_abort(answer_id)
    form = TagsForm()
    return _answer_form(
        answer,
        "tags",
        form,
        lambda: services.set_tags(
            actor=current_user, answer=answer, labels=(form.tags.data or "").split(",")
        ),
        success=_("The tags were saved."),
    )


@bp.route("/handle/answers/<int:answer_id>/analysis", methods=["POST"])
@permission_required("feedback.handle")
def correct_answer(answer_id: int) -> Any:
    answer = _answer_or_abort(answer_id)
    themes = services.theme_names(current_locale())
    form = CorrectionForm()
    form.tone.choices = choice_list(labels.tone_labels().items())
    form.themes.choices = choice_list(themes.items())
    return _answer_form(
        answer,
        "correction",
        form,
        lambda: services.correct_analysis(
            actor=current_user,
            answer=answer,
            tone=form.tone.data,
            themes=form.themes.data or [],
            known_themes=themes,
        ),
        success=_("Your correction was saved; the suggestion is kept beside it."),
    )


@bp.route("/handle/answers/<int:answer_id>/idea", methods=["POST"])
@permission_required("feedback.handle")
def make_idea(answer_id: int) -> Any:
    answer = _answer_or_abort(answer_id)
    form = IdeaForm()
    return _answer_form(
        answer,
        "idea",
        form,
        lambda: services.make_development_idea(
            actor=current_user,
            answer=answer,
            unit=_unit(answer.org_unit_id),
            title=form.title.data,
            text=form.description.data or "",
        ),
        success=_("The development idea was sent to the impact chain for a response."),
        error_field=form.title,
    )


@bp.route("/handle/ideas")
@permission_required("feedback.handle")
def list_ideas() -> Any:
    return render_template("feedback/ideas.html", ideas=services.ideas_for(current_user))


# --- follow-up cases -----------------------------------------------------------------------


@bp.route("/handle/cases")
@permission_required("feedback.handle")
def list_cases() -> Any:
    closed = request.args.get("closed") == "1"
    return render_template(
        "feedback/cases.html",
        cases=services.cases_for(current_user, include_closed=closed),
        closed=closed,
        today=date.today(),
    )


def _case_or_abort(case_id: int) -> Any:
    return _visible_or_abort(services.case_for, case_id)


@bp.route("/handle/cases/<int:case_id>", methods=["GET", "POST"])
@permission_required("feedback.handle")
def show_case(case_id: int) -> Any:
    case = _case_or_abort(case_id)
    form = CloseCaseForm()
    done = submit_feedback_form(
        form,
        lambda: services.close_case(
            actor=current_user,
            case=case,
            note=form.note.data,
            contacted_on=form.contacted_on.data,
        ),
        success=_("The follow-up was closed and the contact details were deleted."),
        then=url_for("feedback.list_cases"),
        error_field=form.note,
    )
    return done or (
        render_template(
            "feedback/case.html",
            case=case,
            form=form,
            today=date.today(),
            unit=_unit(case.owner_unit_id),
        ),
        422 if form.errors else 200,
    )
