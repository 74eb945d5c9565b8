"""Who may do what: every role against every action, with and without htmx, and no leaks."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Invitation, Page, Revision, User
from app.wiki import editing, page_settings
from tests.conftest import login_as

ROLES = ("visitor", "volunteer", "facilitator", "admin")


@pytest.fixture
def wiki(app, make_user):
    """A wiki under the default policy with a published page, a pending edit, a protected and a members-only page."""
    app.config.update(WIKI_MODERATION="new_contributors", WIKI_ANONYMOUS_EDITS=False)
    ids = {role: make_user(role.capitalize(), role=role) for role in ROLES[1:]}
    ids["target"] = make_user("Cible", role="volunteer")
    with app.app_context():
        facilitator = db.session.get(User, ids["facilitator"])
        volunteer = db.session.get(User, ids["volunteer"])
        editing.create_page(title="Publique", body="texte publié", author=facilitator)
        pending = editing.create_page(title="En attente", body="version publiée", author=facilitator)
        editing.save_edit(pending, title="En attente", body="texte secret en attente", author=volunteer,
                          base_revision=1)
        protected = editing.create_page(title="Protégée", body="charte", author=facilitator)
        page_settings.set_protection(protected, True, by=facilitator)
        members = editing.create_page(title="Membres", body="réservé aux membres", author=facilitator)
        page_settings.set_visibility(members, "members", by=facilitator)
    return ids


def client_for(app, wiki, role):
    client = app.test_client()
    if role != "visitor":
        login_as(client, wiki[role])
    return client


def edit_data(body="nouveau texte", base="1"):
    return {"title": "Publique", "body": body, "summary": "", "base_revision": base}


# (method, url, data, expected status for visitor, volunteer, facilitator, admin)
MATRIX = {
    "view published": ("GET", "/wiki/publique", None, (200, 200, 200, 200)),
    "view pending": ("GET", "/wiki/en-attente/revisions/2", None, (404, 200, 200, 200)),
    "view members-only": ("GET", "/wiki/membres", None, (404, 200, 200, 200)),
    "edit": ("POST", "/wiki/publique/edit", edit_data(), (403, 303, 303, 303)),
    "edit protected": ("POST", "/wiki/protegee/edit", {**edit_data(), "title": "Protégée"}, (403, 403, 303, 303)),
    "approve": ("POST", "/review/en-attente/approve", {"comment": ""}, (403, 403, 303, 303)),
    "reject": ("POST", "/review/en-attente/reject", {"comment": "non"}, (403, 403, 303, 303)),
    "review queue": ("GET", "/review", None, (302, 403, 200, 200)),
    "invite": ("POST", "/invitations", {"role": "volunteer", "days": "7"}, (403, 403, 201, 201)),
    "manage users": ("POST", "/admin/users/{target}", {"role": "facilitator"}, (403, 403, 403, 303)),
    "delete": ("POST", "/wiki/publique/delete", {}, (403, 403, 303, 303)),
    "protect": ("POST", "/wiki/publique/protect", {"protected": "1"}, (403, 403, 303, 303)),
}


def snapshot(app):
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count(Revision.id))),
                db.session.scalar(sa.select(sa.func.count(Invitation.id))),
                tuple(db.session.execute(sa.select(User.role, User.active).order_by(User.id))),
                tuple(db.session.execute(sa.select(Page.deleted, Page.protected, Page.published_id).order_by(Page.id))))


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
@pytest.mark.parametrize("action", MATRIX)
def test_authorisation_matrix(app, wiki, action, role_index, role, htmx):
    method, url, data, expected = MATRIX[action]
    url = url.format(target=wiki["target"])
    client = client_for(app, wiki, role)
    headers = {"HX-Request": "true"} if htmx else {}
    before = snapshot(app)
    response = client.open(url, method=method, data=data, headers=headers)
    allowed = expected[role_index] < 400
    if allowed and htmx and method == "POST":  # htmx swaps may answer 200 with a fragment instead of a 303
        assert response.status_code < 400, f"{role} {action}: {response.status_code}"
    else:
        assert response.status_code == expected[role_index], f"{role} {action}: {response.status_code}"
    if response.status_code >= 400:
        assert snapshot(app) == before, "a refused request changed the database"


def test_pending_text_never_leaks_to_visitors(app, wiki):
    client = app.test_client()
    for url in ("/wiki/en-attente", "/wiki/en-attente/history", "/recent", "/wiki/", "/",
                "/wiki/en-attente/diff?from=1&to=2", "/wiki/en-attente/revisions/2"):
        assert "texte secret" not in client.get(url).get_data(as_text=True), url
    assert client.get("/wiki/en-attente").status_code == 200
    assert "version publiée" in client.get("/wiki/en-attente").get_data(as_text=True)


def test_members_only_page_never_leaks_to_visitors(app, wiki):
    client = app.test_client()
    for url in ("/wiki/membres", "/wiki/membres/history", "/wiki/membres/revisions/1", "/wiki/membres/links",
                "/recent", "/wiki/", "/"):
        html = client.get(url).get_data(as_text=True)
        assert "réservé aux membres" not in html and 'href="/wiki/membres"' not in html, url
    assert client.get("/wiki/membres/history").status_code == 404


def test_members_see_the_head_with_a_banner(app, wiki):
    html = client_for(app, wiki, "volunteer").get("/wiki/en-attente").get_data(as_text=True)
    assert "texte secret en attente" in html and "banner-pending" in html


def test_visitor_is_sent_to_login_for_the_editor(app, wiki):
    response = app.test_client().get("/wiki/publique/edit")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_revision_of_another_page_is_404(app, wiki):
    client = client_for(app, wiki, "volunteer")
    assert client.get("/wiki/publique/revisions/2").status_code == 404  # only the pending page has a #2


def test_feed_lists_published_public_changes_only(app, wiki):
    feed = app.test_client().get("/feeds/recent.atom")
    text = feed.get_data(as_text=True)
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    assert "<entry>" in text and "Publique" in text
    assert "texte secret" not in text and "Membres" not in text
    import xml.etree.ElementTree as ElementTree

    ElementTree.fromstring(feed.data)  # well-formed


def test_feed_escapes_titles(app, client_as):
    client = client_as("facilitator")
    client.post("/wiki/x/edit", data={"title": "A <b>&</b> </title><script>", "body": "x", "base_revision": ""})
    text = app.test_client().get("/feeds/recent.atom").get_data(as_text=True)
    assert "<script>" not in text and "&lt;b&gt;&amp;&lt;/b&gt;" in text
