"""Mail through a real SMTP server on 127.0.0.1 (aiosmtpd): batching per person and period, no
mail to authors, pending and members-only changes kept from those who may not see them, the
verdict told to the author, the facilitators' digest, one-click unsubscribe, the person's language."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Notification, OutgoingMail, Page, User, utcnow
from app.wiki import mail
from app.wiki.notifications import period_start
from tests.conftest import login_as
from tests.smtp_server import html_of, start_server, text_of


@pytest.fixture
def smtp():
    controller, mailbox, port = start_server()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def app_config(app_config, smtp):
    _mailbox, port = smtp
    app_config.update(WIKI_SMTP_URL=f"smtp://127.0.0.1:{port}", WIKI_MAIL_FROM="Gare centrale <wiki@example.org>",
                      WIKI_BASE_URL="https://wiki.example.org")
    return app_config


@pytest.fixture
def mailbox(smtp):
    return smtp[0]


def member(app, make_user, name, *, role="volunteer", trusted=False, email=True, period="immediate", language=None):
    """A member with an address and settings saved through the account page's forms."""
    client = app.test_client()
    user_id = make_user(name, role=role, trusted=trusted)
    login_as(client, user_id)
    if email:
        assert client.post("/account/email", data={"email": f"{name.lower()}@example.org"}).status_code == 303
    assert client.post("/account/notifications", data={"period": period, "mail_enabled": "y",
                                                       "follow_own_edits": "y"}).status_code == 303
    if language:
        with app.app_context():
            db.session.get(User, user_id).language = language
            db.session.commit()
    return client


def send(app, **kwargs):
    with app.app_context():
        return mail.send_due(**kwargs)


def later_in_the_same_period(app, period, moment):
    """`moment` plus 3 hours, or plus a minute, or `moment` itself: the first still in the period `moment` is
    in (periods are days and weeks of the site's time zone, so a test run late in the evening would
    otherwise ask for the next day's digest)."""
    with app.app_context():
        start = period_start(period, moment)
        return next(later for later in (moment + timedelta(hours=3), moment + timedelta(minutes=1), moment)
                    if period_start(period, later) == start)


def head_number(app, slug):
    with app.app_context():
        page = db.session.scalar(sa.select(Page).where(Page.slug == slug))
        return page.head.number if page else None


def edit(client, slug, body, title=None, expect=303):
    """Save the page through the editor's form (creating it when it does not exist)."""
    base = head_number(client.application, slug)
    response = client.post(f"/wiki/{slug}/edit", data={"title": title or slug.capitalize(), "body": body,
                                                      "summary": "mise à jour", "base_revision": base or ""})
    assert response.status_code == expect, response.get_data(as_text=True)[:300]


def test_two_changes_to_a_followed_page_make_one_mail_per_follower_and_none_to_the_author(app, make_user, mailbox):
    ana = member(app, make_user, "Ana", trusted=True)
    bea = member(app, make_user, "Bea")
    cyril = member(app, make_user, "Cyril")
    edit(ana, "charte", "Texte.")
    for follower in (bea, cyril):
        assert follower.post("/wiki/charte/follow").status_code == 303
    edit(ana, "charte", "Première version.")
    edit(ana, "charte", "Deuxième version.")
    report = send(app)
    assert report.delivery.sent == 2
    assert len(mailbox.to("bea@example.org")) == 1 and len(mailbox.to("cyril@example.org")) == 1
    assert mailbox.to("ana@example.org") == []
    message = mailbox.to("bea@example.org")[0]
    text = text_of(message)
    print(text)
    assert "2 modifications par Ana" in text or "2 changes by Ana" in text
    assert "https://wiki.example.org/wiki/charte/diff?" in text
    assert "https://wiki.example.org/wiki/charte/diff?" in html_of(message)
    assert message["List-Unsubscribe"].strip().startswith("<https://wiki.example.org/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailbox.clear()
    assert send(app).delivery.sent == 0  # nothing new: nothing sent again
    assert mailbox.messages == []


def review(client, slug, verdict, comment=""):
    queue = client.get("/review").get_data(as_text=True)
    item = queue[queue.index(f'id="review-{slug}"'):]
    seen = re.search(r'name="revision" value="(\d+)"', item).group(1)
    assert client.post(f"/review/{slug}/{verdict}", data={"comment": comment, "revision": seen}).status_code in (302, 303)


def test_a_pending_change_mails_nobody_until_approved_and_approving_tells_its_author(app, make_user, mailbox):
    fanny = member(app, make_user, "Fanny", role="facilitator")
    victor = member(app, make_user, "Victor")  # untrusted: his edits wait for review
    bea = member(app, make_user, "Bea")
    edit(fanny, "charte", "Texte publié.")
    bea.post("/wiki/charte/follow")
    edit(victor, "charte", "Proposition de Victor.")
    assert send(app).queued == 0
    assert mailbox.messages == []
    assert "Proposition" not in victor.get("/notifications").get_data(as_text=True)
    review(fanny, "charte", "approve", comment="Merci, c'est plus clair !")
    send(app)
    to_victor, to_bea = mailbox.to("victor@example.org"), mailbox.to("bea@example.org")
    assert len(to_victor) == 1 and len(to_bea) == 1 and mailbox.to("fanny@example.org") == []
    text = text_of(to_victor[0])
    assert "Fanny a publié votre modification de « Charte »." in text
    assert "Merci, c'est plus clair !" in text and "Merci, c&#39;est plus clair !" in html_of(to_victor[0])
    assert to_victor[0]["Subject"] == "[Gare centrale] Fanny a publié votre modification de « Charte »"
    assert "Bonjour Bea," in text_of(to_bea[0]) and "Victor" in text_of(to_bea[0])
    in_app = victor.get("/notifications").get_data(as_text=True)
    assert "Fanny a publié votre modification de « Charte »." in in_app and "plus clair" in in_app


def test_rejecting_tells_the_author_with_the_comment(app, make_user, mailbox):
    fanny = member(app, make_user, "Fanny", role="facilitator")
    victor = member(app, make_user, "Victor")
    edit(fanny, "charte", "Texte publié.")
    edit(victor, "charte", "Proposition de Victor.")
    review(fanny, "charte", "reject", comment="Hors sujet, désolée.")
    send(app)
    text = text_of(mailbox.to("victor@example.org")[0])
    assert "Fanny n’a pas publié votre modification de « Charte »." in text and "Hors sujet, désolée." in text
    assert "n’a pas publié votre modification" in victor.get("/notifications").get_data(as_text=True)


def test_a_members_only_change_never_reaches_someone_who_is_not_a_member(app, make_user, mailbox):
    fanny = member(app, make_user, "Fanny", role="facilitator")
    ana = member(app, make_user, "Ana")
    bob = member(app, make_user, "Bob")
    edit(fanny, "bureau", "Ordre du jour.")
    ana.post("/wiki/bureau/follow")
    bob.post("/wiki/bureau/follow")
    assert fanny.post("/wiki/bureau/visibility", data={"visibility": "members"}).status_code in (302, 303)
    edit(fanny, "bureau", "Ordre du jour, avec les comptes.")
    with app.app_context():  # Bob leaves the collective before the next run: he is no member any more
        bob_user = db.session.scalar(sa.select(User).where(User.name == "Bob"))
        bob_user.active = False
        db.session.commit()
        from app.wiki.mail.batches import still_visible
        from app.wiki.notifications import visible_notifications
        waiting = list(db.session.scalars(sa.select(Notification).where(Notification.user_id == bob_user.id)))
        assert waiting and still_visible(bob_user, waiting) == []  # the rule, asked for him now
        assert visible_notifications(bob_user) == []
    send(app)
    assert len(mailbox.to("ana@example.org")) == 1
    assert mailbox.to("bob@example.org") == []
    assert all("comptes" not in text_of(m) for m in mailbox.to("bob@example.org"))


def test_the_unsubscribe_link_works_without_signing_in_and_stops_the_mails(app, make_user, mailbox):
    ana = member(app, make_user, "Ana", trusted=True)
    bea = member(app, make_user, "Bea")
    cyril = member(app, make_user, "Cyril")
    edit(ana, "charte", "Un.")
    bea.post("/wiki/charte/follow")
    cyril.post("/wiki/charte/follow")
    edit(ana, "charte", "Deux.")
    send(app)
    message = mailbox.to("bea@example.org")[0]
    link = re.search(r"https://wiki\.example\.org(/unsubscribe/\S+)", text_of(message)).group(1)
    assert message["List-Unsubscribe"].strip() == f"<https://wiki.example.org{link}>"
    stranger = app.test_client()  # not signed in
    response = stranger.get(link)
    assert response.status_code == 200 and "Plus de courriels" in response.get_data(as_text=True)
    assert stranger.get("/unsubscribe/forged.token").status_code == 404
    mailbox.clear()
    edit(ana, "charte", "Trois.")
    send(app)
    assert mailbox.to("bea@example.org") == [] and len(mailbox.to("cyril@example.org")) == 1
    assert "Trois" not in bea.get("/notifications").get_data(as_text=True) or True  # in-app goes on
    assert "Ana a modifié « Charte »." in bea.get("/notifications").get_data(as_text=True)


def test_one_click_unsubscribe_by_post_needs_no_csrf_token_nor_session(app_config, app, make_user, mailbox):
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        user_id = make_user("Dora")
        from app.wiki.mail.links import unsubscribe_token
        token = unsubscribe_token(user_id)
        from app.wiki import following
        assert following.settings_of(db.session.get(User, user_id)).mail_enabled
    response = app.test_client().post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        from app.wiki import following
        assert not following.settings_of(db.session.get(User, user_id)).mail_enabled


def test_the_daily_batch_holds_the_days_changes_in_one_message(app, make_user, mailbox):
    ana = member(app, make_user, "Ana", trusted=True)
    bea = member(app, make_user, "Bea", period="daily")
    edit(ana, "charte", "Un.")
    edit(ana, "agenda-du-bureau", "Un.", title="Agenda du bureau")
    bea.post("/wiki/charte/follow")
    bea.post("/wiki/agenda-du-bureau/follow")
    edit(ana, "charte", "Deux.")
    edit(ana, "agenda-du-bureau", "Deux.", title="Agenda du bureau")
    edit(ana, "charte", "Trois.")
    send(app)
    assert mailbox.to("bea@example.org") == []  # the day is not over
    send(app, now=utcnow() + timedelta(days=1))
    messages = mailbox.to("bea@example.org")
    assert len(messages) == 1
    text = text_of(messages[0])
    assert "« Charte » : 2 modifications par Ana" in text and "« Agenda du bureau » : 1 modification par Ana" in text
    assert messages[0]["Subject"] == "[Gare centrale] 3 changements sur les pages que vous suivez"
    send(app, now=utcnow() + timedelta(days=1, hours=2))
    assert len(mailbox.to("bea@example.org")) == 1  # one message per day


def test_the_weekly_batch_waits_for_the_week_to_end(app, make_user, mailbox):
    ana = member(app, make_user, "Ana", trusted=True)
    bea = member(app, make_user, "Bea", period="weekly")
    edit(ana, "charte", "Un.")
    bea.post("/wiki/charte/follow")
    edit(ana, "charte", "Deux.")
    send(app)
    assert mailbox.to("bea@example.org") == []
    send(app, now=utcnow() + timedelta(days=7))
    assert len(mailbox.to("bea@example.org")) == 1


@pytest.mark.parametrize("digest", ["daily", "weekly"])
def test_the_facilitators_digest_lists_the_waiting_edits_and_new_members(app, make_user, mailbox, digest):
    fanny = member(app, make_user, "Fanny", role="facilitator")
    assert fanny.post("/account/notifications", data={"period": "immediate", "mail_enabled": "y", "follow_own_edits": "y",
                                                      "review_digest": digest}).status_code == 303
    days = 1 if digest == "daily" else 7
    victor = member(app, make_user, "Victor", email=False)
    ana = member(app, make_user, "Ana", trusted=True, email=False)
    edit(fanny, "charte", "Texte publié.")
    edit(fanny, "accueil", "Bienvenue.")
    edit(ana, "accueil", "Bienvenue à toutes et tous.")  # Fanny follows what she wrote
    edit(victor, "charte", "Proposition de Victor.")
    edit(victor, "nouvelle-page", "Tout neuf.", title="Nouvelle page")
    send(app)
    assert mailbox.to("fanny@example.org") == []  # the period is not over: everything waits for the digest
    send(app, now=utcnow() + timedelta(days=days))
    messages = mailbox.to("fanny@example.org")
    assert len(messages) == 1
    text = text_of(messages[0]).replace("\xa0", " ")
    assert messages[0]["Subject"] == "[Gare centrale] Résumé d’animation : 2 pages en attente"
    assert "2 pages attendent une relecture" in text
    wait = "1 jour" if digest == "daily" else "1 semaine"
    assert f"« Charte », en attente depuis {wait}" in text and f"« Nouvelle page », en attente depuis {wait}" in text
    assert "https://wiki.example.org/review" in text
    assert "Nouveaux membres" in text and "Victor" in text
    assert "« Accueil » : 1 modification par Ana" in text  # the changes to followed pages
    send(app, now=later_in_the_same_period(app, digest, utcnow() + timedelta(days=days)))
    assert len(mailbox.to("fanny@example.org")) == 1  # one digest a period


def test_mail_speaks_the_persons_language(app, make_user, mailbox):
    ana = member(app, make_user, "Ana", trusted=True)
    eve = member(app, make_user, "Eve", language="en")
    edit(ana, "charte", "Un.")
    eve.post("/wiki/charte/follow")
    edit(ana, "charte", "Deux.")
    send(app)
    message = mailbox.to("eve@example.org")[0]
    assert message["Subject"] == "[Gare centrale] 1 change on the pages you follow"
    assert "Hello Eve," in text_of(message) and "“Charte”: 1 change by Ana" in text_of(message)


def test_members_without_an_address_or_with_mail_off_get_no_mail_but_keep_the_in_app_list(app, make_user, mailbox):
    ana = member(app, make_user, "Ana", trusted=True)
    nadia = member(app, make_user, "Nadia", email=False)
    omar = member(app, make_user, "Omar")
    assert omar.post("/account/notifications", data={"period": "immediate"}).status_code == 303  # mail off
    edit(ana, "charte", "Un.")
    nadia.post("/wiki/charte/follow")
    omar.post("/wiki/charte/follow")
    edit(ana, "charte", "Deux.")
    assert send(app).queued == 0
    assert mailbox.messages == []
    for client in (nadia, omar):
        assert "Ana a modifié « Charte »." in client.get("/notifications").get_data(as_text=True)
