"""How fees, claims and payment batches plug into the portal."""

from flask_babel import lazy_gettext as _l

from portal.core.domains import Domain, NavItem, PersonalDataHandler
from portal.core.tasks import Periodic, crontab
from portal.fees.cli import fees_cli
from portal.fees.demo import seed_fees
from portal.fees.services import (
    erase_personal_data,
    export_personal_data,
    fee_cost_rows,
    generate_claims,
)
from portal.fees.views import bp


def generate_pending_claims() -> None:
    """What ``flask --app wsgi fees generate-claims`` does without ``--month``."""
    generate_claims(actor=None)


#: On the first day of every month (03:00 UTC, early morning in Finland), draft claims for
#: everything attended last month (and anything older still unclaimed) await the payees.
GENERATE_CLAIMS_MONTHLY = Periodic(
    "fees.generate_claims", crontab(day="1", hour="3", minute="0"), generate_pending_claims
)

DOMAIN = Domain(
    name="fees",
    blueprints=(bp,),
    cli_commands=(fees_cli,),
    navigation=(
        NavItem("fees.my_claims", _l("My fees"), "fees.claim", 140),
        NavItem("fees.check_queue", _l("Fee claims"), "fees.check", 141),
        NavItem("fees.approval_queue", _l("Fee approval"), "fees.approve", 142),
        NavItem("fees.list_batches", _l("Payment batches"), "fees.approve", 143),
        NavItem("fees.show_reports", _l("Fee reports"), "fees.report", 144),
        NavItem("fees.list_schedules", _l("Fee schedules"), "fees.configure", 145),
    ),
    seed_demo=seed_fees,
    personal_data=(
        PersonalDataHandler("fees", export=export_personal_data, erase=erase_personal_data),
    ),
    cost_providers=(fee_cost_rows,),
    periodic_tasks=(GENERATE_CLAIMS_MONTHLY,),
)
