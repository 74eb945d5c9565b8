"""The fast paths' SELECTs (app.wiki.fast_reads) run on a DBAPI connection of their own, without
SQLAlchemy's connection, pool checkout, pre-ping and result machinery: those cost the visitors' fast
path about as much as the rest of its answer.

Each statement is compiled once by the engine's dialect (its SQL, its parameters in order, the
result processors SQLAlchemy would apply: SQLite's booleans come back as 0 and 1), so a row holds
what SQLAlchemy would give (tests/web/test_fast_paths.py compares them on SQLite and PostgreSQL).
The connection comes from the engine (its connect arguments and app.database's SQLite pragmas),
detached from the pool, one per process and thread: a connection is never used across gunicorn's
fork (a child opens its own and leaves its parent's alone) nor by two threads at once. It reads in
autocommit (SQLite: app.database's isolation_level None; psycopg: autocommit on), so each SELECT
sees what is committed when it runs. A DBAPI error drops the connection and is raised as
SQLAlchemy's: the fast path then leaves the request to Flask, and the next one connects again."""

import os
import threading
from collections import namedtuple

import sqlalchemy as sa

ABANDONED = []  # connections inherited through a fork: never closed by a child (that would close its parent's)


class Prepared:
    """A statement compiled for one dialect: SQL, parameter order, result processors, row type."""

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        # The statement's own values (visibility = "public"...); the caller gives the others (slug...).
        required = {name: None for name, bind in compiled.binds.items() if bind.required}
        self.defaults = compiled.construct_params(required)
        self.order = list(compiled.positiontup) if compiled.positional else None
        self.processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                           for column in statement.selected_columns]
        self.row = namedtuple("Row", list(statement.selected_columns.keys()), rename=True)

    def parameters(self, given: dict):
        values = {**self.defaults, **given}
        return [values[name] for name in self.order] if self.order is not None else values

    def make_row(self, found):
        return self.row._make(value if process is None or value is None else process(value)
                              for value, process in zip(found, self.processors))


class Rows:
    """What fast_reads reads of a result: first() and one()."""

    def __init__(self, rows: list):
        self.rows = rows

    def first(self):
        return self.rows[0] if self.rows else None

    def one(self):
        if len(self.rows) != 1:
            raise sa.exc.NoResultFound("expected one row") if not self.rows else sa.exc.MultipleResultsFound()
        return self.rows[0]


class DirectReads:
    """Connection-like (execute(statement, params)) over a DBAPI connection per process and thread."""

    def __init__(self, engine):
        self.engine = engine
        self.prepared: dict = {}
        self.local = threading.local()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def execute(self, statement, params: dict | None = None) -> Rows:
        prepared = self.prepared.get(statement)
        if prepared is None:
            prepared = self.prepared[statement] = Prepared(statement, self.engine.dialect)
        connection = self.dbapi_connection()
        try:
            cursor = connection.cursor()
            try:
                parameters = prepared.parameters(params or {})
                if self.engine.dispatch.before_cursor_execute:  # listeners (query counts, timings) see it too
                    self.engine.dispatch.before_cursor_execute(None, cursor, prepared.sql, parameters, None, False)
                cursor.execute(prepared.sql, parameters)
                found = cursor.fetchall()
            finally:
                cursor.close()
        except self.engine.dialect.loaded_dbapi.Error as error:
            self.drop()
            raise sa.exc.DBAPIError.instance(prepared.sql, params, error, self.engine.dialect.loaded_dbapi.Error,
                                             dialect=self.engine.dialect) from error
        return Rows([prepared.make_row(row) for row in found])

    def dbapi_connection(self):
        local = self.local
        if getattr(local, "pid", None) != os.getpid():
            if getattr(local, "connection", None) is not None:
                ABANDONED.append(local.connection)  # the parent's, through a fork
            fairy = self.engine.raw_connection()
            fairy.detach()  # ours from now on, outside the pool
            connection = fairy.dbapi_connection
            if self.engine.dialect.name == "postgresql":
                connection.autocommit = True
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def drop(self) -> None:
        connection, self.local.connection, self.local.pid = getattr(self.local, "connection", None), None, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001  (a broken connection may fail to close: it is dropped anyway)
                pass


def direct_reads(app, engine) -> DirectReads:
    """The app's DirectReads, shared by its fast paths."""
    found = app.extensions.get("gare_direct_reads")
    if found is None or found.engine is not engine:
        found = app.extensions["gare_direct_reads"] = DirectReads(engine)
    return found
