"""The guided first edit after joining through an invitation (issue 14): the welcome page, its three
steps, the guided editor and its help panel; skipped, or done, it never comes back."""

import re

import pytest

from app.extensions import db
from app.models import User
from app.wiki import accounts, editing, page_settings, pages
from app.wiki.welcome import PRESENTATION_SLUG
from tests.conftest import csrf_token_from, login_as


def invitation_path(app, facilitator_id):
    with app.app_context():
        _invitation, token = accounts.create_invitation(created_by=db.session.get(User, facilitator_id), max_uses=5)
    return f"/join/{token}"


def join(app, path, name="Lou"):
    client = app.test_client()
    response = client.post(path, data={"name": name, "password": "unmotdepasse", "email": ""})
    assert response.status_code == 303
    return client, response


def test_joining_leads_to_the_welcome_and_its_three_steps(app, make_user):
    make_user("Fanny", role="facilitator")
    client, response = join(app, invitation_path(app, make_user("Marie", role="facilitator")))
    assert response.headers["Location"] == "/welcome"
    html = client.get("/welcome").get_data(as_text=True)
    assert re.search(r"<h1>Bienvenue, Lou\s!</h1>", html)
    assert "présentez votre association en trois lignes" in html
    steps = re.search(r'<ol class="welcome-steps">(.*?)</ol>', html, re.S).group(1)
    assert [s in steps for s in ("Modifier", "Écrire", "Enregistrer")] == [True, True, True]
    assert "Fanny" in steps and "Marie" in steps  # who will review it
    link = re.search(r'href="(/wiki/les-associations-du-collectif/edit\?[^"]+)"', html).group(1).replace("&amp;", "&")
    assert "guide=1" in link and "title=Les+associations+du+collectif" in link
    assert 'href="/templates"' in html  # or complete a sheet from a template
    # the guided editor: steps 2 and 3, and the help panel (collapsed)
    editor = client.get(link).get_data(as_text=True)
    assert 'id="editor-guide"' in editor and "Votre première modification" in editor
    assert re.search(r'<details class="editor-help" id="editor-help">', editor)
    assert 'name="title"' in editor and 'value="Les associations du collectif"' in editor


def test_once_done_it_never_comes_back(app, make_user):
    client, _ = join(app, invitation_path(app, make_user("Fanny", role="facilitator")))
    saved = client.post(f"/wiki/{PRESENTATION_SLUG}/edit", data={
        "title": "Les associations du collectif", "body": "Les Jardins partagés : un potager, le samedi.",
        "base_revision": "", "licence": "CC-BY-SA-4.0"})
    assert saved.status_code == 303
    page_html = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "attend la relecture d’un·e animateur·rice (Fanny)" in page_html
    done = client.get("/welcome")
    assert done.status_code == 303 and done.headers["Location"] == "/"
    # the guide is not shown any more in an editor opened without it
    assert 'id="editor-guide"' not in client.get(f"/wiki/{PRESENTATION_SLUG}/edit").get_data(as_text=True)


def test_an_existing_presentation_page_is_edited_not_created(app, make_user):
    with app.app_context():
        editing.create_page(title="Les associations du collectif", body="- Le Relais : aide aux devoirs.",
                            author_label="test", publish_now=True)
    client, _ = join(app, invitation_path(app, make_user("Fanny", role="facilitator")))
    html = client.get("/welcome").get_data(as_text=True)
    assert f'href="/wiki/{PRESENTATION_SLUG}/edit?guide=1"' in html
    editor = client.get(f"/wiki/{PRESENTATION_SLUG}/edit?guide=1").get_data(as_text=True)
    assert "Le Relais : aide aux devoirs." in editor and 'id="editor-guide"' in editor


def test_a_protected_presentation_page_leaves_only_the_templates(app, make_user):
    fanny_id = make_user("Fanny", role="facilitator")
    with app.app_context():
        page = editing.create_page(title="Les associations du collectif", body="Texte.", author_label="test",
                                   publish_now=True)
        page_settings.set_protection(page, True, by=db.session.get(User, fanny_id))
    client, _ = join(app, invitation_path(app, fanny_id))
    html = client.get("/welcome").get_data(as_text=True)
    assert "/edit?guide=1" not in html and 'href="/templates"' in html


def test_skipping_is_remembered(app, make_user):
    client, _ = join(app, invitation_path(app, make_user("Fanny", role="facilitator")))
    skipped = client.post("/welcome/skip")
    assert skipped.status_code == 303 and skipped.headers["Location"] == "/"
    assert "gare_welcome_skipped=1" in skipped.headers["Set-Cookie"]
    assert "HttpOnly" in skipped.headers["Set-Cookie"] and "SameSite=Lax" in skipped.headers["Set-Cookie"]
    again = client.get("/welcome")
    assert again.status_code == 303 and again.headers["Location"] == "/"


def test_visitors_are_asked_to_sign_in(app):
    answer = app.test_client().get("/welcome")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert app.test_client().post("/welcome/skip").status_code == 403


def test_a_facilitator_is_told_their_text_is_published_at_once(app, make_user):
    client = app.test_client()
    login_as(client, make_user("Fanny", role="facilitator"))
    html = client.get("/welcome").get_data(as_text=True)
    assert "Votre texte est publié tout de suite." in html
    editor = client.get("/wiki/essai/edit").get_data(as_text=True)
    assert "vos modifications sont publiées tout de suite" in editor


@pytest.fixture
def csrf_app(app_config):
    """CSRF checked, as in production; set before `app` is built."""
    app_config["WTF_CSRF_ENABLED"] = True


def test_skipping_needs_the_csrf_token(csrf_app, app, make_user):
    client = app.test_client()
    login_as(client, make_user("Lou"))
    assert client.post("/welcome/skip").status_code == 400
    html = client.get("/welcome").get_data(as_text=True)
    skipped = client.post("/welcome/skip", data={"csrf_token": csrf_token_from(html)})
    assert skipped.status_code == 303
    with app.app_context():
        assert pages.find_page(PRESENTATION_SLUG)[0] is None  # nothing was written on the way
