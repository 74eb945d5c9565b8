"""Seeding the benchmark's wiki on PostgreSQL by COPY: 100,000 pages and 1,000,000 revisions in minutes.

    python -m bench.wiki --pages 100000 --revisions 1000000 --database-url postgresql+psycopg://...

THE DATABASE IS EMPTIED FIRST (its public schema is dropped): give it a throwaway database, such as
the one `.ci/postgres-start` prints. The schema comes from the migrations (`flask db upgrade`); rows
go in with COPY (psycopg), every column given (COPY applies no SQLAlchemy default); ids are
explicit, so the id sequences are moved past them at the end. Bodies are shorter above 10,000 pages
(200 words instead of 560), older revisions are the page's text with a sentence less; then the
search index is rebuilt by the same code as `flask search rebuild`, and timed."""

import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.seeding import BENCH_PASSWORD, BENCH_USER, ROOT, unique_titles, versions_of

LICENCE = "CC-BY-SA-4.0"


def seed_postgres(instance: Path, pages: int, seed_value: int = 7, *, revisions: int | None,
                  database_url: str, index: bool = True) -> dict:
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Page, Revision, Tag, page_tags
    from app.wiki import search
    from app.wiki.accounts import create_user
    from app.wiki.slugs import slugify
    from bench.search import TextGenerator

    app = create_app({"WIKI_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": database_url})
    generator, rng = TextGenerator(seed_value), random.Random(seed_value)
    words = 560 if pages <= 10000 else 200
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        titles = unique_titles(generator, pages, slugify)
        tag_names = sorted({t for _ in range(60) for t in generator.tags()})
        tag_ids = {name: i + 1 for i, name in enumerate(tag_names)}
        start, revision_id, tag_rows = datetime(2020, 1, 1), 0, []
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            with copy_into(cursor, Tag.__table__) as write:
                for name, number in tag_ids.items():
                    write({"id": number, "name": name, "slug": slugify(name)})
            heads = []
            with copy_into(cursor, Page.__table__) as write:
                for page_id, title in enumerate(titles, start=1):
                    when = start + timedelta(minutes=3 * page_id)
                    write({"id": page_id, "slug": slugify(title), "title": title, "licence_code": LICENCE,
                           "change_seq": page_id, "created_at": when, "updated_at": when})
            with copy_into(cursor, Revision.__table__) as write:
                for page_id, title in enumerate(titles, start=1):
                    when = start + timedelta(minutes=3 * page_id)
                    tags = generator.tags()
                    tag_rows += [(page_id, tag_ids[t]) for t in tags if t in tag_ids]
                    body = rich_body(generator, rng, titles, words)
                    versions = versions_of(page_id, pages, revisions)
                    for number in range(1, versions + 1):
                        revision_id += 1
                        text = body if number == versions else older(body, versions - number)
                        write({"id": revision_id, "page_id": page_id, "number": number, "title": title,
                               "body": text, "summary": "bench", "author_label": "bench", "created_at": when,
                               "status": "approved", "tags": ", ".join(tags), "licence_code": LICENCE,
                               "parent_id": revision_id - 1 if number > 1 else None})
                    heads.append((page_id, revision_id))
            with copy_into(cursor, page_tags) as write:
                for page_id, tag_id in tag_rows:
                    write({"page_id": page_id, "tag_id": tag_id})
            cursor.execute("CREATE TEMPORARY TABLE bench_heads (page_id integer PRIMARY KEY, revision_id integer)")
            with cursor.copy("COPY bench_heads (page_id, revision_id) FROM STDIN") as copy:
                for row in heads:
                    copy.write_row(row)
            cursor.execute("UPDATE pages SET head_id = h.revision_id, published_id = h.revision_id "
                           "FROM bench_heads h WHERE pages.id = h.page_id")
            cursor.execute("UPDATE counters SET value = %s WHERE name = 'change_seq'", (pages,))
            for table in ("pages", "revisions", "tags"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            raw.commit()
            cursor.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
        create_user(name=BENCH_USER, password=BENCH_PASSWORD, role="facilitator")
        started = time.perf_counter()
        if index:
            search.rebuild()
        indexed = time.perf_counter() - started
        common = generator.pick(generator.nouns)
    words_ranked, _weights = generator.nouns
    return {"titles": titles, "slugs": [slugify(t) for t in titles], "common_word": common,
            "rare_word": words_ranked[-1], "phrase": generator.noun_phrase().split(" ", 1)[1],
            "index_seconds": indexed, "revisions": revision_id, "database": "PostgreSQL",
            "history_slug": slugify(titles[9])}


class copy_into:
    """COPY rows (dicts) into a table, every column given: a value, the column's scalar default, or NULL."""

    def __init__(self, cursor, table):
        self.cursor, self.columns = cursor, list(table.columns)
        self.defaults = {c.name: c.default.arg if c.default is not None and not callable(c.default.arg) else None
                         for c in self.columns}

    def __enter__(self):
        names = ", ".join(c.name for c in self.columns)
        self.manager = self.cursor.copy(f"COPY {self.columns[0].table.name} ({names}) FROM STDIN")
        copy = self.manager.__enter__()
        return lambda row: copy.write_row([row.get(c.name, self.defaults[c.name]) for c in self.columns])

    def __exit__(self, *exc):
        return self.manager.__exit__(*exc)


def rich_body(generator, rng, titles: list[str], words: int) -> str:
    body = generator.body(words)
    links = " ".join(f"[[{rng.choice(titles)}]]" for _ in range(4))
    items = "\n".join(f"- {generator.sentence()}" for _ in range(3))
    return f"{body}\n\n## Pour aller plus loin\n\nVoir aussi {links}.\n\n{items}"


def older(body: str, steps: int) -> str:
    """An earlier version: the text with `steps` sentences fewer (cheap, and a real diff)."""
    for _ in range(steps):
        head, sep, tail = body.partition(". ")
        if not sep:
            break
        body = tail
    return body
