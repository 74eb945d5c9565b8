"""Configuration: defaults, then instance/config.py, then the environment, then the caller's dict."""

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MODERATION_POLICIES = ("open", "new_contributors", "all")
LANGUAGES = ("fr", "en")
APP_VERSION = "2.0.0"  # written in backups' manifests

DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WIKI_MODERATION": "new_contributors",
    "WIKI_ANONYMOUS_EDITS": False,
    "WIKI_LOGIN_MAX_FAILURES": 5,  # per account name, within the window
    "WIKI_LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
    "WIKI_LOGIN_WINDOW_SECONDS": 900,
    "WIKI_PROXY_COUNT": 0,  # reverse proxies in front whose X-Forwarded-For is trusted (0: none)
    "WIKI_FILES_PATH": None,  # uploaded files; default <instance>/files
    "WIKI_MAX_UPLOAD_BYTES": 10 * 1024 * 1024,  # one uploaded file (413 beyond)
    "WIKI_MAX_IMAGE_PIXELS": 80_000_000,  # a picture with more pixels is refused (pixel bombs; Pillow stops at 89M)
    # Types accepted, read from the content (app.wiki.attachments.sniffing.TYPES names them); space separated.
    "WIKI_UPLOAD_TYPES": "image/png image/jpeg image/gif image/webp image/svg+xml application/pdf text/plain "
                         "text/csv text/markdown application/vnd.oasis.opendocument.text "
                         "application/vnd.oasis.opendocument.spreadsheet application/vnd.oasis.opendocument.presentation "
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document "
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet "
                         "application/vnd.openxmlformats-officedocument.presentationml.presentation "
                         "application/msword application/vnd.ms-excel application/vnd.ms-powerpoint",
    "WIKI_DEFAULT_LICENCE": "CC-BY-SA-4.0",
    "WIKI_LANGUAGE": "fr",
    "WIKI_MAX_BODY_BYTES": 1_000_000,
    "WIKI_SITE_NAME": "Gare centrale",
    "WIKI_HOME_PAGE": "accueil",  # slug of the page shown on the portal
    "WIKI_TIMEZONE": "Europe/Paris",  # sessions' times are local to this zone; dates are shown in it
    "WIKI_EMBED_ORIGINS": "",  # origins (space separated) that may frame /agenda/embed; none by default
    "WIKI_SMTP_URL": "",  # smtp://user:pw@host:587 or smtps://…; empty: mail is off (app.wiki.mail.settings)
    "WIKI_MAIL_FROM": "",  # the sender of notification mails, needed with WIKI_SMTP_URL
    "WIKI_BASE_URL": "",  # the wiki's public address (links in mails, the reuse block), e.g. https://wiki.example.org
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Static URLs carry a content hash (app.web.assets.static_url), so browsers may keep them for a year.
    "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session: no lost edits after lunch
    "BABEL_DEFAULT_LOCALE": "fr",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",  # always WIKI_TIMEZONE (set by check)
    "BABEL_TRANSLATION_DIRECTORIES": "translations",
}

TRUE_WORDS = {"1", "true", "yes", "on", "oui"}
FALSE_WORDS = {"0", "false", "no", "off", "non", ""}


def parse_bool(name: str, value: str) -> bool:
    """Parse an environment boolean strictly, so a typo is an error and not a silent 'off'."""
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{name} must be a boolean (true/false), got {value!r}")


def parse_count(name: str, value: str) -> int:
    """Parse a small non-negative integer from the environment."""
    if not value.strip().isdigit() or int(value) > 10:
        raise ValueError(f"{name} must be a whole number between 0 and 10, got {value!r}")
    return int(value)


def instance_path_from_env() -> str:
    """The absolute instance folder: WIKI_INSTANCE_PATH or ./instance."""
    return str(Path(os.environ.get("WIKI_INSTANCE_PATH", "instance")).resolve())


def load_env(config: dict, environ=os.environ) -> None:
    """Copy the contract's environment variables into the config, parsed and checked."""
    if "DATABASE_URL" in environ:
        config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(environ["DATABASE_URL"])
    if "SECRET_KEY" in environ:
        config["SECRET_KEY"] = environ["SECRET_KEY"]
    if "WIKI_MODERATION" in environ:
        config["WIKI_MODERATION"] = environ["WIKI_MODERATION"].strip()
    if "WIKI_ANONYMOUS_EDITS" in environ:
        config["WIKI_ANONYMOUS_EDITS"] = parse_bool("WIKI_ANONYMOUS_EDITS", environ["WIKI_ANONYMOUS_EDITS"])
    if "WIKI_DEFAULT_LICENCE" in environ:
        config["WIKI_DEFAULT_LICENCE"] = environ["WIKI_DEFAULT_LICENCE"].strip()
    if "WIKI_TIMEZONE" in environ:
        config["WIKI_TIMEZONE"] = environ["WIKI_TIMEZONE"].strip()
    if "WIKI_EMBED_ORIGINS" in environ:
        config["WIKI_EMBED_ORIGINS"] = environ["WIKI_EMBED_ORIGINS"].strip()
    if "WIKI_LANGUAGE" in environ:
        config["WIKI_LANGUAGE"] = environ["WIKI_LANGUAGE"].strip().lower()
    if "WIKI_PROXY_COUNT" in environ:
        config["WIKI_PROXY_COUNT"] = parse_count("WIKI_PROXY_COUNT", environ["WIKI_PROXY_COUNT"])
    if "WIKI_FILES_PATH" in environ:
        config["WIKI_FILES_PATH"] = environ["WIKI_FILES_PATH"].strip() or None
    for name in ("WIKI_SMTP_URL", "WIKI_MAIL_FROM", "WIKI_BASE_URL"):
        if name in environ:
            config[name] = environ[name].strip()
    if "WIKI_MAX_UPLOAD_BYTES" in environ:
        config["WIKI_MAX_UPLOAD_BYTES"] = parse_size("WIKI_MAX_UPLOAD_BYTES", environ["WIKI_MAX_UPLOAD_BYTES"])
    if "WIKI_UPLOAD_TYPES" in environ:
        config["WIKI_UPLOAD_TYPES"] = environ["WIKI_UPLOAD_TYPES"].strip()


def parse_size(name: str, value: str) -> int:
    """A number of bytes from the environment: 10485760, or with a unit: 10MB, 500KB."""
    text = value.strip().upper().removesuffix("B")
    factor = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(text[-1:], 1)
    number = text[:-1] if factor > 1 else text
    if not number.strip().isdigit() or int(number) == 0:
        raise ValueError(f"{name} must be a size in bytes such as 10485760 or 10MB, got {value!r}")
    return int(number) * factor


def normalise_database_url(url: str) -> str:
    """Accept plain postgres:// URLs and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def check(config: dict) -> None:
    """Refuse to start with a setting that cannot work, with a message that says which."""
    if config["WIKI_MODERATION"] not in MODERATION_POLICIES:
        raise ValueError(f"WIKI_MODERATION must be one of {', '.join(MODERATION_POLICIES)}")
    if config["WIKI_LANGUAGE"] not in LANGUAGES:
        raise ValueError(f"WIKI_LANGUAGE must be one of {', '.join(LANGUAGES)}")
    config["BABEL_DEFAULT_LOCALE"] = config["WIKI_LANGUAGE"]
    try:
        ZoneInfo(config["WIKI_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"WIKI_TIMEZONE must be a time zone name such as Europe/Paris, got {config['WIKI_TIMEZONE']!r}")
    config["BABEL_DEFAULT_TIMEZONE"] = config["WIKI_TIMEZONE"]
    # A request must be able to carry one file of the allowed size (plus the form around it).
    config["MAX_CONTENT_LENGTH"] = max(config["MAX_CONTENT_LENGTH"] or 0, config["WIKI_MAX_UPLOAD_BYTES"] + 2**20)
    if config["WIKI_SMTP_URL"] and not config["WIKI_SMTP_URL"].startswith(("smtp://", "smtps://")):
        raise ValueError("WIKI_SMTP_URL must look like smtp://user:password@host:587 or smtps://user:password@host:465")
    if config["WIKI_SMTP_URL"] and "@" not in config["WIKI_MAIL_FROM"]:
        raise ValueError("WIKI_MAIL_FROM must be set (e.g. \"Gare centrale <wiki@example.org>\") when WIKI_SMTP_URL is")
    if config["WIKI_BASE_URL"] and not config["WIKI_BASE_URL"].startswith(("https://", "http://")):
        raise ValueError(f"WIKI_BASE_URL must be the wiki's address such as https://wiki.example.org, got {config['WIKI_BASE_URL']!r}")
    for origin in config["WIKI_EMBED_ORIGINS"].split():
        if not origin.startswith(("https://", "http://")) or any(c in origin for c in ";,'\"") or origin.count("/") > 2:
            raise ValueError(f"WIKI_EMBED_ORIGINS must list origins such as https://example.org, got {origin!r}")


def secret_key(instance_path: str) -> str:
    """Read the secret key kept in the instance folder, creating it on first start."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
