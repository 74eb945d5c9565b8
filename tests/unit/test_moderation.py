"""Pending changes, as docs/architecture.md specifies them (modelled on FlaggedRevs)."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User
from app.wiki import editing, journal, moderation, page_settings, pages
from app.wiki.errors import InvalidInput


@pytest.fixture
def people(ctx, make_user):
    ctx.config["WIKI_MODERATION"] = "new_contributors"
    for name, role, trusted in (("Fanny", "facilitator", False), ("Victor", "volunteer", False),
                                ("Tina", "volunteer", True)):
        make_user(name, role=role, trusted=trusted)
    return {u.name: u for u in db.session.scalars(sa.select(User))}


def edit(page, author, body, summary=""):
    return editing.save_edit(page, title=page.head.title, body=body, summary=summary, author=author,
                             base_revision=page.head.number).revision


def test_untrusted_edit_waits_and_approval_publishes(people):
    page = editing.create_page(title="Charte", body="v1", author=people["Fanny"])
    revision = edit(page, people["Victor"], "v2")
    assert revision.status == "pending"
    assert page.published.body == "v1" and page.head.body == "v2"
    assert moderation.has_pending(page)
    moderation.approve(page, reviewer=people["Fanny"], comment="merci")
    assert page.published.body == "v2" and not moderation.has_pending(page)
    assert revision.status == "approved" and revision.reviewer.name == "Fanny"


def test_reject_two_pending_returns_to_published_and_keeps_them(people):
    page = editing.create_page(title="Charte", body="publié", author=people["Fanny"])
    first, second = edit(page, people["Victor"], "essai 1"), None
    second = edit(page, people["Victor"], "essai 2")
    restored = moderation.reject(page, reviewer=people["Fanny"], comment="hors sujet")
    assert page.head.body == "publié" and page.published.id == restored.id
    assert first.status == second.status == "rejected"
    assert first.review_comment == second.review_comment == "hors sujet"
    assert [r.number for r in pages.history(page)] == [4, 3, 2, 1]
    assert [e.action for e in journal.page_events(page)] == ["reject"]


def test_trusted_edit_is_published_at_once(people):
    page = editing.create_page(title="Charte", body="v1", author=people["Fanny"])
    assert edit(page, people["Tina"], "v2").status == "approved"
    assert page.published.body == "v2"


def test_trusted_edit_on_top_of_pending_stays_pending(people):
    page = editing.create_page(title="Charte", body="v1", author=people["Fanny"])
    edit(page, people["Victor"], "v2")
    assert edit(page, people["Tina"], "v3").status == "pending"
    assert page.published.body == "v1"


def test_anonymous_edit_is_pending(people):
    page = editing.create_page(title="Charte", body="v1", author=people["Fanny"])
    assert edit(page, None, "v2").status == "pending"


def test_edit_back_to_published_text_clears_pending(people):
    page = editing.create_page(title="Charte", body="v1", author=people["Fanny"])
    edit(page, people["Victor"], "vandalisme")
    revert = edit(page, people["Victor"], "v1")
    assert not moderation.has_pending(page) and revert.status == "approved"


def test_new_page_by_untrusted_user_is_pending_and_reject_hides_it(people):
    page = editing.create_page(title="Nouvelle", body="texte", author=people["Victor"])
    assert page.published is None and page.head.status == "pending"
    assert [item.page.slug for item in moderation.review_items()] == ["nouvelle"]
    moderation.reject(page, reviewer=people["Fanny"], comment="doublon")
    assert page.deleted and page.head.status == "rejected"


def test_policy_all_reviews_even_trusted_volunteers(people, ctx):
    ctx.config["WIKI_MODERATION"] = "all"
    page = editing.create_page(title="Charte", body="v1", author=people["Fanny"])
    assert edit(page, people["Tina"], "v2").status == "pending"
    assert edit(page, people["Fanny"], "v3").status == "pending"  # builds on a pending base


def test_policy_open_publishes_everyone(people, ctx):
    ctx.config["WIKI_MODERATION"] = "open"
    page = editing.create_page(title="Charte", body="v1", author=people["Victor"])
    assert page.published is not None
    assert edit(page, None, "v2").status == "approved"


def test_queue_is_oldest_first_and_approve_needs_something_pending(people):
    a = editing.create_page(title="A", body="a", author=people["Fanny"])
    b = editing.create_page(title="B", body="b", author=people["Fanny"])
    edit(b, people["Victor"], "b2")
    edit(a, people["Victor"], "a2")
    assert [item.page.slug for item in moderation.review_items()] == ["b", "a"]
    item = moderation.review_items()[0]
    assert item.authors == ["Victor"] and item.diff.added == 1
    moderation.approve(a, reviewer=people["Fanny"])
    with pytest.raises(InvalidInput):
        moderation.approve(a, reviewer=people["Fanny"])


def test_protection_and_visibility_are_logged(people):
    page = editing.create_page(title="Charte", body="v1", author=people["Fanny"])
    page_settings.set_protection(page, True, by=people["Fanny"])
    page_settings.set_visibility(page, "members", by=people["Fanny"])
    assert page.protected and page.visibility == "members"
    assert [e.action for e in journal.page_events(page)] == ["visibility", "protect"]
    with pytest.raises(InvalidInput):
        page_settings.set_visibility(page, "secret", by=people["Fanny"])
