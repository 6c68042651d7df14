"""Account commands: ``flask --app wsgi create-admin``."""

from __future__ import annotations

import click
from flask import current_app

from portal.accounts.demo import reset_demo_passwords
from portal.accounts.services import AccountError, create_administrator


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an administrator account (verified, ready to sign in)."""
    try:
        create_administrator(email=email, name=name, password=password)
    except AccountError as error:
        raise click.ClickException(error.code) from error
    click.echo(f"Administrator {email} created.")


@click.command("demo-sign-ins")
def demo_sign_ins_command() -> None:
    """Give the demo accounts a new password and print their sign-ins (never in production)."""
    if current_app.config["PORTAL"].is_production:
        raise click.ClickException("Demo accounts are not available in production.")
    for line in reset_demo_passwords():
        click.echo(line)
