"""`flask --app wsgi files purge`: the files no revision refers to, after a grace period."""

from datetime import timedelta

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from app.operations.cli import progress_reporter
from app.wiki.attachments import purge as purging
from app.wiki.attachments.listing import size_text

files_cli = AppGroup("files", help="Manage the files of pages.")


@files_cli.command("purge")
@click.option("--grace-days", type=click.IntRange(min=0), default=7, show_default=True,
              help="Keep files younger than this, used or not.")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
@with_appcontext
def purge_command(grace_days, dry_run):
    """Remove files that no revision of their page refers to (progress on a terminal only)."""
    report = purging.purge(grace=timedelta(days=grace_days), dry_run=dry_run, progress=progress_reporter())
    line = _("Files: %(files)d unused removed, %(contents)d stored contents deleted, %(freed)s freed.",
             files=report.files, contents=report.contents, freed=size_text(report.freed))
    click.echo((_("Dry run: ") if dry_run else "") + line)
