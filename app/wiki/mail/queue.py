"""Sending the queued mails: each row is claimed by one sender (UPDATE … WHERE claimed_by IS NULL
AND status = 'queued'), sent, then marked sent. A server that cannot be reached leaves every mail
queued for the next run; a mail the server refuses for good is marked failed."""

import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.database import begin_write
from app.extensions import db
from app.models import OutgoingMail, utcnow
from app.wiki.mail.sending import SmtpUnavailable, build_message, connect, is_permanent
from app.wiki.mail.settings import SmtpSettings

log = logging.getLogger("app.mail")
# A claim older than this belongs to a sender that died: the mail is sent again (at least once).
STALE_CLAIM = timedelta(hours=1)


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    left: int = 0  # still queued after this run
    error: str = ""  # why the server could not be used, if it could not


def queued_ids(now: datetime) -> list[int]:
    return list(db.session.scalars(sa.select(OutgoingMail.id).where(
        OutgoingMail.status == "queued",
        sa.or_(OutgoingMail.claimed_by.is_(None), OutgoingMail.claimed_at < now - STALE_CLAIM))
        .order_by(OutgoingMail.id)))


def claim(mail_id: int, worker: str, now: datetime) -> bool:
    """True if this sender got the mail; another sender's claim makes the update match nothing."""
    begin_write()
    result = db.session.execute(sa.update(OutgoingMail).where(
        OutgoingMail.id == mail_id, OutgoingMail.status == "queued",
        sa.or_(OutgoingMail.claimed_by.is_(None), OutgoingMail.claimed_at < now - STALE_CLAIM))
        .values(claimed_by=worker, claimed_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def settle(mail_id: int, **values) -> None:
    begin_write()
    db.session.execute(sa.update(OutgoingMail).where(OutgoingMail.id == mail_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def release(mail_id: int, error: str) -> None:
    """Give a claimed mail back to the queue (the next run tries again)."""
    settle(mail_id, claimed_by=None, claimed_at=None, attempts=OutgoingMail.attempts + 1, last_error=error[:2000])


def remaining() -> int:
    return db.session.scalar(sa.select(sa.func.count(OutgoingMail.id)).where(OutgoingMail.status == "queued"))


def deliver(settings: SmtpSettings, *, worker: str | None = None) -> Delivery:
    """Send what is queued, each mail by exactly one sender."""
    worker = worker or secrets.token_hex(8)
    report, server = Delivery(), None
    try:
        for mail_id in queued_ids(utcnow()):
            if not claim(mail_id, worker, utcnow()):
                continue  # another sender has it
            mail = db.session.get(OutgoingMail, mail_id)
            try:
                server = server or connect(settings)
                server.send_message(build_message(mail, settings.sender))
            except SmtpUnavailable as error:
                release(mail_id, str(error))
                report.error = str(error)
                break
            except smtplib.SMTPException as error:
                if is_permanent(error):
                    settle(mail_id, status="failed", attempts=OutgoingMail.attempts + 1, last_error=str(error)[:2000])
                    log.warning("mail: %s refused the mail to %s for good: %s", settings.where, mail.recipient, error)
                    report.failed += 1
                    continue
                release(mail_id, f"{type(error).__name__}: {error}")
                report.error = f"{type(error).__name__}: {error}"
                break
            except OSError as error:  # the connection dropped in the middle
                release(mail_id, f"{type(error).__name__}: {error}")
                report.error = f"{type(error).__name__}: {error}"
                break
            settle(mail_id, status="sent", sent_at=utcnow(), attempts=OutgoingMail.attempts + 1, last_error="")
            report.sent += 1
    finally:
        if server is not None:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                pass
    report.left = remaining()
    if report.error:
        log.error("mail: the SMTP server %s cannot be used (%s); %d mails stay queued for the next run",
                  settings.where, report.error, report.left)
    return report
