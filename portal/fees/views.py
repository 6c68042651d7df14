"""Fees: own claims and payments, review and approval, batches and exports, schedules, reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.csv_export import csv_response
from portal.core.forms import ActionForm, choice_list
from portal.core.i18n import current_locale
from portal.core.identifiers import InvalidIdentifier
from portal.core.money import ZERO
from portal.core.paging import paginate
from portal.core.permissions import login_required, permission_required, user_has_permission
from portal.core.views_helpers import abort_unless_owner, flash_form_errors, run_action, submit_form
from portal.extensions import db
from portal.fees import services
from portal.fees.calculation import LineCode
from portal.fees.forms import (
    ActivitySettingForm,
    BatchForm,
    GenerateClaimsForm,
    PayeeDetailsForm,
    ReceiptForm,
    ReturnForm,
    ScheduleForm,
    TravelForm,
    TravelRatesForm,
    identifier_message,
)
from portal.fees.models import (
    ClaimState,
    FeeClaim,
    FeeClaimItem,
    FeeInvoice,
    FeeReceipt,
    FeeScheduleVersion,
    PayeeDetails,
    PaymentBatch,
)
from portal.impact.models import Activity

bp = Blueprint("fees", __name__, url_prefix="/fees")


def error_message(error: services.FeeError) -> str:
    """The translated text for a fee rule that was broken."""
    day = error.params.get("day")
    day_text = day.strftime("%d.%m.%Y") if isinstance(day, date) else ""
    messages = {
        "not_allowed": _("You cannot do this with this claim."),
        "not_editable": _("The claim has been sent and can no longer be changed."),
        "not_found": _("The claim no longer exists."),
        "travel_out_of_range": _("Check the kilometres and hours: they look too large."),
        "route_required": _("Tell the route you drove."),
        "receipt_empty": _("The receipt file is empty."),
        "receipt_too_large": _("The receipt file is larger than 5 MB."),
        "receipt_type": _("The receipt must be a PDF, JPEG or PNG file."),
        "receipt_amount": _("Enter the amount on the receipt."),
        "claim_empty": _("The claim has nothing to pay."),
        "payee_details_missing": _(
            "Fill in your payment details first: how you are paid and your bank account."
        ),
        "wrong_state": _("Someone else has already handled this claim. Reload the page."),
        "already_approved": _(
            "This claim was already approved by someone else. Nothing was changed."
        ),
        "reason_required": _("Give a reason so the payee knows what to correct."),
        "nothing_to_batch": _(
            "There are no approved claims left for this month and cost centre. Another "
            "approver may have just made the batch: check the list of batches."
        ),
        "already_paid": _(
            "Some of these claim lines are already in a payment batch, so nothing was changed. "
            "Check the list of batches."
        ),
        "no_schedule": _("No fee schedule covers %(day)s. Ask the administrator to add one.")
        % {"day": day_text},
        "travel_rates_missing": _(
            "Travel rates are missing for a year of this period. Add them first."
        ),
        "schedule_invalid": _(
            "Check the schedule: tier limits must grow, the last tier has no limit, and the "
            "full-day threshold must be above the part-day threshold."
        ),
        "schedule_overlap": _("The schedule overlaps another one on %(day)s.") % {"day": day_text},
        "schedule_gap": _("No schedule would cover %(day)s. Schedules must follow each other.")
        % {"day": day_text},
        "schedule_open_ended_not_last": _("Only the latest schedule can be open-ended."),
        "identity_code_required": _("Enter your personal identity code."),
        "iban_required": _("Enter the bank account (IBAN)."),
        "organisation_name_required": _("Enter the organisation."),
        "billing_address_required": _("Enter the billing address."),
        "year_out_of_range": _("Enter a year between 2000 and 2100."),
    }
    return messages.get(error.code, _("The request could not be completed."))


_run_action = partial(run_action, messages=error_message)
_submit_form = partial(submit_form, messages=error_message)


def line_labels() -> dict[str, str]:
    return {
        LineCode.MEETING_FEE: _("Meeting fee"),
        LineCode.HOURLY_FEE: _("Hourly fee"),
        LineCode.PREPARATION: _("Preparation fee"),
        LineCode.CHAIR_EXTRA: _("Chair's extra"),
        LineCode.KM_ALLOWANCE: _("Kilometre allowance"),
        LineCode.TICKETS: _("Public transport tickets"),
        LineCode.DAILY_ALLOWANCE_PART: _("Part-day allowance"),
        LineCode.DAILY_ALLOWANCE_FULL: _("Full-day allowance"),
    }


def state_labels() -> dict[str, str]:
    return {
        ClaimState.DRAFT: _("Draft"),
        ClaimState.SUBMITTED: _("Sent for checking"),
        ClaimState.CHECKED: _("Checked, waiting for approval"),
        ClaimState.APPROVED: _("Approved for payment"),
        ClaimState.RETURNED: _("Returned for changes"),
        ClaimState.PAID: _("In payment"),
    }


def _labels() -> dict[str, Any]:
    return {"line_labels": line_labels(), "state_labels": state_labels()}


def _load_claim(claim_id: int) -> FeeClaim:
    claim = services.load_claim_detail(claim_id)
    if claim is None or not services.can_view_claim(current_user, claim):
        abort(404)
    return claim


def _year_arg() -> int:
    year = request.args.get("year", date.today().year, type=int)
    return year if 2000 <= year <= 2100 else date.today().year


# --- self-service ---------------------------------------------------------------------------


@bp.get("/")
@permission_required("fees.claim")
def my_claims() -> Any:
    page = paginate(
        services.claims_query(payee=current_user), page=request.args.get("page", 1, type=int)
    )
    details = services.payee_details(current_user)
    return render_template(
        "fees/my_claims.html",
        page=page,
        details=details,
        details_complete=services.payee_details_complete(details),
        generate_form=ActionForm(),
        **_labels(),
    )


@bp.post("/generate-mine")
@permission_required("fees.claim")
def generate_my_claims() -> Any:
    form = ActionForm()
    if form.validate_on_submit():
        result = services.generate_claims(actor=current_user, user=current_user)
        _flash_generation(result)
    return redirect(url_for("fees.my_claims"))


def _flash_generation(result: services.GenerationResult) -> None:
    flash(
        _(
            "%(claims)s new claims, %(items)s meetings or assignments added.",
            claims=result.claims_created,
            items=result.items_added,
        ),
        "success",
    )
    if result.skipped_dates:
        flash(
            _(
                "%(count)s meetings or assignments have no fee schedule for their date and "
                "were left out.",
                count=len(result.skipped_dates),
            ),
            "error",
        )


@bp.route("/payment-details", methods=["GET", "POST"])
@permission_required("fees.claim")
def edit_payee_details() -> Any:
    details = services.payee_details(current_user)
    # SecretField never writes the stored or typed identity code and IBAN into the page.
    form = PayeeDetailsForm(obj=details)
    status = 200
    if form.validate_on_submit():
        try:
            services.save_payee_details(
                actor=current_user,
                user=current_user,
                method=form.method.data,
                identity_code=form.identity_code.data or "",
                iban=form.iban.data or "",
                organisation_name=form.organisation_name.data or "",
                business_id=form.business_id.data or "",
                billing_address=form.billing_address.data or "",
            )
        except services.FeeError as error:
            form.form_errors.append(error_message(error))
        except InvalidIdentifier as error:
            form.form_errors.append(identifier_message(error))
        else:
            flash(_("Your payment details are saved."), "success")
            return redirect(url_for("fees.my_claims"))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("fees/payee_details.html", form=form, details=details), status


@bp.get("/summary")
@permission_required("fees.claim")
def my_summary() -> Any:
    year = _year_arg()
    rows = services.payee_annual_summary(user=current_user, year=year)
    if request.args.get("format") == "csv":
        return csv_response(
            services.report_csv(rows, key_header="month"), f"osallistu-fees-{year}.csv"
        )
    return render_template("fees/summary.html", rows=rows, year=year)


# --- one claim -----------------------------------------------------------------------------


@bp.get("/claims/<int:claim_id>")
@login_required
def show_claim(claim_id: int) -> Any:
    claim = _load_claim(claim_id)
    is_payee = claim.payee_id == current_user.id
    return render_template(
        "fees/claim.html",
        claim=claim,
        is_payee=is_payee,
        travel_forms={
            item.id: TravelForm(prefix=f"item{item.id}", obj=item) for item in claim.items
        },
        receipt_form=ReceiptForm(),
        return_form=ReturnForm(),
        action_form=ActionForm(),
        can_check=user_has_permission(current_user, "fees.check"),
        can_approve=user_has_permission(current_user, "fees.approve"),
        **_labels(),
    )


def _load_item(claim_id: int, item_id: int) -> FeeClaimItem:
    item = db.get_or_404(FeeClaimItem, item_id)
    if item.claim_id != claim_id or item.claim.payee_id != current_user.id:
        abort(404)
    return item


@bp.post("/claims/<int:claim_id>/items/<int:item_id>/travel")
@login_required
def save_travel(claim_id: int, item_id: int) -> Any:
    item = _load_item(claim_id, item_id)
    form = TravelForm(prefix=f"item{item.id}")
    if form.validate_on_submit():
        try:
            services.update_travel(
                actor=current_user,
                item=item,
                # Empty means "did not drive" / "no allowance": zero as Decimal, never int 0.
                km=form.km.data if form.km.data is not None else Decimal(0),
                route=form.route.data or "",
                hours_away=form.hours_away.data if form.hours_away.data is not None else Decimal(0),
            )
        except services.FeeError as error:
            flash(error_message(error), "error")
        else:
            flash(_("The travel details are saved and the claim is recalculated."), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("fees.show_claim", claim_id=claim_id, _anchor=f"item-{item_id}"))


@bp.post("/claims/<int:claim_id>/items/<int:item_id>/receipts")
@login_required
def upload_receipt(claim_id: int, item_id: int) -> Any:
    item = _load_item(claim_id, item_id)
    form = ReceiptForm()
    if form.validate_on_submit():
        try:
            services.add_receipt(
                actor=current_user,
                item=item,
                amount=form.amount.data,
                data=form.receipt.data.read(services.RECEIPT_MAX_BYTES + 1),
            )
        except services.FeeError as error:
            flash(error_message(error), "error")
        else:
            flash(_("The receipt is added and the claim is recalculated."), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("fees.show_claim", claim_id=claim_id, _anchor=f"item-{item_id}"))


@bp.post("/receipts/<int:receipt_id>/delete")
@login_required
def delete_receipt(receipt_id: int) -> Any:
    receipt = db.get_or_404(FeeReceipt, receipt_id)
    claim = receipt.item.claim
    abort_unless_owner(claim.payee_id)
    return _run_action(
        lambda: services.delete_receipt(actor=current_user, receipt=receipt),
        success=_("The receipt is removed."),
        then=url_for("fees.show_claim", claim_id=claim.id),
    )


@bp.get("/receipts/<int:receipt_id>")
@login_required
def download_receipt(receipt_id: int) -> Any:
    receipt = db.get_or_404(FeeReceipt, receipt_id)
    if not services.can_view_claim(current_user, receipt.item.claim):
        abort(404)
    path = services.receipt_path(receipt)
    if not path.is_file():
        abort(404)
    return Response(
        path.read_bytes(),
        mimetype=receipt.content_type,
        headers={
            "Content-Disposition": f"attachment; filename=receipt-{receipt.id}" + path.suffix,
        },
    )


@bp.post("/claims/<int:claim_id>/submit")
@login_required
def submit_claim(claim_id: int) -> Any:
    claim = _load_claim(claim_id)
    abort_unless_owner(claim.payee_id)
    return _run_action(
        lambda: services.submit_claim(actor=current_user, claim=claim),
        success=_("The claim is sent for checking."),
        then=url_for("fees.show_claim", claim_id=claim.id),
    )


@bp.get("/claims/<int:claim_id>/print")
@login_required
def print_claim(claim_id: int) -> Any:
    claim = _load_claim(claim_id)
    from flask_babel import force_locale

    # The form is printed in the payee's language, whoever prints it.
    with force_locale(claim.payee.locale or "fi"):
        return render_template(
            "fees/print_claim.html",
            claim=claim,
            details=services.payee_details(claim.payee),
            print_locale=claim.payee.locale or "fi",
            **_labels(),
        )


# --- review -------------------------------------------------------------------------------


@bp.get("/check")
@permission_required("fees.check")
def check_queue() -> Any:
    page = paginate(
        services.claims_query(states=[ClaimState.SUBMITTED]),
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "fees/queue.html",
        page=page,
        heading=_("Claims to check"),
        endpoint="fees.check_queue",
        generate_form=GenerateClaimsForm(),
        **_labels(),
    )


@bp.post("/generate")
@permission_required("fees.check")
def generate_claims() -> Any:
    form = GenerateClaimsForm()
    if form.validate_on_submit():
        result = services.generate_claims(actor=current_user, month=form.month.data)
        _flash_generation(result)
    else:
        flash_form_errors(form)
    return redirect(url_for("fees.check_queue"))


@bp.post("/claims/<int:claim_id>/check")
@permission_required("fees.check")
def check_claim(claim_id: int) -> Any:
    claim = db.get_or_404(FeeClaim, claim_id)
    return _run_action(
        lambda: services.check_claim(actor=current_user, claim_id=claim.id),
        success=_("The claim is checked and sent to finance for approval."),
        then=url_for("fees.check_queue"),
    )


@bp.get("/approve")
@permission_required("fees.approve")
def approval_queue() -> Any:
    page = paginate(
        services.claims_query(states=[ClaimState.CHECKED]),
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "fees/queue.html",
        page=page,
        heading=_("Claims to approve"),
        endpoint="fees.approval_queue",
        **_labels(),
    )


@bp.post("/claims/<int:claim_id>/approve")
@permission_required("fees.approve")
def approve_claim(claim_id: int) -> Any:
    claim = db.get_or_404(FeeClaim, claim_id)
    return _run_action(
        lambda: services.approve_claim(actor=current_user, claim_id=claim.id),
        success=_("The claim is approved for payment."),
        then=url_for("fees.approval_queue"),
    )


@bp.post("/claims/<int:claim_id>/return")
@login_required
def return_claim(claim_id: int) -> Any:
    claim = _load_claim(claim_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            services.return_claim(actor=current_user, claim_id=claim.id, reason=form.reason.data)
        except services.FeeError as error:
            if error.code == "not_allowed":
                abort(403)
            flash(error_message(error), "error")
        else:
            flash(_("The claim is returned to the payee."), "success")
            return redirect(url_for("fees.show_claim", claim_id=claim.id))
    else:
        flash_form_errors(form)
    return redirect(url_for("fees.show_claim", claim_id=claim.id))


# --- payees (finance) ------------------------------------------------------------------------


@bp.get("/payees")
@permission_required("fees.approve")
def list_payees() -> Any:
    search = request.args.get("q", "").strip()[:100]
    page = paginate(services.payees_query(search), page=request.args.get("page", 1, type=int))
    return render_template("fees/payees.html", page=page, search=search)


@bp.route("/payees/<int:payee_id>/identifiers", methods=["GET", "POST"])
@permission_required("fees.see_identifiers")
def reveal_identifiers(payee_id: int) -> Any:
    details = db.get_or_404(PayeeDetails, payee_id)
    form = ActionForm()
    revealed = None
    if form.validate_on_submit():
        revealed = services.reveal_payee_identifiers(actor=current_user, details=details)
    return render_template("fees/identifiers.html", details=details, form=form, revealed=revealed)


# --- batches ----------------------------------------------------------------------------------


def _batch_choices() -> list[Any]:
    return choice_list(
        (
            f"{month.isoformat()}|{centre}",
            _(
                "%(month)s, cost centre %(centre)s: %(count)s claims",
                month=month.strftime("%m/%Y"),
                centre=centre,
                count=count,
            ),
        )
        for month, centre, count, _total in services.batch_candidates()
    )


@bp.route("/batches", methods=["GET", "POST"])
@permission_required("fees.approve")
def list_batches() -> Any:
    form = BatchForm()
    form.group.choices = _batch_choices()
    status = 200
    if form.validate_on_submit():
        month_text, _sep, centre = form.group.data.partition("|")
        try:
            batch = services.create_payment_batch(
                actor=current_user, month=date.fromisoformat(month_text), cost_centre=centre
            )
        except services.FeeError as error:
            form.form_errors.append(error_message(error))
            form.group.choices = _batch_choices()
            status = 409
        else:
            flash(_("The payment batch is created."), "success")
            return redirect(url_for("fees.show_batch", batch_id=batch.id))
    elif request.method == "POST":
        status = 400
    page = paginate(services.batches_query(), page=request.args.get("page", 1, type=int))
    return render_template(
        "fees/batches.html", form=form, page=page, candidates=services.batch_candidates()
    ), status


@bp.get("/batches/<int:batch_id>")
@permission_required("fees.approve")
def show_batch(batch_id: int) -> Any:
    batch = db.get_or_404(PaymentBatch, batch_id)
    return render_template(
        "fees/batch.html",
        batch=batch,
        totals=services.batch_summary(batch),
        export_form=ActionForm(),
        **_labels(),
    )


@bp.post("/batches/<int:batch_id>/payroll.csv")
@permission_required("fees.see_identifiers")
def export_payroll(batch_id: int) -> Any:
    batch = db.get_or_404(PaymentBatch, batch_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("fees.show_batch", batch_id=batch.id))
    data = services.payroll_csv(actor=current_user, batch=batch)
    return csv_response(data, f"payroll-{batch.month:%Y-%m}-{batch.cost_centre}-{batch.id}.csv")


@bp.post("/invoices/<int:invoice_id>.pdf")
@permission_required("fees.see_identifiers")
def export_invoice(invoice_id: int) -> Any:
    invoice = db.get_or_404(FeeInvoice, invoice_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("fees.show_batch", batch_id=invoice.batch_id))
    data = services.invoice_pdf(actor=current_user, invoice=invoice)
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=invoice-{invoice.number}.pdf"},
    )


# --- configuration --------------------------------------------------------------------------


@bp.get("/schedules")
@permission_required("fees.configure")
def list_schedules() -> Any:
    return render_template(
        "fees/schedules.html",
        schedules=services.list_schedule_versions(),
        travel_rates=services.list_travel_rates(),
    )


@bp.route("/schedules/new", methods=["GET", "POST"])
@bp.route("/schedules/<int:schedule_id>", methods=["GET", "POST"])
@permission_required("fees.configure")
def edit_schedule(schedule_id: int | None = None) -> Any:
    schedule = db.get_or_404(FeeScheduleVersion, schedule_id) if schedule_id else None
    form = ScheduleForm(obj=schedule)
    if schedule is not None and request.method == "GET":
        bounded = [tier for tier in schedule.tiers if tier.up_to_hours is not None]
        for (hours_field, amount_field), tier in zip(
            ((form.tier1_hours, form.tier1_amount), (form.tier2_hours, form.tier2_amount)),
            bounded,
            strict=False,
        ):
            hours_field.data, amount_field.data = tier.up_to_hours, tier.amount
        form.last_amount.data = schedule.tiers[-1].amount
    status = 200
    if form.validate_on_submit():
        try:
            services.save_fee_schedule(
                actor=current_user,
                schedule=schedule,
                valid_from=form.valid_from.data,
                valid_to=form.valid_to.data,
                tiers=form.tiers(),
                hourly_fee=form.hourly_fee.data,
                preparation_fee=form.preparation_fee.data or ZERO,
                chair_extra=form.chair_extra.data or ZERO,
                part_day_over_hours=form.part_day_over_hours.data or Decimal(6),
                full_day_over_hours=form.full_day_over_hours.data or Decimal(10),
                note=form.note.data or "",
            )
        except services.FeeError as error:
            form.form_errors.append(error_message(error))
            status = 400
        else:
            flash(_("The fee schedule is saved."), "success")
            return redirect(url_for("fees.list_schedules"))
    elif request.method == "POST":
        status = 400
    return render_template("fees/schedule_form.html", form=form, schedule=schedule), status


@bp.route("/travel-rates", methods=["GET", "POST"])
@permission_required("fees.configure")
def edit_travel_rates() -> Any:
    form = TravelRatesForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.save_travel_rates(
                actor=current_user,
                year=form.year.data,
                km_rate=form.km_rate.data,
                part_day_allowance=form.part_day_allowance.data,
                full_day_allowance=form.full_day_allowance.data,
            )
        except services.FeeError as error:
            form.form_errors.append(error_message(error))
            status = 400
        else:
            flash(_("The travel rates are saved."), "success")
            return redirect(url_for("fees.list_schedules"))
    elif request.method == "POST":
        status = 400
    return render_template("fees/travel_rates_form.html", form=form), status


@bp.route("/activities/<int:activity_id>", methods=["GET", "POST"])
@permission_required("fees.check")
def edit_activity_setting(activity_id: int) -> Any:
    activity = db.get_or_404(Activity, activity_id)
    setting = services.activity_setting(activity)
    form = ActivitySettingForm(obj=setting)
    done = _submit_form(
        form,
        lambda: services.save_activity_setting(
            actor=current_user,
            activity=activity,
            cost_centre=form.cost_centre.data or "",
            pays_preparation=form.pays_preparation.data,
        ),
        success=_("The fee settings of the activity are saved."),
        then=url_for("fees.edit_activity_setting", activity_id=activity.id),
    )
    return done or render_template(
        "fees/activity_setting.html",
        form=form,
        activity=activity,
        default_cost_centre=services.default_cost_centre(activity),
    ), (400 if request.method == "POST" else 200)


# --- reports ----------------------------------------------------------------------------------


@bp.get("/reports")
@permission_required("fees.report")
def show_reports() -> Any:
    year = _year_arg()
    group_by = request.args.get("by", "activity")
    if group_by not in services.REPORT_GROUPINGS:
        group_by = "activity"
    rows = services.fee_report(year=year, group_by=group_by, locale=current_locale())
    if request.args.get("format") == "csv":
        return csv_response(
            services.report_csv(rows, key_header=group_by), f"fees-{group_by}-{year}.csv"
        )
    return render_template("fees/reports.html", rows=rows, year=year, group_by=group_by)
