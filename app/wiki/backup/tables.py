"""The portable dump: every table as JSON lines (`tables/<name>.jsonl`), read and written through
SQLAlchemy, so it works on any database and restores into any other.

Used for PostgreSQL when `pg_dump` is missing or fails, and to load an SQLite archive into
PostgreSQL. Values are written as JSON: dates as ISO text, bytes as base64; on load each value is
turned back by the type of its column in the schema the archive was made with."""

import base64
import datetime as dt
import decimal
import json
from collections.abc import Callable, Iterable, Iterator

import sqlalchemy as sa

from app.extensions import db

SKIPPED_TABLES = {"alembic_version"}
BATCH = 500


def table_names(connection) -> list[str]:
    """The wiki's tables present in this database, parents before children."""
    return [table.name for table in in_load_order(reflect(connection)) if table.name not in SKIPPED_TABLES]


def in_load_order(metadata: sa.MetaData) -> list[sa.Table]:
    """Parents before children, as the models declare them (their use_alter breaks the
    pages <-> revisions cycle); tables the models no longer know come last, by name."""
    known = [table.name for table in db.metadata.sorted_tables]
    return sorted(metadata.tables.values(),
                  key=lambda t: (known.index(t.name) if t.name in known else len(known), t.name))


def reflect(connection) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(bind=connection)
    return metadata


def count_rows(connection, names: Iterable[str]) -> dict[str, int]:
    return {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
            for name in names}


def encode(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def dump_table(connection, table: sa.Table) -> Iterator[str]:
    """One JSON line per row, in primary-key order."""
    order = list(table.primary_key.columns) or list(table.columns)
    for row in connection.execute(sa.select(table).order_by(*order)).mappings():
        yield json.dumps({key: encode(value) for key, value in row.items()}, ensure_ascii=False) + "\n"


def decoder(column: sa.Column) -> Callable:
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return lambda value: value
    if kind is dt.datetime:
        return lambda v: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
    if kind is dt.date:
        return lambda v: dt.date.fromisoformat(v[:10]) if isinstance(v, str) else v
    if kind is bool:
        return lambda v: None if v is None else bool(v)
    if kind is bytes:
        return lambda v: base64.b64decode(v) if isinstance(v, str) else v
    return lambda value: value


def load_tables(connection, rows_of: Callable[[str], Iterable[dict]], names: list[str],
                progress: Callable[[str], None]) -> None:
    """Insert every row of the archive's tables into the (empty) tables of this database.

    A foreign key to a table loaded later (pages.head_id -> revisions) is filled in afterwards,
    so the load never breaks a constraint, whatever the database checks."""
    metadata = reflect(connection)
    order = [t for t in in_load_order(metadata) if t.name in names]
    position = {table.name: index for index, table in enumerate(order)}
    later_fixes: list[tuple[sa.Table, list[str], list[dict]]] = []
    for table in order:
        decoders = {column.name: decoder(column) for column in table.columns}
        deferred = sorted({element.parent.name for fk in table.foreign_key_constraints for element in fk.elements
                           if position.get(fk.referred_table.name, -1) > position[table.name]
                           and element.parent.nullable})
        keys = [column.name for column in table.primary_key.columns]
        fixes, batch, total = [], [], 0
        for raw in rows_of(table.name):
            row = {name: decoders[name](value) for name, value in raw.items() if name in decoders}
            if deferred:
                fixes.append({**{f"pk_{k}": row[k] for k in keys}, **{f"v_{c}": row.get(c) for c in deferred}})
                row.update({column: None for column in deferred})
            batch.append(row)
            if len(batch) >= BATCH:
                connection.execute(table.insert(), batch)
                total += len(batch)
                batch = []
        if batch:
            connection.execute(table.insert(), batch)
            total += len(batch)
        if fixes:
            later_fixes.append((table, deferred, fixes))
        progress(f"  {table.name}: {total}")
    for table, columns, fixes in later_fixes:
        keys = [column.name for column in table.primary_key.columns]
        statement = (table.update().where(*[table.c[k] == sa.bindparam(f"pk_{k}") for k in keys])
                     .values({c: sa.bindparam(f"v_{c}") for c in columns}))
        connection.execute(statement, fixes)
    if connection.dialect.name == "postgresql":
        reset_sequences(connection, order)


def reset_sequences(connection, tables: list[sa.Table]) -> None:
    """After explicit ids were inserted, let PostgreSQL's sequences continue after the highest."""
    for table in tables:
        for column in table.primary_key.columns:
            sequence = connection.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                          {"t": table.name, "c": column.name}).scalar()
            if sequence:
                connection.execute(sa.text(f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") FROM '
                                           f'"{table.name}"), 0) + 1, false)'), {"s": sequence})


def drop_all_tables(connection) -> None:
    """PostgreSQL: an empty database (the restore's starting point), Alembic's table included.
    (An SQLite database is emptied whole by the restore, with the backup API.)"""
    metadata = reflect(connection)
    if metadata.tables:
        names = ", ".join(f'"{name}"' for name in metadata.tables)
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {names} CASCADE"))
