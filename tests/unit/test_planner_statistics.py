"""SQLite's planner statistics (app.database.refresh_planner_statistics, run at each start): with them the
portal's recently updated pages are the first rows of ix_pages_updated_at, not every live page sorted.

Always on a SQLite file of its own (the statistics are SQLite's; PostgreSQL's autovacuum keeps its own)."""

import pytest
import sqlalchemy as sa

from app import create_app
from app.database import refresh_planner_statistics
from app.extensions import db
from app.models.taxonomy import seed_licences
from app.startup import start
from app.wiki import agenda, editing, pages
from app.wiki.sessions import Event


@pytest.fixture
def sqlite_app(tmp_path):
    app = create_app({"TESTING": True, "WIKI_INSTANCE_PATH": str(tmp_path / "instance"),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'wiki.db'}", "SECRET_KEY": "test"})
    with app.app_context():
        db.create_all()
        seed_licences()
        for number in range(60):
            editing.create_page(title=f"Fiche {number}", body=f"Texte {number}", author_label="t", publish_now=True)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def plan_of_recently_updated() -> list[str]:
    """The query plan of the portal's recently updated pages, as pages.recently_updated sends it."""
    return plan_of(lambda: pages.recently_updated(member=False), "ORDER BY pages.updated_at DESC")


def plan_of(read, marker: str) -> list[str]:
    """The query plan of the statement containing `marker` that read() sends, with its parameters."""
    sent = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        sent.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        read()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    statement, parameters = next((s, p) for s, p in sent if marker in s)
    with db.engine.connect() as connection:
        return [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]


def latest_titles() -> set[str]:
    return {page.title for page in pages.recently_updated(member=False, limit=10)}


def test_statistics_let_the_portal_read_the_latest_pages_from_their_index(sqlite_app):
    latest = latest_titles()
    without = plan_of_recently_updated()
    assert any("TEMP B-TREE FOR ORDER BY" in step for step in without), without  # every live page, sorted

    refresh_planner_statistics(db.engine)

    with db.engine.connect() as connection:
        tables = {row[0] for row in connection.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}
    assert {"pages", "revisions"} <= tables
    db.engine.dispose()  # connections opened after the statistics plan with them (as workers forked after start)
    with_statistics = plan_of_recently_updated()
    assert with_statistics == ["SCAN pages USING INDEX ix_pages_updated_at"], with_statistics
    assert latest_titles() == latest == {f"Fiche {number}" for number in range(50, 60)}


def test_the_agenda_reads_its_sessions_from_the_index_on_event_start(sqlite_app):
    """Sessions are few among the pages: the agenda's query walks the index on event_start, already in
    its order, not every live page (on PostgreSQL at 100,000 pages: 0.15 ms against 12.8)."""
    editing.create_page(title="Atelier", body="x", author_label="t", publish_now=True,
                        event=Event(start="2027-01-12T18:00", end="2027-01-12T20:00"))
    db.session.commit()
    refresh_planner_statistics(db.engine)
    db.engine.dispose()
    plan = plan_of(lambda: agenda.session_pages(member=False), "ORDER BY pages.event_start")
    assert plan == ["SEARCH pages USING INDEX ix_pages_event_start (event_start>?)"], plan
    assert [page.title for page in agenda.session_pages(member=False)] == ["Atelier"]


def test_the_start_refreshes_them(sqlite_app, tmp_path):
    with sqlite_app.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM sqlite_stat1") if has_statistics(connection) else None
    started = start({"WIKI_INSTANCE_PATH": str(tmp_path / "instance"),
                     "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'wiki.db'}", "SECRET_KEY": "test"})
    with started.app_context(), db.engine.connect() as connection:
        counted = connection.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_pages_updated_at'").scalar()
    assert counted is not None and counted.split()[0] == "60"


def has_statistics(connection) -> bool:
    return connection.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar() == 1
