"""Following over HTTP: the buttons on a page and a tag page (plain forms and htmx), CSRF, who may
follow what, authors following what they write (or not), the account page's list, e-mail address
and every value of every settings field, the notifications list and its header counter, and
`flask --app wsgi user create --email`."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Follow, NotificationSettings, Page, User
from tests.conftest import csrf_token_from, login_as

HTMX = {"HX-Request": "true"}


def save(client, slug, body, title=None, tags=""):
    app = client.application
    with app.app_context():
        page = db.session.scalar(sa.select(Page).where(Page.slug == slug))
        base = page.head.number if page else ""
    response = client.post(f"/wiki/{slug}/edit", data={"title": title or slug.capitalize(), "body": body,
                                                      "summary": "", "base_revision": base, "tags": tags})
    assert response.status_code == 303, response.status_code


def follows_of(app, name):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.name == name))
        rows = db.session.execute(sa.select(Follow.page_id, Follow.tag_id).where(Follow.user_id == user.id)).all()
        return sorted((p, t) for p, t in rows)


def settings_row(app, name):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.name == name))
        row = db.session.get(NotificationSettings, user.id)
        return None if row is None else (row.period, row.follow_own_edits, row.mail_enabled, row.review_digest)


def test_follow_and_unfollow_a_page_with_plain_forms_and_with_htmx(app, client_as, editor):
    save(editor, "charte", "Texte.")
    bea = client_as("volunteer", name="Bea")
    response = bea.post("/wiki/charte/follow")
    assert response.status_code == 303 and response.headers["Location"].endswith("/wiki/charte")
    assert "Vous suivez « Charte »." in bea.get("/wiki/charte").get_data(as_text=True)
    assert len(follows_of(app, "Bea")) == 1
    assert bea.post("/wiki/charte/follow").status_code == 303 and len(follows_of(app, "Bea")) == 1  # once
    fragment = bea.post("/wiki/charte/unfollow", headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and 'id="follow-page"' in body
    assert "Suivre cette page" in body and follows_of(app, "Bea") == []
    fragment = bea.post("/wiki/charte/follow", headers=HTMX).get_data(as_text=True)
    assert "Ne plus suivre" in fragment and 'hx-post="/wiki/charte/unfollow"' in fragment


def test_the_page_loads_its_follow_button_for_members_only(app, client, client_as, editor):
    save(editor, "charte", "Texte.")
    page = editor.get("/wiki/charte").get_data(as_text=True)
    assert 'hx-get="/wiki/charte/following"' in page and 'hx-get="/notifications/count"' in page
    assert "/following" not in client.get("/wiki/charte").get_data(as_text=True)  # visitors: no button
    button = editor.get("/wiki/charte/following", headers=HTMX).get_data(as_text=True)
    assert "Vous suivez cette page." in button  # its author follows it
    assert client.get("/wiki/charte/following").status_code == 302  # sign in first
    assert client.post("/wiki/charte/follow").status_code == 302
    assert editor.get("/wiki/nowhere/following").status_code == 404


def test_follow_and_unfollow_a_tag_from_the_tag_page(app, client_as, editor):
    save(editor, "charte", "Texte.", tags="Gouvernance")
    bea = client_as("volunteer", name="Bea")
    tag_page = bea.get("/tags/gouvernance").get_data(as_text=True)
    assert 'action="/tags/gouvernance/follow"' in tag_page and "Suivre cette étiquette" in tag_page
    assert bea.post("/tags/gouvernance/follow").status_code == 303
    assert "Vous suivez cette étiquette." in bea.get("/tags/gouvernance").get_data(as_text=True)
    account = bea.get("/account").get_data(as_text=True)
    assert 'href="/tags/gouvernance"' in account
    assert bea.post("/tags/gouvernance/unfollow", headers=HTMX).status_code == 200
    assert follows_of(app, "Bea") == []
    assert bea.post("/tags/inconnue/follow").status_code == 404


def test_a_tag_change_reaches_its_followers(app, client_as, editor):
    save(editor, "charte", "Texte.", tags="Gouvernance")
    bea = client_as("volunteer", name="Bea")
    bea.post("/tags/gouvernance/follow")
    save(editor, "statuts", "Nouveaux statuts.", tags="Gouvernance")
    notes = bea.get("/notifications").get_data(as_text=True)
    assert "a modifié « Statuts »." in notes


def test_follow_needs_a_csrf_token(app_config, app, client_as, editor):
    save(editor, "charte", "Texte.")
    app.config["WTF_CSRF_ENABLED"] = True
    bea = client_as("volunteer", name="Bea")
    assert bea.post("/wiki/charte/follow").status_code == 400
    assert bea.post("/account/notifications", data={"period": "weekly"}).status_code == 400
    assert bea.post("/account/email", data={"email": "bea@example.org"}).status_code == 400
    assert follows_of(app, "Bea") == [] and settings_row(app, "Bea") is None
    token = csrf_token_from(bea.get("/wiki/charte/following").get_data(as_text=True))
    assert bea.post("/wiki/charte/follow", data={"csrf_token": token}).status_code == 303
    assert len(follows_of(app, "Bea")) == 1


def test_nobody_follows_a_page_they_may_not_read(app, client_as, editor):
    facilitator = client_as("facilitator", name="Fanny")
    save(facilitator, "bureau", "Entre nous.")
    facilitator.post("/wiki/bureau/delete")
    bea = client_as("volunteer", name="Bea")
    assert bea.post("/wiki/bureau/follow").status_code == 404
    assert bea.post("/wiki/absente/follow").status_code == 404
    assert follows_of(app, "Bea") == []


@pytest.mark.parametrize("follow_own_edits", [True, False])
def test_authors_follow_what_they_create_and_edit_unless_they_turn_it_off(app, client_as, editor, follow_own_edits):
    save(editor, "charte", "Texte.")
    bea = client_as("volunteer", name="Bea", trusted=True)
    data = {"period": "daily", "mail_enabled": "y"} | ({"follow_own_edits": "y"} if follow_own_edits else {})
    assert bea.post("/account/notifications", data=data).status_code == 303
    assert settings_row(app, "Bea") == ("daily", follow_own_edits, True, "")
    save(bea, "charte", "Texte revu par Bea.")
    save(bea, "nouvelle", "Une page de Bea.")
    assert len(follows_of(app, "Bea")) == (2 if follow_own_edits else 0)
    checkbox = 'name="follow_own_edits" value="y" checked' in bea.get("/account").get_data(as_text=True)
    assert checkbox == follow_own_edits


@pytest.mark.parametrize("period", ["immediate", "daily", "weekly"])
@pytest.mark.parametrize("mail_enabled", [True, False])
def test_every_period_and_mail_on_or_off_are_saved_and_shown(app, client_as, period, mail_enabled):
    bea = client_as("volunteer", name="Bea")
    data = {"period": period, "follow_own_edits": "y"} | ({"mail_enabled": "y"} if mail_enabled else {})
    response = bea.post("/account/notifications", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/account")
    assert settings_row(app, "Bea") == (period, True, mail_enabled, "")
    account = bea.get("/account").get_data(as_text=True)
    assert "Vos réglages de notification sont enregistrés." in account
    assert f'name="period" value="{period}" checked' in account
    assert ('name="mail_enabled" value="y" checked' in account) == mail_enabled


@pytest.mark.parametrize("bad", ["hourly", "", "IMMEDIATE"])
def test_an_unknown_period_is_refused_in_french(app, client_as, bad):
    bea = client_as("volunteer", name="Bea")
    response = bea.post("/account/notifications", data={"period": bad})
    assert response.status_code == 400
    assert "Choisissez quand recevoir les courriels" in response.get_data(as_text=True)
    assert settings_row(app, "Bea") is None


@pytest.mark.parametrize("digest", ["", "daily", "weekly"])
def test_facilitators_choose_their_digest(app, client_as, digest):
    fanny = client_as("facilitator", name="Fanny")
    assert 'name="review_digest"' in fanny.get("/account").get_data(as_text=True)
    assert fanny.post("/account/notifications", data={"period": "daily", "review_digest": digest}).status_code == 303
    assert settings_row(app, "Fanny") == ("daily", False, False, digest)
    assert f'<option value="{digest}" selected' in fanny.get("/account").get_data(as_text=True)


@pytest.mark.parametrize("digest", ["daily", "weekly", "monthly"])
def test_the_digest_is_for_facilitators_and_its_values_are_checked(app, client_as, digest):
    bea = client_as("volunteer", name="Bea")
    assert 'name="review_digest"' not in bea.get("/account").get_data(as_text=True)
    response = bea.post("/account/notifications", data={"period": "daily", "review_digest": digest})
    assert response.status_code == 400 and "résumé d’animation" in response.get_data(as_text=True)
    fanny = client_as("facilitator", name="Fanny")
    assert fanny.post("/account/notifications", data={"period": "daily", "review_digest": "monthly"}).status_code == 400


def test_a_member_sets_changes_and_clears_their_email(app, client_as):
    bea = client_as("volunteer", name="Bea")
    assert 'name="email" value=""' in bea.get("/account").get_data(as_text=True)
    assert bea.post("/account/email", data={"email": " bea@example.org "}).status_code == 303
    assert 'value="bea@example.org"' in bea.get("/account").get_data(as_text=True)
    assert bea.post("/account/email", data={"email": "bea@asso.example"}).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(User.email).where(User.name == "Bea")) == "bea@asso.example"
    for bad in ("pas une adresse", "bea@", "@example.org", "a b@example.org", "x" * 250 + "@example.org"):
        response = bea.post("/account/email", data={"email": bad})
        assert response.status_code == 400, bad
        assert "Cette adresse e-mail ne semble pas correcte." in response.get_data(as_text=True)
    assert bea.post("/account/email", data={"email": ""}).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(User.email).where(User.name == "Bea")) is None


def test_the_notifications_list_and_the_header_counter(app, client_as, editor):
    save(editor, "charte", "Un.")
    bea = client_as("volunteer", name="Bea")
    assert "Rien pour l’instant" in bea.get("/notifications").get_data(as_text=True)
    bea.post("/wiki/charte/follow")
    save(editor, "charte", "Deux.")
    save(editor, "charte", "Trois.")
    counter = bea.get("/notifications/count", headers=HTMX).get_data(as_text=True)
    assert 'id="notification-count"' in counter and ">2</span>" in counter
    listing = bea.get("/notifications").get_data(as_text=True)
    assert "2 changements sur les pages que vous suivez" in listing
    assert listing.count("a modifié « Charte ».") == 2 and "/wiki/charte/diff?" in listing
    assert bea.post("/notifications/read").status_code == 303
    assert ">2</span>" not in bea.get("/notifications/count").get_data(as_text=True)
    assert "changements sur les pages" not in bea.get("/notifications").get_data(as_text=True)


def test_user_create_with_email(app, runner):
    result = runner.invoke(args=["user", "create", "Marie", "--role", "facilitator", "--password", "motdepasse",
                                 "--email", "marie@example.org"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.name == "Marie"))
        assert (user.role, user.email) == ("facilitator", "marie@example.org")
    result = runner.invoke(args=["user", "create", "Paul", "--password", "motdepasse", "--email", "paul-at-example"])
    assert result.exit_code != 0 and "Cette adresse e-mail ne semble pas correcte." in result.output
    result = runner.invoke(args=["user", "create", "Lou", "--password", "motdepasse"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(User.email).where(User.name == "Lou")) is None


def test_stop_following_from_the_account_page(app, client_as, editor):
    save(editor, "charte", "Texte.", tags="Gouvernance")
    bea = client_as("volunteer", name="Bea")
    bea.post("/wiki/charte/follow")
    bea.post("/tags/gouvernance/follow")
    account = bea.get("/account").get_data(as_text=True)
    assert 'action="/wiki/charte/unfollow"' in account and 'action="/tags/gouvernance/unfollow"' in account
    for url in ("/wiki/charte/unfollow", "/tags/gouvernance/unfollow"):
        response = bea.post(url, data={"back": "account"})
        assert response.status_code == 303 and response.headers["Location"].endswith("/account")
    assert follows_of(app, "Bea") == []
    assert "Vous ne suivez rien pour l’instant." in bea.get("/account").get_data(as_text=True)


def test_notify_send_names_a_setting_that_cannot_work(app, runner):
    app.config.update(WIKI_SMTP_URL="smtp://mail.example.org:port", WIKI_MAIL_FROM="wiki@example.org")
    result = runner.invoke(args=["notify", "send"])
    assert result.exit_code == 1 and "WIKI_SMTP_URL has a port that is not a number" in result.output
