"""Pages without sign-in: the web form, kiosk mode, posters, surveys and public results."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_limiter.util import get_remote_address

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.core.permissions import public
from portal.core.rate_limits import limit_reached
from portal.core.urls import external_url
from portal.extensions import csrf, db, limiter
from portal.feedback import labels, posters, services
from portal.feedback.models import Channel
from portal.feedback.services import FeedbackError, Submission
from portal.feedback.views.blueprint import (
    bp,
    chosen_language,
    intake_limit,
    kiosk_key,
    kiosk_limit,
)


def _unit_or_404(unit_id: int) -> OrgUnit:
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or unit.kind == OrgUnitKind.COUNTY:
        abort(404)
    return unit


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def submission_from_form(
    shape: services.QuestionnaireShape,
    unit: OrgUnit | services.UnitRef | None,
    channel: str,
    language: str,
    **extra: Any,
) -> Submission:
    """Read the answers of a public form; validation happens in the service."""
    form = request.form
    statements = {}
    for code in shape.statement_ids:
        value = _int(form.get(f"q_{code}"))
        if value is not None:
            statements[code] = value
    wants_contact = form.get("contact_me") == "1" and shape.has_contact
    return Submission(
        unit=unit,
        channel=channel,
        language=language,
        score=_int(form.get("score")),
        statements=statements,
        open_text=form.get("open_text", "")[: 2 * services.intake.MAX_OPEN_TEXT],
        wants_contact=wants_contact,
        contact_name=form.get("contact_name", "") if wants_contact else "",
        contact=form.get("contact", "") if wants_contact else "",
        **extra,
    )


def _render_form(template: str, **context: Any) -> str:
    """Render a public form page in its own language, in plain language when asked for.

    Plain language is offered where the questionnaire has plain versions in the form's
    language; the choice travels in the links and in a hidden field of the form.
    """
    language = context["language"]
    questionnaire = context.get("questionnaire")
    offered = questionnaire is not None and questionnaire.has_plain_language(language)
    context.setdefault("plain_offered", offered)
    context.setdefault("plain", offered and request.values.get("plain") == "1")
    with force_locale(language):
        return render_template(template, labels=labels, **context)


# --- web form ------------------------------------------------------------------------------


def _store_posted_answer(unit_id: int, channel: str, token: str, language: str) -> None:
    """Store the posted form's answer; a FeedbackError says what to correct.

    Posting reads only what storing needs of the unit and the questionnaire, in one
    query: every answer comes this way, and the full objects are loaded only to render
    the form again.
    """
    with services.posting_connection() as connection:
        target = services.posting_target(unit_id, channel, connection=connection)
        if target is None:
            abort(404)
        unit, shape = target
        services.store_answer(
            submission_from_form(shape, unit, channel, language),
            shape=shape,
            submission_id=services.submission_id_from_token(
                token, unit_id=unit.id, channel=channel
            ),
            connection=connection,
        )


def _answer_page(template: str, unit_id: int, channel: str, **context: Any) -> str:
    """The answer form of a unit in ``channel``, with a fresh one-time form token and the
    posted values (if any) filled in again."""
    unit = _unit_or_404(unit_id)
    questionnaire = services.current_questionnaire(channel)
    db.session.commit()  # the seed questionnaire, on first use
    return _render_form(
        template,
        unit=unit,
        questionnaire=questionnaire,
        token=services.issue_form_token(unit.id, channel),
        values=request.form,
        **context,
    )


@bp.route("/unit/<int:unit_id>", methods=["GET", "POST"])
@public
@csrf.exempt  # no session: the signed one-time form token stands in for the CSRF token
@limiter.exempt  # counted by limit_reached: every web answer is posted here
def answer_form(unit_id: int) -> Any:
    language = chosen_language()
    error = None
    if request.method == "POST":
        if limit_reached(intake_limit(), "feedback.answer_form", get_remote_address()):
            abort(429)
        try:
            _store_posted_answer(unit_id, Channel.WEB, request.form.get("token", ""), language)
        except FeedbackError as problem:
            error = labels.error_message(problem)
        else:
            return redirect(url_for("feedback.thanks", unit_id=unit_id, lang=language), 303)
    body = _answer_page(
        "feedback/answer_form.html",
        unit_id,
        Channel.WEB,
        language=language,
        error=error,
        action=url_for("feedback.answer_form", unit_id=unit_id),
        self_url=lambda lang, **extra: url_for(
            "feedback.answer_form", unit_id=unit_id, lang=lang, **extra
        ),
    )
    return (body, 422) if error else body


@bp.route("/unit/<int:unit_id>/thanks")
@public
def thanks(unit_id: int) -> Any:
    unit = _unit_or_404(unit_id)
    language = chosen_language()
    return _render_form(
        "feedback/thanks.html",
        unit=unit,
        language=language,
        again=url_for("feedback.answer_form", unit_id=unit.id, lang=language),
    )


@bp.route("/unit/<int:unit_id>/poster.svg")
@public
def poster_svg(unit_id: int) -> Response:
    unit = _unit_or_404(unit_id)
    link = external_url("feedback.answer_form", unit_id=unit.id)
    return Response(posters.poster_svg(unit, link), mimetype="image/svg+xml")


@bp.route("/unit/<int:unit_id>/poster.pdf")
@public
def poster_pdf(unit_id: int) -> Response:
    unit = _unit_or_404(unit_id)
    link = external_url("feedback.answer_form", unit_id=unit.id)
    response = Response(posters.poster_pdf(unit, link), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="feedback-poster-{unit.id}.pdf"'
    return response


# --- kiosk ---------------------------------------------------------------------------------


def _device_or_404(token: str) -> Any:
    device = services.kiosk_device(token)
    if device is None:
        abort(404)
    return device


def _no_store(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/kiosk/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # kiosks keep no cookies; the signed form token is the one-time key
@limiter.limit(kiosk_limit, key_func=kiosk_key, methods=["POST"])
def kiosk(token: str) -> Any:
    device = _device_or_404(token)
    language = chosen_language()
    error = None
    if request.method == "POST":
        form_token = request.form.get("form_token", "")
        try:
            _store_posted_answer(device.org_unit_id, Channel.KIOSK, form_token, language)
        except FeedbackError as problem:
            error = labels.error_message(problem)
        else:
            # Straight back to the start, with a thank-you note: the next person can answer.
            return redirect(url_for("feedback.kiosk", token=token, lang=language, sent=1), 303)
    body = _answer_page(
        "feedback/kiosk.html",
        device.org_unit_id,
        Channel.KIOSK,
        language=language,
        error=error,
        sent=request.method == "GET" and request.args.get("sent") == "1",
        action=url_for("feedback.kiosk", token=token),
        self_url=lambda lang, **extra: url_for("feedback.kiosk", token=token, lang=lang, **extra),
    )
    return _no_store(body, 422 if error else 200)


# --- public results ------------------------------------------------------------------------


@bp.route("/results")
@public
def results() -> Any:
    today = date.today()
    start = date(today.year - 2, 1, 1)
    filters = services.ReportFilter.for_period(start, today)
    return render_template(
        "feedback/results.html",
        overall=services.overall_nps(filters),
        by_channel=services.nps_rows("channel", filters),
        by_year=services.nps_rows("year", filters),
        statements=services.statement_rows(filters, locale=chosen_language()),
        replies=services.public_replies(limit=20),
        channel_labels=labels.channel_labels(),
        start=start,
        today=today,
        cutoff=today - timedelta(days=0),
    )


# --- participation-experience survey -------------------------------------------------------


@bp.route("/survey/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # the secret link is the key; the survey keeps no session
@limiter.limit(intake_limit, methods=["POST"])
def survey(token: str) -> Any:
    invitation = services.survey_invitation(token)
    if invitation is None:
        abort(404)
    language = chosen_language(request.values.get("lang") or invitation.language)
    questionnaire = services.current_questionnaire(Channel.SURVEY)
    db.session.commit()
    error = None
    done = invitation.used_at is not None
    if request.method == "POST" and not done:
        shape = services.QuestionnaireShape.of(questionnaire)
        answers = submission_from_form(shape, None, Channel.SURVEY, language)
        try:
            services.answer_survey(
                secret=token,
                score=answers.score,
                statements=dict(answers.statements),
                open_text=answers.open_text,
                language=language,
            )
        except FeedbackError as problem:
            error = labels.error_message(problem)
        else:
            done = True
    body = _render_form(
        "feedback/survey.html",
        questionnaire=questionnaire,
        language=language,
        error=error,
        done=done,
        values=request.form,
        action=url_for("feedback.survey", token=token),
        self_url=lambda lang, **extra: url_for("feedback.survey", token=token, lang=lang, **extra),
    )
    return _no_store(body, 422 if error else 200)
