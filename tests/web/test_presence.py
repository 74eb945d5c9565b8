"""Presence (issue 13): who has the editor open on a page, for whom, for how long; the open
editor's heartbeat (a POST, CSRF-checked), its end on save and cancel, its expiry."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import EditorPresence, User, utcnow
from app.wiki import editing, page_settings, pages, presence
from tests.conftest import csrf_token_from, login_as

HX = {"HX-Request": "true"}


@pytest.fixture
def page_slug(app):
    with app.app_context():
        return editing.create_page(title="Charte", body="Un.\n\nDeux.\n\nTrois.", author_label="test",
                                   publish_now=True).slug


def beat(client, slug, key="", base=1, state="", headers=None):
    data = {"editor_key": key, "base_revision": "" if base is None else str(base), "presence_state": state}
    return client.post(f"/wiki/{slug}/presence", data=data, headers={**HX, **(headers or {})})


def key_of(response) -> str:
    return re.search(r'name="editor_key" value="([^"]*)"', response.get_data(as_text=True)).group(1)


def state_of(response) -> str:
    return re.search(r'name="presence_state" value="([^"]*)"', response.get_data(as_text=True)).group(1)


def look(client, slug, **params):
    return client.get(f"/wiki/{slug}/presence", query_string=params, headers=HX)


def rows(app):
    with app.app_context():
        return db.session.execute(sa.select(EditorPresence.user_id, EditorPresence.editor_key)).all()


def age_rows(app, *, started=None, seen=None):
    """Move every presence row back in time, as if minutes had passed."""
    with app.app_context():
        values = {}
        if started is not None:
            values["started_at"] = utcnow() - started
        if seen is not None:
            values["seen_at"] = utcnow() - seen
        db.session.execute(sa.update(EditorPresence).values(**values))
        db.session.commit()


def test_a_reader_sees_who_has_the_editor_open(app, client, client_as, page_slug):
    ana = client_as("volunteer", name="Ana")
    opened = beat(ana, page_slug)
    assert opened.status_code == 200 and len(key_of(opened)) >= 16
    answer = look(client, page_slug)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in text
    assert text.lstrip().startswith('<div id="presence"')
    assert "Ana modifie cette page depuis moins d’une minute" in text
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in answer.headers  # a visitor's look creates no session


def test_nobody_editing_says_nothing(client, page_slug):
    text = look(client, page_slug).get_data(as_text=True)
    assert 'id="presence"' in text and "modifie" not in text


def test_the_page_polls_for_presence_and_the_editor_beats(client_as, page_slug):
    ana = client_as("volunteer", name="Ana")
    view = ana.get(f"/wiki/{page_slug}").get_data(as_text=True)
    assert f'hx-get="/wiki/{page_slug}/presence"' in view
    assert re.search(r'hx-trigger="load, every (2\d)s', view)
    editor = ana.get(f"/wiki/{page_slug}/edit").get_data(as_text=True)
    assert f'hx-post="/wiki/{page_slug}/presence"' in editor
    assert re.search(r'hx-trigger="load, every (2\d)s', editor)
    assert 'hx-params="csrf_token,editor_key,base_revision,presence_state"' in editor  # not the whole text
    # the heartbeat sits inside the editor's form, so a save carries its key
    form = editor[editor.index("<form method=\"post\" action=\"/wiki/charte/edit\""):]
    assert form.index('id="editor-presence"') < form.index("</form>")


def test_minutes_are_counted_from_when_the_editor_opened(app, client, client_as, page_slug):
    ana = client_as("volunteer", name="Ana")
    key = key_of(beat(ana, page_slug))
    age_rows(app, started=timedelta(minutes=3, seconds=10))
    beat(ana, page_slug, key=key)  # the heartbeat keeps the start
    assert "Ana modifie cette page depuis 3 min" in look(client, page_slug).get_data(as_text=True)


def test_several_people_editing_are_all_named_once_each(app, client, client_as, page_slug):
    ana, basile = client_as("volunteer", name="Ana"), client_as("facilitator", name="Basile")
    beat(ana, page_slug)
    beat(ana, page_slug)  # a second tab of Ana's: still one Ana
    age_rows(app, started=timedelta(minutes=5))
    basile_key = key_of(beat(basile, page_slug))
    text = look(client, page_slug).get_data(as_text=True)
    assert text.count("Ana modifie") == 1 and "Ana modifie cette page depuis 5 min" in text
    assert "Basile modifie cette page depuis moins d’une minute" in text
    assert text.index("Ana") < text.index("Basile")  # longest first
    # each editor sees the others, never themselves
    basile_view = beat(basile, page_slug, key=basile_key).get_data(as_text=True)
    assert "Ana modifie" in basile_view and "Basile modifie" not in basile_view
    assert "Ana modifie" not in look(ana, page_slug).get_data(as_text=True)
    assert "Basile modifie" in look(ana, page_slug).get_data(as_text=True)


def test_a_silent_editor_expires_and_is_purged(app, client, client_as, page_slug):
    ana, basile = client_as("volunteer", name="Ana"), client_as("volunteer", name="Basile")
    beat(ana, page_slug)
    age_rows(app, seen=timedelta(seconds=presence.EXPIRY_SECONDS - 20))
    assert "Ana modifie" in look(client, page_slug).get_data(as_text=True)
    age_rows(app, seen=timedelta(seconds=presence.EXPIRY_SECONDS + 1))
    assert "Ana modifie" not in look(client, page_slug).get_data(as_text=True)
    assert len(rows(app)) == 1  # reading never writes
    beat(basile, page_slug)  # any heartbeat purges what expired
    with app.app_context():
        names = [db.session.get(User, user_id).name for user_id, _key in rows(app)]
    assert names == ["Basile"]


def test_saving_ends_the_presence_at_once(app, client, client_as, page_slug):
    ana = client_as("volunteer", name="Ana", trusted=True)
    key = key_of(beat(ana, page_slug))
    assert "Ana modifie" in look(client, page_slug).get_data(as_text=True)
    saved = ana.post(f"/wiki/{page_slug}/edit", data={"title": "Charte", "body": "Un.\n\nDeux bis.\n\nTrois.",
                                                      "base_revision": "1", "editor_key": key}, headers=HX)
    assert saved.status_code == 303
    assert rows(app) == [] and "Ana modifie" not in look(client, page_slug).get_data(as_text=True)


def test_saving_nothing_ends_it_too(app, client_as, page_slug):
    ana = client_as("volunteer", name="Ana")
    key = key_of(beat(ana, page_slug))
    saved = ana.post(f"/wiki/{page_slug}/edit", data={"title": "Charte", "body": "Un.\n\nDeux.\n\nTrois.",
                                                      "base_revision": "1", "editor_key": key})
    assert saved.status_code == 303 and rows(app) == []


def test_cancelling_ends_it_and_only_the_owner_can(app, client, client_as, page_slug):
    ana, basile = client_as("volunteer", name="Ana"), client_as("volunteer", name="Basile")
    key = key_of(beat(ana, page_slug))
    assert basile.post(f"/wiki/{page_slug}/presence/leave", data={"editor_key": key}).status_code == 204
    assert "Ana modifie" in look(client, page_slug).get_data(as_text=True)  # not Basile's to end
    assert ana.post(f"/wiki/{page_slug}/presence/leave", data={"editor_key": key}).status_code == 204
    assert rows(app) == [] and "Ana modifie" not in look(client, page_slug).get_data(as_text=True)


def test_someone_elses_key_gets_a_key_of_ones_own(app, client_as, page_slug):
    ana, basile = client_as("volunteer", name="Ana"), client_as("volunteer", name="Basile")
    ana_key = key_of(beat(ana, page_slug))
    basile_key = key_of(beat(basile, page_slug, key=ana_key))
    assert basile_key != ana_key
    with app.app_context():
        owners = {key: db.session.get(User, user_id).name for user_id, key in rows(app)}
    assert owners == {ana_key: "Ana", basile_key: "Basile"}


def test_an_unchanged_answer_is_a_204(client, client_as, page_slug):
    ana, basile = client_as("volunteer", name="Ana"), client_as("volunteer", name="Basile")
    first = beat(ana, page_slug)
    again = beat(ana, page_slug, key=key_of(first), state=state_of(first))
    assert again.status_code == 204 and again.get_data() == b""
    changed = beat(basile, page_slug)  # Basile arrives: Ana's next heartbeat has news
    assert changed.status_code == 200
    news = beat(ana, page_slug, key=key_of(first), state=state_of(first))
    assert news.status_code == 200 and "Basile modifie" in news.get_data(as_text=True)
    seen = look(client, page_slug)
    state = re.search(r'hx-vals=\'\{"state": "([0-9a-f]+)"\}\'', seen.get_data(as_text=True)).group(1)
    assert look(client, page_slug, state=state).status_code == 204
    assert look(client, page_slug, state="0" * 16).status_code == 200


def test_the_answer_after_polling_does_not_poll_at_load_again(client_as, page_slug):
    ana = client_as("volunteer", name="Ana")
    answer = beat(ana, page_slug).get_data(as_text=True)
    assert re.search(r'hx-trigger="every 2\ds', answer) and "load" not in answer.split("hx-trigger=")[1][:10]
    assert re.search(r'hx-trigger="every 2\ds', look(ana, page_slug).get_data(as_text=True))


@pytest.mark.parametrize("field, value", [("editor_key", "<script>"), ("editor_key", "x" * 65),
                                          ("base_revision", "abc"), ("base_revision", "-1"),
                                          ("presence_state", "not-a-state")])
def test_bad_heartbeat_fields_are_refused(app, client_as, page_slug, field, value):
    ana = client_as("volunteer", name="Ana")
    data = {"editor_key": "", "base_revision": "1", "presence_state": "", field: value}
    assert ana.post(f"/wiki/{page_slug}/presence", data=data, headers=HX).status_code == 400
    assert rows(app) == []


def test_a_visitor_may_look_but_not_beat(app, client, page_slug):
    assert look(client, page_slug).status_code == 200
    assert beat(client, page_slug).status_code == 403
    assert rows(app) == []


def test_a_protected_page_takes_no_volunteer_heartbeat(app, client_as, page_slug):
    with app.app_context():
        page_settings.set_protection(pages.find_page(page_slug)[0], True, by=None)
    ana = client_as("volunteer", name="Ana")
    assert beat(ana, page_slug).status_code == 403 and rows(app) == []
    assert beat(client_as("facilitator", name="Fanny"), page_slug).status_code == 200


def test_unknown_page_is_a_404(client, client_as):
    assert look(client, "nulle-part").status_code == 404
    assert beat(client_as("volunteer", name="Ana"), "nulle-part").status_code == 404


def test_names_never_reach_someone_who_may_not_read_the_page(app, client, client_as):
    """Members-only, never published, deleted: the presence answer is the same 404 as a missing page."""
    with app.app_context():
        private = editing.create_page(title="Réservé", body="x", author_label="test", publish_now=True)
        page_settings.set_visibility(private, "members", by=None)
        deleted = editing.create_page(title="Effacé", body="x", author_label="test", publish_now=True)
    ana, fanny = client_as("volunteer", name="Ana"), client_as("facilitator", name="Fanny")
    draft = ana.post("/wiki/brouillon/edit", data={"title": "Brouillon", "body": "x"})  # pending: never published
    assert draft.status_code == 303
    for slug in ("reserve", "efface", "brouillon"):
        assert beat(fanny, slug).status_code == 200
    with app.app_context():
        editing.delete_page(pages.find_page("efface")[0])
    missing = look(client, "nulle-part")
    for slug in ("reserve", "brouillon"):
        answer = look(client, slug)
        assert answer.status_code == 404 and "Fanny" not in answer.get_data(as_text=True)
        assert answer.get_data() == missing.get_data().replace(b"nulle-part", slug.encode())
        assert "Fanny modifie" in look(ana, slug).get_data(as_text=True)  # members may read them
    for reader in (client, ana):
        answer = look(reader, "efface")
        assert answer.status_code == 404 and "Fanny" not in answer.get_data(as_text=True)
    assert "Fanny modifie" not in look(fanny, "efface").get_data(as_text=True)  # herself, never


def test_a_hostile_display_name_stays_text(app, client, make_user, page_slug):
    payloads = ['<img src=x onerror=alert(1)>', '"><script>alert(1)</script>', "{{7*7}}<svg/onload=alert(1)>"]
    for number, name in enumerate(payloads):
        member = app.test_client()
        login_as(member, make_user(name, role="volunteer"))
        beat(member, page_slug)
    text = look(client, page_slug).get_data(as_text=True)
    assert "<img" not in text and "<script" not in text and "<svg" not in text and "{{7*7}}" in text
    assert "&lt;img src=x onerror=alert(1)&gt; modifie cette page" in text
    editor_view = beat(client_as_facilitator(app, make_user), page_slug).get_data(as_text=True)
    assert "<img" not in editor_view and "<script" not in editor_view and "&lt;svg/onload" in editor_view


def client_as_facilitator(app, make_user):
    client = app.test_client()
    login_as(client, make_user("Fanny", role="facilitator"))
    return client


@pytest.fixture
def csrf_app(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_every_presence_change_needs_the_csrf_token(csrf_app, app, client_as, page_slug):
    ana = client_as("volunteer", name="Ana")
    editor = ana.get(f"/wiki/{page_slug}/edit").get_data(as_text=True)
    token = csrf_token_from(editor)
    assert beat(ana, page_slug).status_code == 400 and rows(app) == []
    assert beat(ana, page_slug, headers={"X-CSRFToken": "forged"}).status_code == 400 and rows(app) == []
    answer = beat(ana, page_slug, headers={"X-CSRFToken": token})  # htmx sends the body's hx-headers
    assert answer.status_code == 200 and len(rows(app)) == 1
    key = key_of(answer)
    assert ana.post(f"/wiki/{page_slug}/presence/leave", data={"editor_key": key}).status_code == 400
    assert len(rows(app)) == 1
    merge = ana.post(f"/wiki/{page_slug}/merge", data={"title": "Charte", "body": "x", "base_revision": "1"})
    assert merge.status_code == 400
    # the tab closing sends the form's token in the body (sendBeacon cannot set headers)
    left = ana.post(f"/wiki/{page_slug}/presence/leave", data={"editor_key": key, "csrf_token": token})
    assert left.status_code == 204 and rows(app) == []


def test_anonymous_editors_appear_as_visitors_on_an_open_wiki(open_wiki, app, client, client_as, page_slug):
    visitor = app.test_client()
    assert beat(visitor, page_slug).status_code == 200
    text = look(client_as("volunteer", name="Ana"), page_slug).get_data(as_text=True)
    assert "Un visiteur modifie cette page depuis moins d’une minute" in text


def test_presence_is_shared_by_every_worker_and_machine(app, app_config, client_as, page_slug):
    """Two app instances on one database (two workers, or two machines): an editor beating on one
    is seen from the other, and its end too."""
    other = create_app(app_config)
    ana = client_as("volunteer", name="Ana")
    key = key_of(beat(ana, page_slug))
    reader = other.test_client()
    assert "Ana modifie" in look(reader, page_slug).get_data(as_text=True)
    ana.post(f"/wiki/{page_slug}/presence/leave", data={"editor_key": key})
    assert "Ana modifie" not in look(reader, page_slug).get_data(as_text=True)
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_renamed_page_answers_at_its_new_address(app, client, client_as, page_slug):
    fanny = client_as("facilitator", name="Fanny")
    assert fanny.post(f"/wiki/{page_slug}/rename", data={"title": "Charte du collectif"}).status_code in (302, 303)
    beat(fanny, "charte-du-collectif")
    moved = look(client, page_slug)
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/wiki/charte-du-collectif/presence")
    assert "Fanny modifie" in look(client, "charte-du-collectif").get_data(as_text=True)
