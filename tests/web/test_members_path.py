"""The members' path (app/web/members_path.py): a member's stored page view answered before Flask is
Flask's answer byte for byte (but the request id and the CSRF token's value, which still validates),
never stale after an edit through another app instance, never a visitor's or another role's, and
every session, user or page Flask would answer otherwise goes to Flask (test_members_path_refusals.py).
Counts and contents only: speed is measured in bench/, never here."""

import pytest

from app.extensions import db
from app.models import User
from app.web.members_path import TAKEN, MembersPath, Refused
from tests.conftest import csrf_token_from, login_as, reset_database, seed_licences
from tests.web.test_fast_paths import flask_requests, headers_of, save  # noqa: F401  (flask_requests: a fixture)
from tests.web.test_shared_views import another_worker, close, signed_in

ANSWERED = "answered"


def spy_on(app) -> list:
    """What the members' path did with each request: "answered", or why it went to Flask."""
    seen = []
    inner = app.wsgi_app

    def spy(environ, start_response):
        answer = inner(environ, start_response)
        seen.append(environ.get(TAKEN))
        return answer

    app.wsgi_app = spy
    return seen


@pytest.fixture
def taken(app):
    return spy_on(app)


def through_flask(client, url="/wiki/guide", **options):
    """The same request answered by Flask (the members' path standing aside)."""
    original = MembersPath.answer

    def refuse(self, environ):
        raise Refused("standing aside")

    MembersPath.answer = refuse
    try:
        return client.get(url, **options)
    finally:
        MembersPath.answer = original


def without_token(response) -> tuple[bytes, str | None]:
    """The body with its CSRF token (meta tag and forms) taken out, and the token (a fragment may have none)."""
    text = response.get_data(as_text=True)
    if 'name="csrf_token"' not in text:
        return text.encode(), None
    token = csrf_token_from(text)
    return text.replace(token, "TOKEN").encode(), token


def assert_same_answer(fast, slow) -> None:
    assert fast.status == slow.status
    assert without_token(fast)[0] == without_token(slow)[0]
    assert headers_of(fast) == headers_of(slow)
    assert list(dict(fast.headers)) == list(dict(slow.headers))  # the same headers in the same order
    assert fast.headers["X-Request-Id"] != slow.headers["X-Request-Id"]


def stored_twice(client, url="/wiki/guide", **options):
    """A first view (Flask renders and stores), then one from the members' path."""
    client.get(url, **options)
    return client.get(url, **options)


@pytest.mark.parametrize("role", ["volunteer", "facilitator", "admin"])
@pytest.mark.parametrize("variant", [{}, {"HX-Request": "true"}, {"HX-Request": "true", "HX-Boosted": "true"},
                                     {"Accept-Language": "en"}])
def test_a_member_s_answer_before_flask_is_flask_s_answer(app, client_as, editor, taken, flask_requests, role,
                                                          variant):
    save(editor, "guide", "Du **texte** partagé.")
    member = client_as(role, name="Mémé <b>")
    member.get("/wiki/guide", headers=variant)  # Flask renders and stores (and counts what waits for review)
    assert taken[-1] == "not stored"
    reached = len(flask_requests)
    fast = member.get("/wiki/guide", headers=variant)
    assert taken[-1] == ANSWERED and len(flask_requests) == reached
    slow = through_flask(member, headers=variant)
    assert taken[-1] == "standing aside"
    assert_same_answer(fast, slow)
    text = fast.get_data(as_text=True)
    page = variant.get("HX-Request") != "true" or "HX-Boosted" in variant
    assert "<strong>texte</strong>" in text and "Mémé <b>" not in text and ("<html" in text) == page
    assert ('<html lang="en"' in text) == (variant.get("Accept-Language") == "en")
    assert "Set-Cookie" not in fast.headers and "csrf-" not in text and "name-" not in text
    if page:
        assert "Mémé &lt;b&gt;" in text.split("<main", 1)[0] and without_token(fast)[1]


def test_roles_and_languages_get_their_own_views(app, client_as, editor, taken):
    save(editor, "guide", "Du texte.")
    names = ("Vera Vue", "Fiona Fil", "Ada Admin", "Emma English", "Tess Trusted")
    members = [client_as(role, name=name, trusted=name == "Tess Trusted")
               for role, name in zip(("volunteer", "facilitator", "admin", "volunteer", "volunteer"), names)]
    with app.app_context():
        db.session.execute(db.update(User).where(User.name == "Emma English").values(language="en"))
        db.session.commit()
    views = {}
    for name, member in zip(names, members):
        for reason in ("not stored", ANSWERED):  # each its own stored view, not the one before's
            views[name] = member.get("/wiki/guide").get_data(as_text=True)
            assert taken[-1] == reason, name
    assert "Supprimer cette page" in views["Fiona Fil"] and "Supprimer cette page" not in views["Vera Vue"]
    assert '<html lang="en"' in views["Emma English"] and '<html lang="fr"' in views["Vera Vue"]
    emma, vera = members[3], members[0]
    assert '<html lang="en"' in emma.get("/wiki/guide", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert taken[-1] == ANSWERED  # her preference, whatever the browser says
    english = vera.get("/wiki/guide", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en"' in english and "Vera Vue" in english.split("<main", 1)[0]
    assert taken[-1] == ANSWERED  # no preference: the browser's language, so Emma's role's English view
    for name, view in views.items():
        assert name in view.split("<main", 1)[0] and all(
            other not in view.split("<main", 1)[0] for other in views if other != name)


def test_a_token_made_before_flask_is_accepted(app_config, make_user):
    app_config["WTF_CSRF_ENABLED"] = True
    from app import create_app

    app = create_app(app_config)
    try:
        with app.app_context():
            reset_database()
            seed_licences()
        fiona, flora = app.test_client(), app.test_client()
        login_as(fiona, make_user("Fiona", role="facilitator"))
        login_as(flora, make_user("Flora", role="facilitator"))
        form = {"title": "Guide", "body": "Un.", "summary": "", "base_revision": ""}
        token = csrf_token_from(fiona.get("/wiki/guide/edit").get_data(as_text=True))
        assert fiona.post("/wiki/guide/edit", data={**form, "csrf_token": token}).status_code == 303
        taken = spy_on(app)
        for _ in range(2):
            view = flora.get("/wiki/guide")
        assert taken[-1] == ANSWERED
        token = without_token(view)[1]
        assert token != csrf_token_from(fiona.get("/wiki/guide").get_data(as_text=True))
        answer = flora.post("/wiki/guide/protect", data={"protected": "1", "csrf_token": token})
        assert answer.status_code in (200, 303)
        assert flora.post("/wiki/guide/protect", data={"protected": "", "csrf_token": token + "x"}).status_code == 400
    finally:
        close(app)


@pytest.mark.parametrize("machine", ["same-machine", "other-machine"])
def test_a_stored_view_is_never_served_after_an_edit_through_another_instance(app, app_config, client_as, tmp_path,
                                                                              taken, machine):
    fiona = client_as("facilitator", name="Fiona")
    vera = client_as("volunteer", name="Vera")
    save(fiona, "guide", "Version un.")
    folder = app_config["WIKI_INSTANCE_PATH"] if machine == "same-machine" else str(tmp_path / machine)
    other = another_worker(app_config, WIKI_INSTANCE_PATH=folder)
    try:
        remote = signed_in(other, "Fiona")
        for _ in range(2):
            assert "Version un." in vera.get("/wiki/guide").get_data(as_text=True)
        assert taken[-1] == ANSWERED
        save(remote, "guide", "Version deux, ailleurs.", base="1")
        for _ in range(2):  # Flask renders the new state, then the members' path serves it
            view = vera.get("/wiki/guide").get_data(as_text=True)
            assert "Version deux, ailleurs." in view and "Version un." not in view
        assert taken[-2:] == ["not stored", ANSWERED]
        assert remote.post("/wiki/guide/visibility", data={"visibility": "members"}).status_code in (200, 303)
        for _ in range(2):
            assert "Cette page n’est visible que par les membres." in vera.get("/wiki/guide").get_data(as_text=True)
        assert taken[-1] == ANSWERED
    finally:
        close(other)


def test_members_and_visitors_never_get_each_other_s_stored_views(app, client, client_as, taken):
    fiona = client_as("facilitator", name="Fiona")
    save(fiona, "guide", "Du texte.")
    save(fiona, "interne", "SECRET-MEMBERS")
    assert fiona.post("/wiki/interne/visibility", data={"visibility": "members"}).status_code in (200, 303)
    vera = client_as("volunteer", name="Vera")
    for _ in range(2):
        visitor = client.get("/wiki/guide").get_data(as_text=True)  # the visitors' store, filled
    for _ in range(2):
        member = vera.get("/wiki/guide").get_data(as_text=True)
        assert "Vera" in member.split("<main", 1)[0] and 'name="csrf_token"' in member
        secret = vera.get("/wiki/interne")
        assert secret.status_code == 200 and "SECRET-MEMBERS" in secret.get_data(as_text=True)
    assert taken[-1] == ANSWERED
    for _ in range(2):
        again = client.get("/wiki/guide").get_data(as_text=True)
        assert again == visitor and "Vera" not in again.split("<main", 1)[0] and 'name="csrf_token"' not in again
        hidden = client.get("/wiki/interne")
        assert hidden.status_code == 404 and "SECRET-MEMBERS" not in hidden.get_data(as_text=True)
        assert taken[-1] == "no session"


# --- What goes to Flask ---


def session_of(client) -> dict:
    app = client.application
    return app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)


def set_session(client, session: dict) -> None:
    app = client.application
    client.set_cookie("session", app.session_interface.get_signing_serializer(app).dumps(session))


def changed(client, **changes) -> None:
    session = session_of(client)
    for name, value in changes.items():
        if value is None:
            session.pop(name, None)
        else:
            session[name] = value
    set_session(client, session)


@pytest.fixture
def vera(app, client_as, editor):
    """A volunteer whose next view of "guide" would come from the members' path."""
    save(editor, "guide", "Du texte.")
    member = client_as("volunteer", name="Vera")
    stored_twice(member)
    return member
