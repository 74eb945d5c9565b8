"""`flask --app wsgi notify send`: queue what is due and send it (run it from cron or a systemd
timer; two runs at the same moment send each mail once)."""

import logging

import click
from flask.cli import AppGroup

from app.wiki.mail import send_due

notify_cli = AppGroup("notify", help="Mail notifications.")
log = logging.getLogger("app.mail")


@notify_cli.command("send")
def send():
    """Send the notification mails that are due (exits 0 and says so when mail is off)."""
    try:
        report = send_due()
    except ValueError as error:  # WIKI_SMTP_URL or WIKI_MAIL_FROM cannot work: say which
        raise click.ClickException(str(error)) from error
    if report.mail_off:
        click.echo("Mail is off (WIKI_SMTP_URL is not set): nothing sent; notifications stay in the app.")
        return
    delivery = report.delivery
    if delivery.error:
        raise click.ClickException(
            f"mail: the SMTP server cannot be used ({delivery.error}); {delivery.sent} sent, "
            f"{delivery.left} mails stay queued for the next run.")
    click.echo(f"mail: {report.queued} composed, {delivery.sent} sent, {delivery.failed} refused by the server, "
               f"{delivery.left} still queued.")
