"""Talking to the SMTP server with smtplib: one connection per run, one EmailMessage per mail
(plain text and HTML, List-Unsubscribe and List-Unsubscribe-Post for one-click unsubscribe)."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from app.models import OutgoingMail
from app.wiki.mail.settings import SmtpSettings

TIMEOUT_SECONDS = 30


class SmtpUnavailable(Exception):
    """The server cannot be reached or refused us as a whole: every mail waits for the next run."""


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    try:
        if settings.implicit_tls:
            server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_SECONDS,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
            server.ehlo()
            if server.has_extn("starttls"):
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
        if settings.username:
            server.login(settings.username, settings.password)
        return server
    except (OSError, smtplib.SMTPException) as error:
        raise SmtpUnavailable(f"{type(error).__name__}: {error}") from error


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = mail.recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message["Auto-Submitted"] = "auto-generated"
    if mail.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.text_body)
    message.add_alternative(mail.html_body, subtype="html")
    return message


def is_permanent(error: smtplib.SMTPException) -> bool:
    """A refusal of this one mail (5xx, or every recipient refused), not of the server as a whole."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500
