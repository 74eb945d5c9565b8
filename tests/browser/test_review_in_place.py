"""The review queue in a real browser: a verdict replaces its item, without leaving the queue."""

from playwright.sync_api import expect

from app.extensions import db
from app.models import User
from app.wiki import editing, pages
from app.wiki.accounts import create_user, find_user


def pending_edit_by_a_volunteer(live_app, slug: str, body: str) -> None:
    """An untrusted volunteer edits a published page under the production policy: the edit waits."""
    with live_app.app_context():
        volunteer = find_user("Véronique") or create_user(name="Véronique", password="motdepasse")
        page, _redirected = pages.find_page(slug)
        policy = live_app.config["WIKI_MODERATION"]
        live_app.config["WIKI_MODERATION"] = "new_contributors"
        try:
            result = editing.save_edit(page, title=page.head.title, body=body, summary="horaires d'été",
                                       author=db.session.get(User, volunteer.id), base_revision=page.head.number)
        finally:
            live_app.config["WIKI_MODERATION"] = policy
        assert result.revision.status == "pending"


def published_body(live_app, slug: str) -> str:
    with live_app.app_context():
        page, _redirected = pages.find_page(slug)
        db.session.refresh(page)
        return page.published.body


def test_approve_from_the_queue_replaces_the_item_without_a_reload(signed_in, live_server, live_app, make_page,
                                                                   console_problems):
    page = signed_in
    slug = make_page("Horaires du local", "Ouvert le lundi.")
    pending_edit_by_a_volunteer(live_app, slug, "Ouvert le lundi et le jeudi.")
    page.goto(f"{live_server}/review")
    page.evaluate("window.gareMarker = 'still here'")
    item = page.locator(f"#review-{slug}")
    expect(item).to_contain_text("Ouvert le lundi et le jeudi.")
    item.locator("button.button-primary").click()
    expect(item).to_have_class("message message-success")
    expect(item).to_contain_text("Horaires du local")
    expect(item.locator("form")).to_have_count(0)
    assert page.evaluate("window.gareMarker") == "still here"  # no full navigation
    assert page.url == f"{live_server}/review"
    assert published_body(live_app, slug) == "Ouvert le lundi et le jeudi."
    assert console_problems == []


def test_reject_from_the_queue_replaces_the_item_and_keeps_the_published_text(signed_in, live_server, live_app,
                                                                              make_page, console_problems):
    page = signed_in
    slug = make_page("Tarifs", "Adhésion : 10 euros.")
    pending_edit_by_a_volunteer(live_app, slug, "Adhésion : gratuite.")
    page.goto(f"{live_server}/review")
    page.evaluate("window.gareMarker = 'still here'")
    item = page.locator(f"#review-{slug}")
    item.locator("input[name=comment]").fill("Le bureau n'a pas voté cela.")
    item.locator("button.button-danger").click()
    expect(item).to_have_class("message message-success")
    expect(item).to_contain_text("Tarifs")
    assert page.evaluate("window.gareMarker") == "still here"
    assert published_body(live_app, slug) == "Adhésion : 10 euros."
    assert console_problems == []
