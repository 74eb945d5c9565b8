"""The following domain without HTTP: who is told of what, the periods, the SMTP settings, the
unsubscribe token, and claims that hand each notification and each mail to one sender only."""

from datetime import datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Follow, Notification, OutgoingMail, User
from app.wiki import editing, following, moderation, notifications, tagging
from app.wiki.accounts import create_user
from app.wiki.mail import batches, queue
from app.wiki.mail.links import unsubscribe_token, user_id_from_token
from app.wiki.mail.settings import parse_smtp_url


def people(*specs):
    return [create_user(name=name, password="motdepasse", role=role, trusted=trusted) for name, role, trusted in specs]


def kinds_for(user):
    return [n.kind for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id))]


def test_followers_hear_of_published_changes_authors_and_reviewers_do_not(ctx):
    fanny, victor, bea = people(("Fanny", "facilitator", False), ("Victor", "volunteer", False), ("Bea", "volunteer", False))
    page = editing.create_page(title="Charte", body="Un.", author=fanny)
    following.follow(bea, page=page)
    editing.save_edit(page, title="Charte", body="Deux.", author=victor, base_revision=1)
    assert kinds_for(bea) == [] and kinds_for(victor) == []  # pending: nobody hears of it
    assert following.is_following(victor, page=page)  # its author follows it now
    moderation.approve(page, reviewer=fanny, comment="ok")
    assert kinds_for(bea) == ["change"] and kinds_for(victor) == ["approved"] and kinds_for(fanny) == []


def test_a_rejection_that_returns_to_the_published_text_is_no_change(ctx):
    fanny, victor, bea = people(("Fanny", "facilitator", False), ("Victor", "volunteer", False), ("Bea", "volunteer", False))
    page = editing.create_page(title="Charte", body="Un.", author=fanny)
    following.follow(bea, page=page)
    editing.save_edit(page, title="Charte", body="Deux.", author=victor, base_revision=1)
    moderation.reject(page, reviewer=fanny, comment="non")
    assert kinds_for(bea) == [] and kinds_for(victor) == ["rejected"]
    assert db.session.scalar(sa.select(Notification.comment).where(Notification.user_id == victor.id)) == "non"


@pytest.mark.parametrize(("period", "now", "start"), [
    ("immediate", datetime(2026, 12, 2, 15, 30), datetime(2026, 12, 2, 15, 30)),
    ("daily", datetime(2026, 12, 2, 15, 30), datetime(2026, 12, 1, 23, 0)),  # midnight in Paris (UTC+1)
    ("weekly", datetime(2026, 12, 2, 15, 30), datetime(2026, 11, 29, 23, 0)),  # Monday 30 November, Paris
    ("daily", datetime(2026, 7, 2, 21, 30), datetime(2026, 7, 1, 22, 0)),  # summer time: 23:30 in Paris
])
def test_periods_start_at_midnight_and_on_monday_in_the_sites_time_zone(ctx, period, now, start):
    assert batches.period_start(period, now) == start


def test_smtp_urls():
    plain = parse_smtp_url("smtp://wiki%40asso:p%40ss@mail.example.org:587", "wiki@example.org")
    assert (plain.host, plain.port, plain.username, plain.password, plain.implicit_tls) == (
        "mail.example.org", 587, "wiki@asso", "p@ss", False)
    tls = parse_smtp_url("smtps://mail.example.org", "Gare <wiki@example.org>")
    assert (tls.port, tls.implicit_tls, tls.username) == (465, True, "")
    assert parse_smtp_url("smtp://127.0.0.1", "a@b").port == 25
    for bad in ("http://mail.example.org", "smtp://", "mail.example.org:25", "smtp://host:port"):
        with pytest.raises(ValueError, match="WIKI_SMTP_URL"):
            parse_smtp_url(bad, "wiki@example.org")
    with pytest.raises(ValueError, match="WIKI_MAIL_FROM"):
        parse_smtp_url("smtp://host", "")


def test_unsubscribe_tokens_are_signed(ctx):
    token = unsubscribe_token(42)
    assert user_id_from_token(token) == 42
    assert user_id_from_token(token[:-2] + "xx") is None and user_id_from_token("nope") is None


def test_a_notification_is_claimed_by_one_run_only(ctx):
    fanny, bea = people(("Fanny", "facilitator", False), ("Bea", "volunteer", False))
    page = editing.create_page(title="Charte", body="Un.", author=fanny)
    following.follow(bea, page=page)
    editing.save_edit(page, title="Charte", body="Deux.", author=fanny, base_revision=1)
    now = datetime(2100, 1, 1)
    first = batches.claim_notifications(bea.id, now, "run-a")
    second = batches.claim_notifications(bea.id, now, "run-b")
    assert len(first) == 1 and second == []


def test_a_queued_mail_is_claimed_by_one_sender_only(ctx):
    db.session.add(OutgoingMail(recipient="a@example.org", subject="s", text_body="t", html_body="h"))
    db.session.commit()
    mail_id = db.session.scalar(sa.select(OutgoingMail.id))
    now = datetime(2100, 1, 1)
    assert queue.claim(mail_id, "sender-a", now) is True
    assert queue.claim(mail_id, "sender-b", now) is False
    assert queue.queued_ids(now) == []


def test_settings_refuse_unknown_values(ctx):
    (bea,) = people(("Bea", "volunteer", False))
    with pytest.raises(notifications.InvalidInput):
        notifications.update_settings(bea, period="monthly", follow_own_edits=True, mail_enabled=True)
    with pytest.raises(notifications.InvalidInput):
        notifications.update_settings(bea, period="daily", follow_own_edits=True, mail_enabled=True, review_digest="daily")
    notifications.update_settings(bea, period="weekly", follow_own_edits=False, mail_enabled=False)
    assert (following.settings_of(bea).period, following.settings_of(bea).mail_enabled) == ("weekly", False)
    assert db.session.get(User, bea.id) is not None


def test_merging_a_tag_keeps_its_followers(ctx):
    fanny, bea, cyril = people(("Fanny", "facilitator", False), ("Bea", "volunteer", False), ("Cyril", "volunteer", False))
    editing.create_page(title="A", body="x", author=fanny, tags="Gouvernance")
    editing.create_page(title="B", body="x", author=fanny, tags="Statuts")
    old, target = tagging.find_tag("gouvernance"), tagging.find_tag("statuts")
    following.follow(bea, tag=old)
    following.follow(cyril, tag=old)
    following.follow(cyril, tag=target)
    merged = tagging.rename_tag(old, "Statuts", by=fanny)
    assert following.is_following(bea, tag=merged) and following.is_following(cyril, tag=merged)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow).where(Follow.tag_id.is_not(None))) == 2
