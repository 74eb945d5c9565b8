"""Command line: `flask --app wsgi user create`, `demo`, and friends."""

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db
from app.models import Page, User
from app.models.user import ROLES
from app.following.cli import notify_cli
from app.attachments.cli import files_cli
from app.cli_progress import progress_bar
from app.operations.cli import COMMANDS as OPERATIONS_COMMANDS
from app.wiki.errors import WikiError

user_cli = AppGroup("user", help="Manage accounts.")


@user_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="volunteer", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--email", default=None)
def create_user(name, role, password, email):
    """Create an account (asks for the password if not given); --email is where its mail goes."""
    from app.wiki.accounts import create_user as create
    from app.wiki.errors import WikiError
    from app.wiki.notifications import clean_email

    try:
        user = create(name=name, password=password, role=role, email=clean_email(email))
    except WikiError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Created {user.role} {user.name}.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the wiki already has pages.")
@with_appcontext
def demo(if_empty):
    """Fill the wiki with a few starting pages in French."""
    from app.wiki.demo import seed_demo

    if if_empty and db.session.scalar(sa.select(sa.func.count(Page.id))):
        click.echo("The wiki already has pages; demo content not added.")
        return
    created = seed_demo()
    click.echo(f"Added {created} demo pages.")


@click.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export(path):
    """Write the shareable pages (public, shareable licence, published text) and their files to a zip file
    (a progress bar on a terminal, nothing in cron)."""
    from app.wiki import bundles  # PyYAML and the static site (1.2 MB): not in every worker

    try:
        with progress_bar(_("Exporting")) as progress:
            report = bundles.export_zip(path, progress=progress)
    except OSError as error:
        raise click.ClickException(_("Cannot write %(path)s: %(reason)s", path=path, reason=error.strerror)) from error
    click.echo(ngettext("Exported %(num)d page to %(path)s.", "Exported %(num)d pages to %(path)s.",
                        len(report.exported), path=path) + " " + bundles.left_out_text(report))


@click.command("import")
@click.argument("path", type=click.Path(exists=True))
@with_appcontext
def import_pages(path):
    """Create pages from a folder or zip of Markdown files with the files they use (this wiki's export,
    An Otter Wiki, Obsidian); a refused file is named, the rest imported (a progress bar on a terminal)."""
    from app.wiki import bundles

    try:
        with progress_bar(_("Importing")) as progress:
            report = bundles.import_bundle(path, progress=progress)
    except WikiError as error:
        raise click.ClickException(str(error.message)) from error
    line = _("Import: %(created)d created, %(unchanged)d already up to date, %(different)d skipped "
             "(the wiki already has another text under that name).", created=len(report.created),
             unchanged=len(report.unchanged), different=len(report.different))
    line += f" {', '.join(report.different)}" if report.different else ""
    if report.files or report.refused:
        line += " " + _("Files: %(imported)d imported, %(refused)d refused.", imported=len(report.files),
                        refused=len(report.refused))
    click.echo(line)
    for reason in report.refused:
        click.echo(_("Refused: %(reason)s", reason=reason))


def init_app(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(demo)
    app.cli.add_command(export)
    app.cli.add_command(import_pages)
    app.cli.add_command(files_cli)
    for command in OPERATIONS_COMMANDS:  # backup, restore, setup-code
        app.cli.add_command(command)
