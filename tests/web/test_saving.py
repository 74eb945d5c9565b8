"""What a save leaves behind (app.pages.editor.prerender_for_visitors, app/search/__init__.py): the
visitors' view stored before the save answers, only what a visitor may read, the members' own views
untouched, the search catch-up after the response, and a search straight after a save that finds it."""

import pytest

from app import create_app
from app.extensions import db
from app.pages import editor as editor_views
from app.wiki import search
from tests.conftest import login_as
from tests.web.test_fast_paths import flask_requests, headers_of, save  # noqa: F401  (a fixture)

__all__ = ["flask_requests"]


def test_the_first_visitor_view_after_a_save_is_stored_with_the_new_text(client, editor, flask_requests):
    save(editor, "guide", "Version un.")
    save(editor, "guide", "Version **deux**.", base="1")
    reached = len(flask_requests)
    view = client.get("/wiki/guide")
    assert len(flask_requests) == reached  # answered by the fast path: the save stored it
    text = view.get_data(as_text=True)
    assert view.status_code == 200 and "Version <strong>deux</strong>." in text and "Version un." not in text
    assert "Set-Cookie" not in view.headers and 'name="csrf_token"' not in text


def test_a_stored_answer_made_at_save_time_has_the_headers_flask_gives_a_visitor(client, editor, monkeypatch):
    monkeypatch.setattr(editor_views, "prerender_for_visitors", lambda slug, public_view: None)
    save(editor, "guide", "Version un.")
    rendered = client.get("/wiki/guide")  # rendered by Flask for this visitor
    monkeypatch.undo()
    save(editor, "guide", "Version deux.", base="1")
    stored = client.get("/wiki/guide")
    varying = {"ETag", "Last-Modified", "Content-Length"}
    assert {k: v for k, v in headers_of(stored).items() if k not in varying} == \
        {k: v for k, v in headers_of(rendered).items() if k not in varying}
    assert set(headers_of(stored)) == set(headers_of(rendered))


def test_a_pending_change_is_never_in_the_visitors_view(client, editor, client_as, flask_requests):
    save(editor, "guide", "Texte publié.")
    newcomer = client_as("volunteer", name="Nouvelle")  # not trusted: her change waits for review
    save(newcomer, "guide", "Texte en attente.", base="1")
    view = client.get("/wiki/guide").get_data(as_text=True)
    assert "Texte publié." in view and "Texte en attente." not in view


def test_a_members_only_page_is_never_stored_for_visitors(app, client, client_as, flask_requests):
    fiona = client_as("facilitator", name="Fiona")
    save(fiona, "interne", "Texte interne.")
    assert fiona.post("/wiki/interne/visibility", data={"visibility": "members"}).status_code in (200, 303)
    save(fiona, "interne", "Texte interne, deux.", base="1")
    answer = client.get("/wiki/interne")
    assert answer.status_code == 404 and "interne, deux" not in answer.get_data(as_text=True)
    assert "Texte interne, deux." in fiona.get("/wiki/interne").get_data(as_text=True)


def test_the_member_who_saved_still_gets_a_member_s_view(client, client_as):
    fiona = client_as("facilitator", name="Fiona")
    save(fiona, "guide", "Version un.")
    mine = fiona.get("/wiki/guide").get_data(as_text=True)
    theirs = client.get("/wiki/guide").get_data(as_text=True)
    assert 'name="csrf_token"' in mine and "/logout" in mine
    assert 'name="csrf_token"' not in theirs and "/logout" not in theirs


def test_an_open_wiki_stores_nothing_at_save_time(open_wiki, app, client, editor, flask_requests):
    save(editor, "guide", "Version un.")
    reached = len(flask_requests)
    assert "Version un." in client.get("/wiki/guide").get_data(as_text=True)
    assert len(flask_requests) == reached + 1  # visitors may edit: their views carry a token, Flask answers


def test_the_catch_up_runs_after_the_response_and_a_search_finds_the_save(app, client, editor):
    save(editor, "guide", "Le vélo.")
    answer = editor.post("/wiki/guide/edit", data={"title": "Guide", "body": "Le tramway bleu.", "summary": "",
                                                   "base_revision": "1"})
    with app.app_context():
        assert search.is_behind()  # nothing indexed inside the request, nor by the view it stored
    answer.close()  # the server has sent it: the catch-up runs
    with app.app_context():
        assert not search.is_behind()
    assert 'href="/wiki/guide"' in client.get("/search?q=tramway").get_data(as_text=True)


@pytest.mark.parametrize("machine", ["same-machine", "other-machine"])
def test_a_save_on_another_app_instance_shows_in_the_first_view_here(app, app_config, client, editor, make_user,
                                                                      tmp_path, machine):
    save(editor, "guide", "Version un.")
    assert "Version un." in client.get("/wiki/guide").get_data(as_text=True)
    folder = app_config["WIKI_INSTANCE_PATH"] if machine == "same-machine" else str(tmp_path / machine)
    other = create_app({**app_config, "WIKI_INSTANCE_PATH": folder})
    try:
        remote = other.test_client()
        login_as(remote, make_user("Rémi", role="volunteer", trusted=True))
        save(remote, "guide", "Version deux, ailleurs.", base="1")
        view = client.get("/wiki/guide").get_data(as_text=True)
        assert "Version deux, ailleurs." in view and "Version un." not in view
        assert "Version deux, ailleurs." in other.test_client().get("/wiki/guide").get_data(as_text=True)
        assert 'href="/wiki/guide"' in client.get("/search?q=ailleurs").get_data(as_text=True)
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
