"""Command line: `flask --app wsgi user create`, `demo`, and friends."""

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db
from app.models import Page, User
from app.models.user import ROLES

user_cli = AppGroup("user", help="Manage accounts.")


@user_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="volunteer", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--email", default=None)
def create_user(name, role, password, email):
    """Create an account (asks for the password if not given)."""
    from app.wiki.accounts import create_user as create
    from app.wiki.errors import WikiError

    try:
        user = create(name=name, password=password, role=role, email=email)
    except WikiError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Created {user.role} {user.name}.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the wiki already has pages.")
def demo(if_empty):
    """Fill the wiki with a few starting pages in French."""
    from app.wiki.demo import seed_demo

    if if_empty and db.session.scalar(sa.select(sa.func.count(Page.id))):
        click.echo("The wiki already has pages; demo content not added.")
        return
    created = seed_demo()
    click.echo(f"Added {created} demo pages.")


def init_app(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(demo)
