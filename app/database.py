"""Database engine settings: SQLite pragmas on every connection, and write transactions.

SQLite allows one writer at a time. A transaction that read first and writes later can fail
at once with 'database is locked' (its snapshot is stale), whatever the busy timeout, so
domain writes start with begin_write(), which takes the write lock up front."""

import sqlite3
from contextlib import suppress

import sqlalchemy as sa
from flask import Flask

from app.extensions import db

BUSY_TIMEOUT_MS = 10_000
# SQLite's page cache per connection, in KiB (its default is 2,000): a worker's one pooled connection
# kept up to 2 MB of pages the OS already caches. 512 KiB holds the indexes' upper pages; page views
# measured no slower in CPU time at 2,000 pages (docs/architecture.md, "Worker memory").
CACHE_KIB = 512
# ANALYZE reads about this many rows of each index (PRAGMA analysis_limit): enough for the planner to
# see that `deleted` or `event_start` tell few pages apart; 7 ms at 10,000 pages instead of 20.
ANALYSIS_ROWS = 1000


def init_app(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", BUSY_TIMEOUT_MS / 1000)
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        connect_args["isolation_level"] = None
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    with suppress(sqlite3.OperationalError):  # an in-memory database has no WAL
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.close()


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name != "sqlite":
        return
    options = connection.get_execution_options()
    if options.get("wiki_single_read"):
        return  # one SELECT (the visitors' fast path): SQLite runs it in its own implicit transaction
    mode = "IMMEDIATE" if options.get("wiki_write") else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def begin_write(page=None) -> None:
    """Start the current unit of work as a write transaction.

    On SQLite, end any read snapshot and BEGIN IMMEDIATE (waits up to the busy timeout for the
    lock instead of failing); objects reload on next access. On PostgreSQL row locks do the job."""
    session = db.session()
    if is_sqlite():
        if session.in_transaction() and not session.new and not session.dirty and not session.deleted:
            session.rollback()
        if not session.in_transaction():
            session.connection(execution_options={"wiki_write": True})
    elif page is not None and page.id is not None:
        # Lock the page row (a plain SELECT: FOR UPDATE refuses the page view's outer joins), then
        # let the page's attributes reload inside the locked transaction.
        model = type(page)
        session.execute(sa.select(model.id).where(model.id == page.id).with_for_update())
        session.expire(page)


def refresh_planner_statistics(engine) -> None:
    """SQLite: ANALYZE, so the query planner knows how selective each index is. Without sqlite_stat1 it
    takes any index matching an equality as selective: at 10,000 pages the portal's recently updated
    pages walked ix_pages_deleted (every live page) and sorted them, 12.5 ms, instead of reading the
    first rows of ix_pages_updated_at, 0.03 ms. Run at each start (app.startup), before any worker
    opens a connection; an empty table gets no statistics (the planner's defaults), so a new wiki
    gains them as it grows, at its next start. PostgreSQL: nothing (its autovacuum analyses)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_ROWS}")
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
