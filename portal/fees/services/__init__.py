"""Fee schedules, payee details, claims, approval, payment batches, exports and reports.

Claims are derived from impact ``Participation`` rows (attended council meetings, panel
sessions and expert assignments). Every amount comes from
:func:`portal.fees.calculation.compute_claim_lines`, priced by the schedule of the date of
the work and rounded once per line. Two database rules make double payment impossible:
``fee_claim_lines (participation_id, code)`` is unique (a meeting is claimed once) and
``fee_payment_batch_lines.line_id`` is unique (a line is paid once); batching also locks
the claims it takes with ``SELECT ... FOR UPDATE`` so a second approver waits and then
finds nothing left, instead of failing on the constraint.

One module per concern; this package re-exports the service API, so callers keep writing
``from portal.fees import services`` and ``services.generate_claims(...)``:

- :mod:`.schedules`: fee schedule versions and yearly travel rates;
- :mod:`.pricing`: per-activity settings and pricing a claim's lines;
- :mod:`.payees`: how payees are paid (identity codes and IBANs);
- :mod:`.claims`: generation from participations, the payee's changes, checking, approval;
- :mod:`.batches`: payment batches, the payroll CSV and invoices;
- :mod:`.reports`: fee reports and the impact chain's cost rows;
- :mod:`.personal_data`: export and erasure.
"""

from portal.fees.services._common import FeeError, first_of_month, month_end
from portal.fees.services.batches import (
    INVOICE_PAYMENT_DAYS,
    PAYROLL_COLUMNS,
    batch_candidates,
    batch_summary,
    batches_query,
    create_payment_batch,
    invoice_pdf,
    payroll_csv,
)
from portal.fees.services.claims import (
    FEE_EVENT_KINDS,
    RECEIPT_MAX_BYTES,
    GenerationResult,
    add_receipt,
    approve_claim,
    can_view_claim,
    check_claim,
    claims_query,
    delete_receipt,
    generate_claims,
    load_claim_detail,
    receipt_path,
    return_claim,
    sniff_receipt_type,
    submit_claim,
    update_travel,
)
from portal.fees.services.payees import (
    payee_details,
    payee_details_complete,
    payees_query,
    reveal_payee_identifiers,
    save_payee_details,
)
from portal.fees.services.personal_data import erase_personal_data, export_personal_data
from portal.fees.services.pricing import (
    activity_setting,
    cost_centre_for,
    default_cost_centre,
    save_activity_setting,
)
from portal.fees.services.reports import (
    REPORT_GROUPINGS,
    REPORTED_STATES,
    ReportRow,
    fee_cost_rows,
    fee_report,
    payee_annual_summary,
    report_csv,
)
from portal.fees.services.schedules import (
    list_schedule_versions,
    list_travel_rates,
    load_schedules,
    save_fee_schedule,
    save_travel_rates,
)

__all__ = [
    "FEE_EVENT_KINDS",
    "INVOICE_PAYMENT_DAYS",
    "PAYROLL_COLUMNS",
    "RECEIPT_MAX_BYTES",
    "REPORTED_STATES",
    "REPORT_GROUPINGS",
    "FeeError",
    "GenerationResult",
    "ReportRow",
    "activity_setting",
    "add_receipt",
    "approve_claim",
    "batch_candidates",
    "batch_summary",
    "batches_query",
    "can_view_claim",
    "check_claim",
    "claims_query",
    "cost_centre_for",
    "create_payment_batch",
    "default_cost_centre",
    "delete_receipt",
    "erase_personal_data",
    "export_personal_data",
    "fee_cost_rows",
    "fee_report",
    "first_of_month",
    "generate_claims",
    "invoice_pdf",
    "list_schedule_versions",
    "list_travel_rates",
    "load_claim_detail",
    "load_schedules",
    "month_end",
    "payee_annual_summary",
    "payee_details",
    "payee_details_complete",
    "payees_query",
    "payroll_csv",
    "receipt_path",
    "report_csv",
    "return_claim",
    "reveal_payee_identifiers",
    "save_activity_setting",
    "save_fee_schedule",
    "save_payee_details",
    "save_travel_rates",
    "sniff_receipt_type",
    "submit_claim",
    "update_travel",
]
