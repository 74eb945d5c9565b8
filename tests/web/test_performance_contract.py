"""What keeps page views cheap: few SQL queries, 304 answers, cacheable static assets.

Counts and headers only: durations are measured in bench/, never asserted in tests."""

import re
from contextlib import contextmanager

import sqlalchemy as sa

from app.extensions import db


@contextmanager
def counted_queries(app):
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def make_page(editor, slug="guide", tags="vélo, atelier"):
    """A published page, saved by a signed-in editor (readers are anonymous visitors, as in production)."""
    body = "# Titre\n\nDu texte avec un [[Autre page]] et un [[Guide]].\n\n## Section\n\n- un\n- deux"
    response = editor.post(f"/wiki/{slug}/edit", data={"title": slug.capitalize(), "body": body, "tags": tags,
                                                       "base_revision": ""})
    assert response.status_code == 303


def test_a_stored_page_view_takes_one_query_for_a_visitor_and_for_a_member(app, client, editor, client_as):
    make_page(editor)
    editor.get("/wiki/guide")  # shows the editor the "saved" message: rendered, not cached
    with counted_queries(app) as statements:  # the save stored it (app.pages.editor.prerender_for_visitors)
        assert client.get("/wiki/guide").status_code == 200
    assert len(statements) == 1, statements
    fragment = {"HX-Request": "true"}  # a variant the save did not store
    with counted_queries(app) as statements:
        client.get("/wiki/guide", headers=fragment)  # a first view renders (two queries) and fills the cache
    assert len(statements) == 2, statements
    with counted_queries(app) as statements:
        assert client.get("/wiki/guide", headers=fragment).status_code == 200
    assert len(statements) == 1, statements
    member = client_as("volunteer")
    member.get("/wiki/guide")
    member.get("/wiki/guide")
    with counted_queries(app) as statements:  # the members' path: the user, page and wiki state at once
        assert member.get("/wiki/guide").status_code == 200
    assert len(statements) == 1, statements


def test_history_recent_tags_and_portal_do_not_grow_with_the_data(app, client, editor):
    for n in range(3):
        make_page(editor, f"page-{n}")
    counts = {}
    for url in ("/wiki/page-0/history", "/recent", "/tags/", "/tags/velo", "/", "/wiki/"):
        with counted_queries(app) as statements:
            client.get(url)
        counts[url] = len(statements)
    for n in range(3, 12):
        make_page(editor, f"page-{n}")
        editor.post(f"/wiki/page-0/edit", data={"title": "Page-0", "body": f"v{n}", "base_revision": str(n - 2)})
    for url, before in counts.items():
        with counted_queries(app) as statements:
            client.get(url)
        assert len(statements) <= before + 1, f"{url}: {before} then {len(statements)} queries (N+1?)"


def test_page_view_answers_304_when_nothing_changed(client, editor):
    make_page(editor)
    first = client.get("/wiki/guide")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"] and "no-cache" in first.headers["Cache-Control"]
    again = client.get("/wiki/guide", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    edited = editor.post("/wiki/guide/edit", data={"title": "Guide", "body": "changé", "base_revision": "1"})
    assert edited.status_code == 303
    changed = client.get("/wiki/guide", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "changé" in changed.get_data(as_text=True)


def test_red_link_turning_blue_changes_the_etag(client, editor):
    make_page(editor)
    etag = client.get("/wiki/guide").headers["ETag"]
    created = editor.post("/wiki/autre-page/edit", data={"title": "Autre page", "body": "x", "base_revision": ""})
    assert created.status_code == 303
    assert client.get("/wiki/guide", headers={"If-None-Match": etag}).status_code == 200


def test_static_assets_are_fingerprinted_and_cached_long(client):
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert urls and all("?v=" in url for url in urls)
    response = client.get(urls[0])
    assert "max-age=31536000" in response.headers["Cache-Control"]
