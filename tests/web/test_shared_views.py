"""Members' page views shared by role on the machine's store (app.pages.view_cache), and the visitors'
agenda on the fast path (app.web.fast_path): never another reader's answer, never stale after an edit
through another app instance (another worker of the machine, or another machine), never stale when a
session is created or passes into the past, the same headers as an uncached answer. Contents and
counts only: speed is measured in bench/, never here."""

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from flask import template_rendered

from app import create_app
from app.extensions import db
from app.models import User
from app.wiki import sessions
from tests.conftest import csrf_token_from, login_as
from tests.web.test_fast_paths import flask_requests, headers_of, save  # noqa: F401  (flask_requests: a fixture)

MEMBER_ONLY_HEADERS = {"Set-Cookie"}  # a member's answer may refresh the session cookie


@pytest.fixture
def rendered(app):
    """How many templates Flask rendered (a stored view renders none)."""
    seen = []

    def record(sender, template, **extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def drop_process_cache(app) -> None:
    """Forget this worker's in-memory views: what is found next comes from the machine's store."""
    app.extensions.get("gare_caches", {}).get("rendered_pages", {}) and app.extensions["gare_caches"][
        "rendered_pages"].clear()


def another_worker(app_config, **changes):
    """A second app on the same database: the same instance folder is another worker of this machine,
    another folder another machine."""
    return create_app({**app_config, **changes})


def signed_in(app, name: str):
    client = app.test_client()
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.name == name))
    login_as(client, user_id)
    return client


def close(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_members_of_one_role_share_a_view_each_with_their_own_name_and_token(app, client_as, rendered):
    fiona = client_as("facilitator", name="Fiona")
    save(fiona, "guide", "Du texte partagé.")
    first = fiona.get("/wiki/guide").get_data(as_text=True)
    drop_process_cache(app)
    odile = client_as("facilitator", name='Odile <b>"&</b>')
    before = len(rendered)
    second = odile.get("/wiki/guide").get_data(as_text=True)
    assert len(rendered) == before  # from the machine's store, rendered for Fiona
    assert "Du texte partagé." in second and "Fiona" not in second.split("<main", 1)[0]
    assert "Odile &lt;b&gt;&#34;&amp;&lt;/b&gt;" in second and 'Odile <b>"&' not in second
    assert csrf_token_from(second) != csrf_token_from(first)
    assert "csrf-" not in csrf_token_from(second) and "name-" not in second.split("<main", 1)[0]
    assert "Fiona" in fiona.get("/wiki/guide").get_data(as_text=True).split("<main", 1)[0]


def test_a_stored_member_token_is_the_member_s_own_and_accepted(app_config, make_user):
    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    try:
        with app.app_context():
            from tests.conftest import reset_database, seed_licences

            reset_database()
            seed_licences()
        first, second = app.test_client(), app.test_client()
        login_as(first, make_user("Fiona", role="facilitator"))
        login_as(second, make_user("Flora", role="facilitator"))
        form = {"title": "Guide", "body": "Un.", "summary": "", "base_revision": ""}
        token = csrf_token_from(first.get("/wiki/guide/edit").get_data(as_text=True))
        assert first.post("/wiki/guide/edit", data={**form, "csrf_token": token}).status_code == 303
        first.get("/wiki/guide"), first.get("/wiki/guide")
        drop_process_cache(app)
        view = second.get("/wiki/guide").get_data(as_text=True)  # Fiona's stored view, Flora's token
        answer = second.post("/wiki/guide/protect", data={"protected": "1", "csrf_token": csrf_token_from(view)})
        assert answer.status_code in (200, 303)
    finally:
        close(app)


def test_roles_never_share_and_visitors_never_get_a_member_s_view(app, client, client_as, flask_requests):
    fiona = client_as("facilitator", name="Fiona")
    vera = client_as("volunteer", name="Vera")
    save(fiona, "guide", "Du texte.")
    save(fiona, "interne", "SECRET-MEMBERS")
    assert fiona.post("/wiki/interne/visibility", data={"visibility": "members"}).status_code in (200, 303)
    for _ in range(2):
        facilitator_view = fiona.get("/wiki/guide").get_data(as_text=True)
        volunteer_view = vera.get("/wiki/guide").get_data(as_text=True)
        assert "Supprimer cette page" in facilitator_view and "Supprimer cette page" not in volunteer_view
        assert "SECRET-MEMBERS" in fiona.get("/wiki/interne").get_data(as_text=True)
        assert "SECRET-MEMBERS" in vera.get("/wiki/interne").get_data(as_text=True)
    for _ in range(2):  # the miss and the hit of the visitors' store
        visitor = client.get("/wiki/guide")
        text = visitor.get_data(as_text=True)
        header = text.split("<main", 1)[0]  # (Fiona wrote the page: her name is in its credits)
        assert "Fiona" not in header and "Vera" not in header and 'name="csrf_token"' not in text
        assert "Set-Cookie" not in visitor.headers and "Supprimer cette page" not in text
        hidden = client.get("/wiki/interne")
        assert hidden.status_code == 404 and "SECRET-MEMBERS" not in hidden.get_data(as_text=True)
    member_view = vera.get("/wiki/guide").get_data(as_text=True)  # never the visitors' stored answer
    assert "Vera" in member_view.split("<main", 1)[0] and 'name="csrf_token"' in member_view


def test_a_pending_head_stays_its_author_s_own(app, client, client_as):
    fiona = client_as("facilitator", name="Fiona")
    save(fiona, "guide", "Version publiée.")
    nina = client_as("volunteer", name="Nina")
    save(nina, "guide", "Proposition SECRET-PENDING.", base="1")
    own = nina.get("/wiki/guide").get_data(as_text=True)
    assert "Retirer ma modification" in own and "SECRET-PENDING" in own
    drop_process_cache(app)
    other = client_as("volunteer", name="Noé").get("/wiki/guide").get_data(as_text=True)
    assert "SECRET-PENDING" in other and "Retirer ma modification" not in other and "Nina" not in other.split(
        "<main", 1)[0]
    for _ in range(2):
        assert "SECRET-PENDING" not in client.get("/wiki/guide").get_data(as_text=True)


@pytest.mark.parametrize("machine", ["same-machine", "other-machine"])
def test_a_member_s_stored_view_follows_an_edit_made_through_another_app_instance(app, app_config, client_as,
                                                                                   tmp_path, machine):
    fiona = client_as("facilitator", name="Fiona")
    save(fiona, "guide", "Version un.")
    folder = app_config["WIKI_INSTANCE_PATH"] if machine == "same-machine" else str(tmp_path / machine)
    other = another_worker(app_config, WIKI_INSTANCE_PATH=folder)
    try:
        remote = signed_in(other, "Fiona")
        for _ in range(2):
            assert "Version un." in fiona.get("/wiki/guide").get_data(as_text=True)
            assert "Version un." in remote.get("/wiki/guide").get_data(as_text=True)
        save(remote, "guide", "Version deux, ailleurs.", base="1")
        view = fiona.get("/wiki/guide").get_data(as_text=True)
        assert "Version deux, ailleurs." in view and "Version un." not in view
        save(fiona, "guide", "Version trois, ici.", base="2")
        assert "Version trois, ici." in remote.get("/wiki/guide").get_data(as_text=True)
        assert remote.post("/wiki/guide/visibility", data={"visibility": "members"}).status_code in (200, 303)
        assert "Cette page n’est visible que par les membres." in fiona.get("/wiki/guide").get_data(as_text=True)
    finally:
        close(other)


def test_a_link_turning_blue_shows_in_a_member_s_stored_view(app, app_config, client_as):
    """A revision kept without HTML is rendered once per machine; creating its link's target moves the
    page's render_version, so the stored Markdown and the stored view are both left behind."""
    fiona = client_as("facilitator", name="Fiona")
    save(fiona, "guide", "Voir [[Annexe]].")
    with app.app_context():
        from app.models import Revision

        db.session.execute(db.update(Revision).values(html=None))  # as an import or a dropped copy leaves it
        db.session.commit()
    for _ in range(2):
        drop_process_cache(app)
        assert 'class="wikilink new"' in prose(fiona.get("/wiki/guide"))
    save(fiona, "annexe", "L'annexe.")
    drop_process_cache(app)
    blue = prose(fiona.get("/wiki/guide"))
    assert 'class="wikilink"' in blue and 'href="/wiki/annexe"' in blue and "wikilink new" not in blue


def prose(response) -> str:
    return response.get_data(as_text=True).split('class="prose"', 1)[1].split("</div>", 1)[0]


def test_a_member_s_stored_view_carries_the_same_headers_as_an_uncached_one(app, client_as):
    fiona = client_as("facilitator", name="Fiona")
    save(fiona, "guide", "Du texte.")
    drop_process_cache(app)
    uncached = fiona.get("/wiki/guide")
    from_memory = fiona.get("/wiki/guide")
    drop_process_cache(app)
    from_store = fiona.get("/wiki/guide")
    assert uncached.data == from_memory.data == from_store.data
    expected = {k: v for k, v in headers_of(uncached).items() if k not in MEMBER_ONLY_HEADERS}
    for answer in (from_memory, from_store):
        assert {k: v for k, v in headers_of(answer).items() if k not in MEMBER_ONLY_HEADERS} == expected
    assert fiona.get("/wiki/guide", headers={"If-None-Match": from_store.headers["ETag"]}).status_code == 304


# --- The agenda ---


@contextmanager
def now_at(monkeypatch, moment: datetime):
    """The wiki's clock (the fast path's key and the agenda's "now") set to `moment` (in the site's zone)."""
    with monkeypatch.context() as patch:
        patch.setattr("app.web.fast_path.utcnow", lambda: moment.astimezone(timezone.utc).replace(tzinfo=None))
        patch.setattr("app.wiki.agenda.now_here", lambda: moment)
        yield


def site_zone(app):
    with app.app_context():
        return sessions.site_zone()


def save_session(client, title, start: datetime, end: datetime):
    from tests.web.test_agenda import save_session as through_editor

    assert through_editor(client, title, start, end=end).status_code == 303


def upcoming_and_past(client) -> tuple[str, str]:
    agenda = client.get("/agenda").get_data(as_text=True)
    return tuple(agenda.split('id="past-title"'))


def test_a_visitor_s_agenda_is_stored_and_follows_a_new_session_at_once(app, client, editor, flask_requests):
    start = datetime.now(site_zone(app)).replace(second=0, microsecond=0) + timedelta(days=3)
    save_session(editor, "Atelier un", start, start + timedelta(hours=2))
    first = client.get("/agenda")
    reached = len(flask_requests)
    again = client.get("/agenda")
    assert len(flask_requests) == reached and again.data == first.data  # answered before Flask
    assert headers_of(again) == headers_of(first) and "Set-Cookie" not in again.headers
    save_session(editor, "Atelier deux", start + timedelta(days=1), start + timedelta(days=1, hours=2))
    upcoming, _past = upcoming_and_past(client)
    assert "Atelier un" in upcoming and "Atelier deux" in upcoming


def test_a_stored_agenda_and_portal_move_a_session_into_the_past_within_its_minute(app, client, editor, monkeypatch):
    zone = site_zone(app)
    base = datetime.now(zone).replace(minute=5, second=0, microsecond=0) + timedelta(days=2)
    start, end = base + timedelta(minutes=5), base + timedelta(minutes=35)  # all within one hour
    save_session(editor, "Atelier bref", start, end)
    with now_at(monkeypatch, base):
        for _ in range(2):  # the miss and the hit
            upcoming, past = upcoming_and_past(client)
            assert "Atelier bref" in upcoming and "Atelier bref" not in past
            assert "Atelier bref" in next_sessions(client)
    with now_at(monkeypatch, end - timedelta(seconds=30)):
        assert "Atelier bref" in upcoming_and_past(client)[0]
    with now_at(monkeypatch, end + timedelta(seconds=1)):  # the same hour, the next minute
        for _ in range(2):
            upcoming, past = upcoming_and_past(client)
            assert "Atelier bref" not in upcoming and "Atelier bref" in past
            assert "Atelier bref" not in next_sessions(client)


def next_sessions(client) -> str:
    """The portal's "next sessions" box."""
    return client.get("/").get_data(as_text=True).split('id="sessions-title"')[1].split("</aside>")[0]


def test_a_facilitator_s_stored_view_counts_what_waits_for_review_at_once(app, client_as):
    """The review count in the header is part of the key, counted once per wiki state (view_cache.review_count)."""
    fiona = client_as("facilitator", name="Fiona")
    save(fiona, "guide", "Du texte.")
    save(fiona, "autre", "Une autre page.")

    def waiting() -> str:
        header = fiona.get("/wiki/guide").get_data(as_text=True).split("<main", 1)[0]
        return header.split('href="/review"', 1)[1].split("</a>", 1)[0]

    for _ in range(2):
        assert 'class="count"' not in waiting()
    nina = client_as("volunteer", name="Nina")
    save(nina, "autre", "Une proposition.", base="1")
    for _ in range(2):
        assert ">1</span>" in waiting()
    assert nina.post("/wiki/autre/withdraw").status_code in (200, 303)
    for _ in range(2):
        assert 'class="count"' not in waiting()


def test_a_session_page_turns_past_within_the_hour_and_other_pages_keep_their_stored_view(
        app, client, editor, monkeypatch, flask_requests):
    zone = site_zone(app)
    base = datetime.now(zone).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    save_session(editor, "Atelier bref", base + timedelta(minutes=10), base + timedelta(minutes=40))
    save(editor, "guide", "Pas une séance.")
    fiona = editor
    with now_at(monkeypatch, base):
        for _ in range(2):
            for reader in (client, fiona):
                assert "Séance :" in reader.get("/wiki/atelier-bref").get_data(as_text=True)
                reader.get("/wiki/guide")
    with now_at(monkeypatch, base + timedelta(hours=1, minutes=1)):
        for reader in (client, fiona):
            assert "Cette séance a eu lieu :" in reader.get("/wiki/atelier-bref").get_data(as_text=True)
        reached = len(flask_requests)
        assert "Pas une séance." in client.get("/wiki/guide").get_data(as_text=True)
        assert len(flask_requests) == reached  # still the visitors' stored answer: nothing in it depends on the time
