"""What a save through the editor's real form (CSRF on) writes when it is published: who follows and who
hears of it (followers of the page and of the tags the edit gives it, never its authors), the HTML kept
with the revision, what the author is told, and the page found as before (an old name, a deleted page)."""

import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Follow, Notification, Page, Tag, User
from app.wiki.rendering import render_markdown
from tests.conftest import csrf_token_from


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def form_save(client, slug, body, *, tags=None, title=None, expect=303):
    """Open the editor, then send its form as a browser does: every field as it came, the text changed."""
    editor = client.get(f"/wiki/{slug}/edit").get_data(as_text=True)

    def field(name):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', editor)
        return unescape(match.group(1)) if match else ""

    form = {"csrf_token": csrf_token_from(editor), "base_revision": field("base_revision"),
            "title": title or field("title"), "body": body, "summary": "",
            "tags": field("tags") if tags is None else tags, "licence": "CC-BY-SA-4.0"}
    answer = client.post(f"/wiki/{slug}/edit", data=form)
    assert answer.status_code == expect, answer.status_code
    return answer


def user_id(name):
    return db.session.scalar(sa.select(User.id).where(User.name == name))


def user_id_in(app, name):
    with app.app_context():
        return user_id(name)


def notified(app, slug):
    """Names of the members told of a change to the page, one entry per notification."""
    with app.app_context():
        return sorted(db.session.scalars(
            sa.select(User.name).join(Notification, Notification.user_id == User.id)
            .join(Page, Page.id == Notification.page_id).where(Page.slug == slug, Notification.kind == "change")))


def test_followers_of_the_page_and_of_the_tags_an_edit_adds_hear_of_it_its_author_does_not(app, client_as, csrf_on):
    ana = client_as("volunteer", name="Ana", trusted=True)
    form_save(ana, "charte", "Premier texte.", title="Charte")
    form_save(ana, "statuts", "Des statuts.", title="Statuts", tags="Gouvernance")  # the tag exists now
    bea, carl, dora = (client_as("volunteer", name=name) for name in ("Bea", "Carl", "Dora"))
    for client, path in ((bea, "/wiki/charte/follow"), (carl, "/tags/gouvernance/follow")):
        token = csrf_token_from(client.get("/wiki/charte/following").get_data(as_text=True))
        assert client.post(path, data={"csrf_token": token}).status_code == 303
    form_save(ana, "charte", "Deuxième texte.", tags="Gouvernance, Écologie")
    assert notified(app, "charte") == ["Bea", "Carl"]  # Carl by the tag this edit gave the page
    form_save(ana, "charte", "Troisième texte.", tags="Écologie")
    assert notified(app, "charte") == ["Bea", "Bea", "Carl"]  # the page no longer carries Carl's tag
    with app.app_context():
        follows = set(db.session.execute(sa.select(Follow.user_id, Follow.page_id, Follow.tag_id)).all())
        charte = db.session.scalar(sa.select(Page).where(Page.slug == "charte"))
        assert (user_id("Ana"), charte.id, None) in follows  # the author follows what they write
        assert [tag.name for tag in charte.tags] == ["Écologie"]
        assert db.session.scalar(sa.select(Tag.id).where(Tag.slug == "ecologie")) is not None
        assert charte.head.html == str(render_markdown("Troisième texte."))  # the HTML rendered before the lock
        assert charte.published_id == charte.head_id and charte.head.status == "approved"
    assert not any(row[0] == user_id_in(app, "Dora") for row in follows)
    assert "Deuxième" not in dora.get("/notifications").get_data(as_text=True)


def test_a_pending_edit_tells_nobody_and_says_it_waits_for_review(app, client_as, csrf_on):
    ana = client_as("volunteer", name="Ana", trusted=True)
    form_save(ana, "charte", "Premier texte.", title="Charte")
    newcomer = client_as("volunteer", name="Nina")  # not trusted: her edit waits for review
    answer = form_save(newcomer, "charte", "Texte de Nina.")
    shown = newcomer.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Votre modification est enregistrée." in shown and "Votre modification est publiée." not in shown
    assert notified(app, "charte") == []
    with app.app_context():
        page = db.session.scalar(sa.select(Page).where(Page.slug == "charte"))
        assert page.head.status == "pending" and page.published.body == "Premier texte."
        assert db.session.scalar(sa.select(Follow.id).where(Follow.user_id == user_id("Nina"),
                                                            Follow.page_id == page.id)) is not None


def test_a_save_sent_to_an_old_name_or_a_deleted_page_answers_as_before(app, client_as, csrf_on):
    fanny = client_as("facilitator", name="Fanny")
    form_save(fanny, "ancienne", "Un texte.", title="Ancienne")
    token = csrf_token_from(fanny.get("/wiki/ancienne/edit").get_data(as_text=True))
    assert fanny.post("/wiki/ancienne/rename", data={"csrf_token": token, "title": "Nouvelle"}).status_code == 303
    editor = fanny.get("/wiki/nouvelle/edit").get_data(as_text=True)
    moved = fanny.post("/wiki/ancienne/edit", data={"csrf_token": csrf_token_from(editor), "title": "Nouvelle",
                                                     "body": "Changé.", "base_revision": "2"})
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/wiki/nouvelle/edit")
    assert fanny.post("/wiki/nouvelle/delete", data={"csrf_token": csrf_token_from(editor)}).status_code == 303
    gone = fanny.post("/wiki/nouvelle/edit", data={"csrf_token": csrf_token_from(editor), "title": "Nouvelle",
                                                    "body": "Encore.", "base_revision": "2"})
    assert gone.status_code == 404
    with app.app_context():
        page = db.session.scalar(sa.select(Page).where(Page.slug == "nouvelle"))
        assert page.head.body == "Un texte." and page.deleted


def test_a_save_without_its_csrf_token_writes_nothing(app, client_as, csrf_on):
    ana = client_as("volunteer", name="Ana", trusted=True)
    form_save(ana, "charte", "Premier texte.", title="Charte")
    refused = ana.post("/wiki/charte/edit", data={"title": "Charte", "body": "Volé.", "base_revision": "1"})
    assert refused.status_code in (400, 422)
    with app.app_context():
        assert db.session.scalar(sa.select(Page).where(Page.slug == "charte")).head.body == "Premier texte."
