"""Operations on the command line: `backup PATH`, `restore PATH [--force]`, `setup-code`."""

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.cli_progress import on_a_terminal
from app.wiki import backup, setup
from app.wiki.errors import WikiError


def progress_reporter():
    """Progress lines on a terminal; nothing when stderr is not one (cron, logs)."""
    if on_a_terminal():
        return lambda message: click.echo(message, err=True)
    return backup.archive.quiet


def summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items() if count)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path):
    """Write the whole wiki (database, files, manifest) to one zip archive."""
    try:
        report = backup.write_backup(path, progress=progress_reporter())
    except WikiError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(_("Backup written to %(path)s (%(method)s, schema %(version)s): %(counts)s; %(files)d files.",
                 path=report.path, method=report.method, version=report.schema_version,
                 counts=summary(report.counts), files=report.files))


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the pages, accounts and files already here.")
@with_appcontext
def restore_command(path, force):
    """Restore a backup archive into this (empty) instance, upgrade it and rebuild the search index."""
    try:
        report = backup.restore_backup(path, force=force, progress=progress_reporter())
    except WikiError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(_("Restored %(path)s (schema %(old)s, now %(new)s): %(counts)s; %(files)d files; "
                 "%(indexed)d pages indexed.", path=path, old=report.schema_from, new=report.schema_to,
                 counts=summary(report.counts), files=report.files, indexed=report.indexed))


@click.command("setup-code")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="The wiki's address.")
@with_appcontext
def setup_code(url):
    """While no admin exists, print the one-time code that /setup asks for."""
    if not setup.setup_needed():
        setup.forget_code()
        click.echo(_("The wiki has an administrator: /setup is closed."))
        return
    code, _created = setup.ensure_code(current_app.instance_path)
    click.echo(setup.banner(code, url))


COMMANDS = (backup_command, restore_command, setup_code)
