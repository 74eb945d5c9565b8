"""Mail: SMTP settings (`settings`), composing one message per member and period (`compose`,
`digest`, `batches`), the queue of mails in the database and sending them (`queue`, `sending`),
absolute links and the unsubscribe token (`links`). `send_due` is what `notify send` runs."""

from dataclasses import dataclass
from datetime import datetime

from app.models import utcnow
from app.wiki.mail.batches import compose_due
from app.wiki.mail.queue import Delivery, deliver
from app.wiki.mail.settings import smtp_settings

__all__ = ["SendReport", "mail_is_on", "send_due"]


@dataclass(frozen=True)
class SendReport:
    mail_off: bool
    queued: int = 0
    delivery: Delivery | None = None


def mail_is_on() -> bool:
    return smtp_settings() is not None


def send_due(*, now: datetime | None = None, worker: str | None = None) -> SendReport:
    """Queue the messages that are due, then send every queued mail once. Without SMTP settings,
    nothing is queued or sent (the in-app notifications do not depend on mail)."""
    settings = smtp_settings()
    if settings is None:
        return SendReport(mail_off=True)
    queued = compose_due(now or utcnow())
    return SendReport(mail_off=False, queued=queued, delivery=deliver(settings, worker=worker))
