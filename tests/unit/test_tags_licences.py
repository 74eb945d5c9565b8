"""Tags (normalised, recorded in history, index, rename/merge) and licences (rules, attribution)."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Tag, User
from app.wiki import editing, journal, licensing, moderation, page_settings, pages, tagging
from app.wiki.errors import InvalidInput, PermissionDenied


@pytest.fixture
def people(ctx, make_user):
    for name, role in (("Fanny", "facilitator"), ("Victor", "volunteer"), ("Vera", "volunteer")):
        make_user(name, role=role)
    return {u.name: u for u in db.session.scalars(sa.select(User))}


@pytest.fixture
def trusted(people):
    """The volunteers are trusted: under the default policy their edits are published at once."""
    for person in people.values():
        person.trusted = True
    db.session.commit()


def edit(page, author, **changes):
    head = page.head
    fields = dict(title=head.title, body=head.body, author=author, base_revision=head.number) | changes
    return editing.save_edit(page, **fields).revision


def test_tag_spellings_are_one_tag(people):
    page = editing.create_page(title="Outils", body="x", author=people["Fanny"], tags="Coopération, cooperation ,  COOPÉRATION")
    assert page.head.tags == "Coopération"
    other = editing.create_page(title="Autre", body="y", author=people["Fanny"], tags="COOPÉRATION, Vélo")
    assert other.head.tags == "Coopération, Vélo"  # the existing display form wins
    assert db.session.scalar(sa.select(sa.func.count(Tag.id))) == 2
    assert tagging.tag_key("  Coopération ") == "cooperation"


def test_tag_page_lists_exactly_the_tagged_published_pages(people, app):
    app.config["WIKI_MODERATION"] = "new_contributors"
    tagged = editing.create_page(title="Tagged", body="x", author=people["Fanny"], tags="vélo")
    editing.create_page(title="Untagged", body="x", author=people["Fanny"])
    editing.create_page(title="Pending new", body="x", author=people["Victor"], tags="vélo")
    members = editing.create_page(title="Members", body="x", author=people["Fanny"], tags="vélo")
    page_settings.set_visibility(members, "members", by=people["Fanny"])
    waiting = editing.create_page(title="Waiting tag", body="x", author=people["Fanny"])
    edit(waiting, people["Victor"], tags="vélo")  # pending: not listed until approved
    tag = tagging.find_tag("velo")
    assert [p.slug for p in tagging.pages_with_tag(tag, member=False)] == [tagged.slug]
    assert {p.slug for p in tagging.pages_with_tag(tag, member=True)} == {"tagged", "members"}
    moderation.approve(waiting, reviewer=people["Fanny"])
    assert "waiting-tag" in {p.slug for p in tagging.pages_with_tag(tag, member=False)}
    assert dict((t.slug, n) for t, n in tagging.tag_counts(member=False)) == {"velo": 2}


def test_tag_counts_are_kept_per_wiki_state_and_follow_every_change(people, app):
    """tag_counts is kept per process and wiki state: asked again with nothing changed it sends no
    query, and each change that moves a count (a new tag, an approval, members-only, a deletion, a
    rename or merge) moves the state with it."""
    app.config["WIKI_MODERATION"] = "new_contributors"
    sent = []

    def keep(_conn, _cursor, statement, *_rest):
        sent.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", keep)

    def counts(member=False):
        return {t.slug: n for t, n in tagging.tag_counts(member=member)}

    try:
        page = editing.create_page(title="Vélos", body="x", author=people["Fanny"], tags="vélo")
        other = editing.create_page(title="Ateliers", body="x", author=people["Fanny"], tags="vélo, atelier")
        assert counts() == {"velo": 2, "atelier": 1}
        sent.clear()
        assert counts() == {"velo": 2, "atelier": 1}
        assert not [s for s in sent if "count(page_tags.page_id)" in s]  # kept: only the state was read

        edit(page, people["Victor"], tags="vélo, réparation")  # pending: counts nothing yet
        assert counts() == {"velo": 2, "atelier": 1}
        moderation.approve(page, reviewer=people["Fanny"])
        assert counts() == {"velo": 2, "atelier": 1, "reparation": 1}
        page_settings.set_visibility(other, "members", by=people["Fanny"])
        assert counts() == {"velo": 1, "reparation": 1}
        assert counts(member=True) == {"velo": 2, "atelier": 1, "reparation": 1}
        editing.delete_page(page, author=people["Fanny"])
        assert counts() == {} and counts(member=True) == {"velo": 1, "atelier": 1}
        tagging.rename_tag(tagging.find_tag("atelier"), "vélo", by=people["Fanny"])
        assert counts(member=True) == {"velo": 1}
        assert [(t.name, n) for t, n in tagging.tag_counts(member=True)] == [("vélo", 1)]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)


def test_tag_change_is_a_revision_in_history(people):
    page = editing.create_page(title="Page", body="x", author=people["Fanny"])
    revision = edit(page, people["Fanny"], tags="atelier")
    assert revision.number == 2 and revision.body == "x" and revision.tags == "atelier"
    assert [t.name for t in page.tags] == ["atelier"]


def test_rename_and_merge_tags(people):
    a = editing.create_page(title="A", body="x", author=people["Fanny"], tags="velo")
    b = editing.create_page(title="B", body="x", author=people["Fanny"], tags="bicyclette")
    tagging.rename_tag(tagging.find_tag("velo"), "Vélo", by=people["Fanny"])
    assert [t.name for t in a.tags] == ["Vélo"]
    merged = tagging.rename_tag(tagging.find_tag("bicyclette"), "vélo", by=people["Fanny"])
    assert merged.slug == "velo" and [t.slug for t in b.tags] == ["velo"]
    assert tagging.find_tag("bicyclette") is None
    assert [e.action for e in journal.page_events(b)] == ["tag"]


def test_licence_change_appears_in_history(people, trusted):
    page = editing.create_page(title="Libre", body="x", author=people["Victor"], licence="CC-BY-4.0")
    revision = edit(page, people["Victor"], licence="CC-BY-SA-4.0")
    assert revision.licence_code == "CC-BY-SA-4.0" and page.licence_code == "CC-BY-SA-4.0"
    assert [r.licence_code for r in pages.history(page)] == ["CC-BY-SA-4.0", "CC-BY-4.0"]


def test_share_alike_page_with_other_authors_cannot_be_made_freer_or_internal_by_an_editor(people, trusted):
    page = editing.create_page(title="Commun", body="x", author=people["Victor"])
    edit(page, people["Vera"], body="x et y")
    for code in ("CC-BY-4.0", "CC0-1.0"):
        with pytest.raises(InvalidInput):
            edit(page, people["Victor"], licence=code)
        db.session.rollback()
    with pytest.raises(PermissionDenied):
        edit(page, people["Victor"], licence="internal")
    db.session.rollback()
    with pytest.raises(InvalidInput):  # a facilitator must confirm
        edit(page, people["Fanny"], licence="internal")
    db.session.rollback()
    assert edit(page, people["Fanny"], licence="internal", licence_confirmed=True).licence_code == "internal"


def test_sole_author_may_choose_a_freer_licence(people):
    page = editing.create_page(title="Moi", body="x", author=people["Victor"])
    assert edit(page, people["Victor"], licence="CC0-1.0").licence_code == "CC0-1.0"


def test_attribution_lists_published_contributors_and_groups_anonymous(open_wiki, people, app):
    """Published edits by people and by visitors (an open wiki), then a pending one (the default policy)."""
    page = editing.create_page(title="Crédits", body="1", author=people["Victor"])
    edit(page, people["Vera"], body="2")
    edit(page, people["Victor"], body="3")
    edit(page, None, body="4")
    app.config["WIKI_MODERATION"] = "new_contributors"
    edit(page, people["Vera"], body="5 pending")  # not published: not credited
    credits = licensing.credits(page)
    assert credits.authors == [("Victor", 2), ("Vera", 1)] and credits.anonymous_edits == 1
    assert credits.names == ["Victor", "Vera"]
