"""How the accounts domain plugs into the portal."""

from flask_babel import lazy_gettext as _l

from portal.accounts.cli import create_admin_command, demo_sign_ins_command
from portal.accounts.demo import seed_accounts
from portal.accounts.services import erase_token_data, export_token_data
from portal.accounts.views import bp
from portal.core.domains import Domain, NavItem, PersonalDataHandler

DOMAIN = Domain(
    name="accounts",
    blueprints=(bp,),
    cli_commands=(create_admin_command, demo_sign_ins_command),
    navigation=(
        NavItem("accounts.list_users", _l("Users"), "admin.manage_users", 170),
        NavItem("accounts.list_units", _l("Units"), "admin.manage_units", 180),
    ),
    seed_demo=seed_accounts,
    personal_data=(
        PersonalDataHandler("accounts_tokens", export=export_token_data, erase=erase_token_data),
    ),
)
