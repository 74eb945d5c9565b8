"""Seeding the benchmark's wiki: SQLite by bulk insert (SQLAlchemy executemany), PostgreSQL by COPY.

Pages are generated French text (bench.search.TextGenerator) with wiki links, a list and headings;
every tenth page has a history. Nothing goes through the save path: a 100,000-page wiki is seeded in
minutes, then the search index is rebuilt by the same code as `flask search rebuild`."""

import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_USER, BENCH_PASSWORD = "Bench", "bench-password"


# --- SQLite ------------------------------------------------------------------------------------

def seed_wiki(instance: Path, pages: int, seed_value: int = 7, *, revisions: int | None = None,
              database_url: str | None = None, index: bool = True) -> dict:
    """Create a migrated wiki of `pages` pages (~600 words, links, headings, lists, tags, some revisions).

    `revisions`: how many in all (default: every tenth page has three). `database_url`: PostgreSQL,
    seeded by COPY (bench.seeding_pg), instead of SQLite in the instance folder."""
    if database_url:
        from bench.seeding_pg import seed_postgres

        return seed_postgres(instance, pages, seed_value, revisions=revisions, database_url=database_url,
                             index=index)
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Counter, Page, Revision, Tag, page_tags
    from app.wiki import search
    from app.wiki.accounts import create_user
    from app.wiki.slugs import slugify
    from bench.search import TextGenerator

    app = create_app({"WIKI_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'wiki.db'}"})
    generator = TextGenerator(seed_value)
    rng = random.Random(seed_value)
    with app.app_context():
        upgrade()
        titles = unique_titles(generator, pages, slugify)
        tag_names = sorted({t for _ in range(60) for t in generator.tags()})
        tag_ids = {name: i + 1 for i, name in enumerate(tag_names)}
        db.session.execute(sa.insert(Tag), [{"id": i, "name": n, "slug": slugify(n)} for n, i in tag_ids.items()])
        start = datetime(2025, 1, 1)
        page_rows, revision_rows, tag_rows, revision_id = [], [], [], 0
        for page_id, title in enumerate(titles, start=1):
            tags = generator.tags()
            when = start + timedelta(minutes=13 * page_id)
            page_rows.append(dict(id=page_id, slug=slugify(title), title=title, licence_code="CC-BY-SA-4.0",
                                  visibility="public", protected=False, deleted=False, change_seq=page_id,
                                  created_at=when, updated_at=when, imported_authors=""))
            versions = versions_of(page_id, pages, revisions)
            body = rich_body(generator, rng, titles)
            for number in range(1, versions + 1):
                revision_id += 1
                if number > 1:
                    body = body.replace(". ", f". {generator.sentence()} ", 1)
                revision_rows.append(dict(id=revision_id, page_id=page_id, number=number, title=title, body=body,
                                          summary="bench", author_label="bench", created_at=when, status="approved",
                                          review_comment="", tags=", ".join(tags), licence_code="CC-BY-SA-4.0",
                                          parent_id=revision_id - 1 if number > 1 else None))
            page_rows[-1]["head_id"] = page_rows[-1]["published_id"] = revision_id
            tag_rows += [{"page_id": page_id, "tag_id": tag_ids[t]} for t in tags if t in tag_ids]
        heads = {row["id"]: row.pop("head_id") for row in page_rows}
        for row in page_rows:
            row.pop("published_id")
        for chunk in range(0, len(page_rows), 500):
            db.session.execute(sa.insert(Page), page_rows[chunk:chunk + 500])
        for chunk in range(0, len(revision_rows), 500):
            db.session.execute(sa.insert(Revision), revision_rows[chunk:chunk + 500])
        db.session.execute(sa.insert(page_tags), tag_rows)
        db.session.execute(sa.update(Page), [{"id": pid, "head_id": rid, "published_id": rid}
                                             for pid, rid in heads.items()])
        db.session.execute(sa.update(Counter).where(Counter.name == "change_seq").values(value=len(page_rows)))
        db.session.commit()
        create_user(name=BENCH_USER, password=BENCH_PASSWORD, role="facilitator")
        started = time.perf_counter()
        if index:
            search.rebuild()
        indexed = time.perf_counter() - started
        common = generator.pick(generator.nouns)
    return {"titles": titles, "slugs": [slugify(t) for t in titles], "common_word": common,
            "revisions": revision_id, "database": "SQLite", "history_slug": slugify(titles[9]),
            "rare_word": rare_word(generator), "phrase": phrase(generator, rng), "index_seconds": indexed}


def versions_of(page_id: int, pages: int, revisions: int | None) -> int:
    """How many revisions page `page_id` gets: every tenth has three, or `revisions` spread evenly."""
    if revisions is None:
        return 3 if page_id % 10 == 0 else 1
    share, extra = divmod(max(revisions, pages), pages)
    return share + (page_id <= extra)


def unique_titles(generator, count: int, slugify) -> list[str]:
    titles, seen = [], set()
    while len(titles) < count:
        title = generator.title()
        if slugify(title) not in seen:
            seen.add(slugify(title))
            titles.append(title)
    return titles


def rich_body(generator, rng, titles: list[str]) -> str:
    """About 600 words with wiki links, a list and headings, like a real resource page."""
    body = generator.body(560)
    links = " ".join(f"[[{rng.choice(titles)}]]" for _ in range(4))
    items = "\n".join(f"- {generator.sentence()}" for _ in range(5))
    return f"{body}\n\n## Pour aller plus loin\n\nVoir aussi {links}.\n\n{items}"


def rare_word(generator) -> str:
    words, _weights = generator.nouns
    return words[-1]


def phrase(generator, rng) -> str:
    return generator.noun_phrase().split(" ", 1)[1]


