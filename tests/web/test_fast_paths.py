"""The visitors' fast path (app/web/fast_path.py): stored answers, proven current by one query, that
are never stale, never hold what a visitor may not read, carry the same headers as Flask's, and are
never given to a member. Counts and contents only: speed is measured in bench/, never here."""

import pytest
from flask import request_started

from app import create_app
from app.extensions import db
from tests.conftest import login_as
from tests.web.test_performance_contract import counted_queries

SAME_HEADERS_BUT = {"X-Request-Id", "Date"}


def save(client, slug, body, base="", title=None):
    response = client.post(f"/wiki/{slug}/edit", data={"title": title or slug.capitalize(), "body": body,
                                                       "summary": "", "base_revision": base})
    assert response.status_code == 303, response.status_code
    client.get(response.headers["Location"])  # the confirmation is shown there


@pytest.fixture
def flask_requests(app):
    """How many requests reached Flask (a fast-path answer never does)."""
    seen = []

    def started(sender, **extra):
        seen.append(1)

    request_started.connect(started, app)
    yield seen
    request_started.disconnect(started, app)


def headers_of(response) -> dict:
    return {name: value for name, value in response.headers.items() if name not in SAME_HEADERS_BUT}


def test_a_visitor_s_second_view_skips_flask_after_one_query(app, client, editor, flask_requests):
    save(editor, "guide", "Du **texte** publié.")
    first = client.get("/wiki/guide")
    reached = len(flask_requests)
    with counted_queries(app) as statements:
        again = client.get("/wiki/guide")
    assert len(statements) == 1 and "pages.slug" in statements[0], statements
    assert len(flask_requests) == reached  # answered before Flask
    assert again.status_code == 200 and again.data == first.data
    assert "<strong>texte</strong>" in again.get_data(as_text=True)


def test_a_cached_answer_carries_the_same_headers_as_an_uncached_one(client, editor):
    save(editor, "guide", "Du texte.")
    uncached, cached = client.get("/wiki/guide"), client.get("/wiki/guide")
    assert headers_of(cached) == headers_of(uncached)
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                 "Cache-Control", "ETag", "Last-Modified", "Vary", "Content-Type", "Content-Length"):
        assert cached.headers.get(name), name
    assert "Set-Cookie" not in cached.headers
    assert cached.headers["X-Request-Id"] != uncached.headers["X-Request-Id"]
    given = client.get("/wiki/guide", headers={"X-Request-Id": "proxy-id-1234"})
    assert given.headers["X-Request-Id"] == "proxy-id-1234"
    assert client.get("/wiki/guide", headers={"If-None-Match": cached.headers["ETag"]}).status_code == 304


def test_an_edit_shows_at_once_and_pending_text_never_reaches_a_visitor(client, editor, client_as):
    save(editor, "guide", "Version un.")
    client.get("/wiki/guide"), client.get("/wiki/guide")
    save(editor, "guide", "Version deux.", base="1")
    assert "Version deux." in client.get("/wiki/guide").get_data(as_text=True)
    newcomer = client_as("volunteer", name="Nouvelle")
    save(newcomer, "guide", "Texte en attente SECRET-PENDING.", base="2")
    for _ in range(2):  # the miss and the hit
        view = client.get("/wiki/guide").get_data(as_text=True)
        assert "Version deux." in view and "SECRET-PENDING" not in view
    assert "SECRET-PENDING" in newcomer.get("/wiki/guide").get_data(as_text=True)


def test_never_published_members_only_and_deleted_pages_are_never_served(client, client_as):
    facilitator = client_as("facilitator", name="Fiona")
    save(facilitator, "interne", "SECRET-MEMBERS")
    client.get("/wiki/interne"), client.get("/wiki/interne")
    response = facilitator.post("/wiki/interne/visibility", data={"visibility": "members"})
    assert response.status_code in (200, 303)
    for _ in range(2):
        hidden = client.get("/wiki/interne")
        assert hidden.status_code == 404 and "SECRET-MEMBERS" not in hidden.get_data(as_text=True)
    newcomer = client_as("volunteer", name="Nouvelle")
    save(newcomer, "brouillon", "SECRET-DRAFT")  # a new page, pending: only members know it
    for _ in range(2):
        assert client.get("/wiki/brouillon").status_code == 404
    save(facilitator, "perime", "Bientôt effacé.")
    client.get("/wiki/perime"), client.get("/wiki/perime")
    assert facilitator.post("/wiki/perime/delete").status_code in (200, 303)
    assert client.get("/wiki/perime").status_code == 404


def test_a_member_never_gets_a_visitor_s_page(client, client_as, flask_requests):
    facilitator = client_as("facilitator", name="Fiona")
    save(facilitator, "guide", "Du texte.")
    client.get("/wiki/guide"), client.get("/wiki/guide")
    visitor_view = client.get("/wiki/guide").get_data(as_text=True)
    reached = len(flask_requests)
    member_view = facilitator.get("/wiki/guide").get_data(as_text=True)
    assert len(flask_requests) == reached + 1  # the member's request went through Flask
    assert "Fiona" in member_view and "Fiona" not in visitor_view.split("<main", 1)[0]
    assert member_view != visitor_view and 'name="csrf_token"' in member_view


def test_the_negotiated_language_is_part_of_the_key(client, editor):
    save(editor, "guide", "Du texte.")
    for _ in range(2):
        english = client.get("/wiki/guide", headers={"Accept-Language": "en-GB,en;q=0.9"})
        french = client.get("/wiki/guide", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
        plain = client.get("/wiki/guide")
        assert 'lang="en"' in english.get_data(as_text=True)
        assert 'lang="fr"' in french.get_data(as_text=True) and 'lang="fr"' in plain.get_data(as_text=True)
    client.set_cookie("lang", "en")
    chosen = client.get("/wiki/guide", headers={"Accept-Language": "fr"})
    assert 'lang="en"' in chosen.get_data(as_text=True)


def test_htmx_fragments_and_full_pages_are_kept_apart(client, editor):
    save(editor, "guide", "Du texte.")
    for _ in range(2):
        fragment = client.get("/wiki/guide", headers={"HX-Request": "true"}).get_data(as_text=True)
        page = client.get("/wiki/guide").get_data(as_text=True)
        boosted = client.get("/wiki/guide", headers={"HX-Request": "true", "HX-Boosted": "true"})
        assert "<html" not in fragment and "<html" in page and "<html" in boosted.get_data(as_text=True)


def test_the_portal_is_served_the_same_way_and_follows_every_publish(app, client, editor, flask_requests):
    save(editor, "premiere", "Une page.")
    client.get("/")
    reached = len(flask_requests)
    assert "Premiere" in client.get("/").get_data(as_text=True)
    assert len(flask_requests) == reached
    save(editor, "seconde", "Une autre.")
    assert "Seconde" in client.get("/").get_data(as_text=True)


def test_requests_the_fast_path_leaves_to_flask(app, client, editor, flask_requests):
    save(editor, "guide", "Du texte.")
    client.get("/wiki/guide"), client.get("/wiki/guide")
    for url, headers in (("/wiki/guide?x=1", {}), ("/wiki/guide", {"Authorization": "Bearer x"}),
                         ("/wiki/Guide", {}), ("/wiki/guide/history", {})):
        reached = len(flask_requests)
        client.get(url, headers=headers)
        assert len(flask_requests) == reached + 1, url
    client.set_cookie("session", "anything")
    reached = len(flask_requests)
    client.get("/wiki/guide")
    assert len(flask_requests) == reached + 1


def test_visitors_who_may_edit_get_their_own_token(open_wiki, app, client, flask_requests):
    save(client, "guide", "Du texte.")
    client.get("/wiki/guide")
    reached = len(flask_requests)
    other = app.test_client()
    view = other.get("/wiki/guide").get_data(as_text=True)
    assert len(flask_requests) == reached + 1
    assert 'csrf-' not in view.split('name="csrf_token"')[-1][:60]


def test_an_edit_through_another_app_instance_shows_at_once(app, app_config, client, editor, tmp_path):
    """Two instances (two machines: each its own instance folder and stored answers), one database."""
    save(editor, "guide", "Version un.")
    other = create_app({**app_config, "WIKI_INSTANCE_PATH": str(tmp_path / "other-machine")})
    with other.app_context():
        remote_editor = other.test_client()
        from app.models import User

        login_as(remote_editor, db.session.scalar(db.select(User.id).where(User.trusted.is_(True))))
    for _ in range(2):
        assert "Version un." in client.get("/wiki/guide").get_data(as_text=True)
        assert "Version un." in other.test_client().get("/wiki/guide").get_data(as_text=True)
    save(remote_editor, "guide", "Version deux, ailleurs.", base="1")
    assert "Version deux, ailleurs." in client.get("/wiki/guide").get_data(as_text=True)
    save(editor, "guide", "Version trois, ici.", base="2")
    assert "Version trois, ici." in other.test_client().get("/wiki/guide").get_data(as_text=True)
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_direct_reads_give_what_sqlalchemy_gives(app, client_as, editor):
    """The fast paths' SELECTs on their own DBAPI connection (app.web.direct_reads): the same rows,
    types included (SQLite's booleans), as through SQLAlchemy; a new process or thread connects anew."""
    from app.models import User
    from app.web.direct_reads import ABANDONED, DirectReads
    from app.wiki import fast_reads

    save(editor, "guide", "Du texte.")
    client_as("facilitator", name="Fiona")
    with app.app_context():
        direct = DirectReads(db.engine)
        fiona = db.session.scalar(db.select(User.id).where(User.name == "Fiona"))
        cases = [(fast_reads.VISITOR_PAGE_STATE, {"slug": "guide"}), (fast_reads.VISITOR_PAGE_STATE, {"slug": "x"}),
                 (fast_reads.WIKI_STATE, {}), (fast_reads.MEMBER_PAGE_STATE, {"user_id": fiona, "slug": "guide"}),
                 (fast_reads.MEMBER_PAGE_STATE, {"user_id": fiona, "slug": "absente"}),
                 (fast_reads.MEMBER_PAGE_STATE, {"user_id": 999, "slug": "guide"})]
        for statement, params in cases:
            expected = db.session.execute(statement, params).first()
            found = direct.execute(statement, params).first()
            assert (found is None) == (expected is None)
            if expected is not None:
                assert tuple(found) == tuple(expected) and [type(v) for v in found] == [type(v) for v in expected]
                if statement is not fast_reads.WIKI_STATE:  # (its columns have no names: read by position)
                    assert found._asdict() == expected._asdict()
        first = direct.dbapi_connection()
        assert direct.dbapi_connection() is first
        direct.local.pid = -1  # as in a child after gunicorn's fork
        assert direct.dbapi_connection() is not first and ABANDONED[-1] is first
        db.session.execute(db.update(User).where(User.id == fiona).values(session_version=5))
        db.session.commit()
        assert direct.execute(fast_reads.MEMBER_PAGE_STATE, {"user_id": fiona, "slug": "guide"}).first(
            ).session_version == 5  # autocommit: every SELECT sees what is committed
        direct.drop()
