"""Mail settings: WIKI_SMTP_URL (smtp://user:pw@host:port, smtps://…) and WIKI_MAIL_FROM, parsed in
one place. Without WIKI_SMTP_URL mail is off and the in-app list is the only channel."""

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from flask import current_app

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str
    password: str
    implicit_tls: bool  # smtps://; smtp:// upgrades with STARTTLS when the server offers it
    sender: str

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def parse_smtp_url(url: str, sender: str) -> SmtpSettings:
    """smtp://user:pw@host:port or smtps://…; the user and password are URL-encoded if needed."""
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"WIKI_SMTP_URL must look like smtp://user:password@host:587 or smtps://…, got {url!r}")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ValueError(f"WIKI_SMTP_URL has a port that is not a number: {url!r}") from None
    if not sender.strip() or "@" not in sender:
        raise ValueError("WIKI_MAIL_FROM must be an address such as \"Gare centrale <wiki@example.org>\" when WIKI_SMTP_URL is set")
    return SmtpSettings(host=parts.hostname, port=port, username=unquote(parts.username or ""),
                        password=unquote(parts.password or ""), implicit_tls=parts.scheme == "smtps",
                        sender=sender.strip())


def smtp_settings() -> SmtpSettings | None:
    """The app's SMTP settings, or None when mail is off."""
    url = current_app.config.get("WIKI_SMTP_URL") or ""
    if not url.strip():
        return None
    return parse_smtp_url(url, current_app.config.get("WIKI_MAIL_FROM") or "")
