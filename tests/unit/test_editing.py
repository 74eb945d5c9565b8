"""Domain: pages and revisions, with a real database and no HTTP."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Redirect, Revision, User
from app.wiki import editing, pages
from app.wiki.errors import EditConflict, InvalidInput, NothingChanged, PageExists

BODY = "Ligne un\nLigne deux\nLigne trois\nLigne quatre\nLigne cinq"


def user(name):
    return db.session.scalar(sa.select(User).where(User.name == name))


@pytest.fixture
def people(ctx, make_user):
    make_user("Alice", role="facilitator")
    make_user("Bob", role="facilitator")
    return user("Alice"), user("Bob")


def test_create_edit_edit_gives_three_revisions_with_authors_and_summaries(people):
    alice, bob = people
    page = editing.create_page(title="Écriture collaborative", body=BODY, summary="premier jet", author=alice)
    editing.save_edit(page, title=page.title, body=BODY + "\nLigne six", summary="ajout", author=bob, base_revision=1)
    editing.save_edit(page, title=page.title, body=BODY.replace("deux", "2"), summary="chiffre", author=alice,
                      base_revision=2)
    revisions = pages.history(page)
    assert [r.number for r in revisions] == [3, 2, 1]
    assert [r.author_name for r in revisions] == ["Alice", "Bob", "Alice"]
    assert [r.summary for r in revisions] == ["chiffre", "ajout", "premier jet"]
    assert page.slug == "ecriture-collaborative"
    assert page.published.number == 3


def test_diff_between_first_and_third_shows_removed_and_added(people):
    from app.wiki.diffing import diff_texts

    alice, _bob = people
    page = editing.create_page(title="Diff", body="avant\ncommun", author=alice)
    editing.save_edit(page, title="Diff", body="milieu\ncommun", author=alice, base_revision=1)
    editing.save_edit(page, title="Diff", body="après\ncommun\najout", author=alice, base_revision=2)
    first, third = pages.get_revision(page, 1), pages.get_revision(page, 3)
    diff = diff_texts(first.body, third.body)
    removed = "".join(str(l.html) for l in diff.lines if l.kind == "removed")
    added = "".join(str(l.html) for l in diff.lines if l.kind == "added")
    assert "avant" in removed and "après" in added and "ajout" in added
    assert diff.added == 2 and diff.removed == 1


def test_restore_first_revision_creates_fourth_equal_to_first(people):
    alice, _bob = people
    page = editing.create_page(title="Restaurer", body="v1", author=alice)
    for n, text in ((1, "v2"), (2, "v3")):
        editing.save_edit(page, title="Restaurer", body=text, author=alice, base_revision=n)
    revision = editing.restore_revision(page, 1, author=alice)
    assert revision.number == 4
    assert revision.body == pages.get_revision(page, 1).body == "v1"
    assert page.head.number == 4 and page.published.number == 4
    with pytest.raises(NothingChanged):
        editing.restore_revision(page, 1, author=alice)


def test_stale_save_on_other_lines_merges_cleanly(people):
    alice, bob = people
    page = editing.create_page(title="Fusion", body=BODY, author=alice)
    editing.save_edit(page, title="Fusion", body=BODY.replace("Ligne un", "Ligne UN"), author=alice, base_revision=1)
    result = editing.save_edit(page, title="Fusion", body=BODY.replace("Ligne cinq", "Ligne CINQ"), author=bob,
                               base_revision=1)
    assert result.merged
    assert result.revision.number == 3
    assert result.revision.body == BODY.replace("Ligne un", "Ligne UN").replace("Ligne cinq", "Ligne CINQ")


def test_stale_save_on_same_line_conflicts_keeps_text_and_writes_nothing(people):
    alice, bob = people
    page = editing.create_page(title="Conflit", body=BODY, author=alice)
    editing.save_edit(page, title="Conflit", body=BODY.replace("trois", "TROIS"), author=alice, base_revision=1)
    mine = BODY.replace("trois", "3")
    with pytest.raises(EditConflict) as caught:
        editing.save_edit(page, title="Conflit", body=mine, author=bob, base_revision=1)
    assert caught.value.submitted_body == mine
    assert caught.value.head.number == 2
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Revision.id)).where(Revision.page_id == page.id)) == 2


def test_rename_leaves_redirect_and_delete_undelete_keep_history(people):
    alice, _bob = people
    page = editing.create_page(title="Ancien nom", body="texte", author=alice)
    editing.rename_page(page, title="Nouveau nom", author=alice)
    assert page.slug == "nouveau-nom" and page.title == "Nouveau nom"
    found, redirected = pages.find_page("ancien-nom")
    assert found.id == page.id and redirected
    assert db.session.get(Redirect, "ancien-nom").page_id == page.id
    editing.delete_page(page, author=alice)
    assert page.deleted
    editing.undelete_page(page, author=alice)
    assert not page.deleted and len(pages.history(page)) == 2


def test_rename_back_to_an_old_name_works(people):
    alice, _bob = people
    page = editing.create_page(title="Aller", body="x", author=alice)
    editing.rename_page(page, title="Retour", author=alice)
    editing.rename_page(page, title="Aller", author=alice)
    assert page.slug == "aller"
    assert pages.find_page("retour") == (page, True)


def test_create_refuses_duplicates_and_bad_input(people):
    alice, _bob = people
    editing.create_page(title="Unique", body="x", author=alice)
    with pytest.raises(PageExists):
        editing.create_page(title="unique", body="y", author=alice)
    db.session.rollback()
    for title in ("", "   ", "!!!", "x" * 201):
        with pytest.raises(InvalidInput):
            editing.create_page(title=title, body="x", author=alice)
        db.session.rollback()


def test_body_over_the_limit_is_refused(people, app):
    alice, _bob = people
    app.config["WIKI_MAX_BODY_BYTES"] = 100
    with pytest.raises(InvalidInput):
        editing.create_page(title="Long", body="é" * 60, author=alice)


def test_red_links_turn_blue_when_the_target_is_created(people):
    alice, _bob = people
    page = editing.create_page(title="Source", body="Voir [[Cible]].", author=alice)
    assert "wikilink new" in pages.rendered_html(page.head)
    editing.create_page(title="Cible", body="ici", author=alice)
    db.session.expire_all()
    html = pages.rendered_html(page.head)
    assert 'class="wikilink"' in html and "/wiki/cible" in html
    assert [p.slug for p in pages.backlinks(pages.find_page("cible")[0], member=True)] == ["source"]


def test_links_follow_a_rename_and_turn_red_on_delete(people):
    alice, _bob = people
    source = editing.create_page(title="Source", body="[[Cible]]", author=alice)
    target = editing.create_page(title="Cible", body="ici", author=alice)
    editing.rename_page(target, title="Cible renommée", author=alice)
    assert 'class="wikilink"' in pages.rendered_html(source.head)  # the old name redirects
    editing.delete_page(target, author=alice)
    db.session.expire_all()
    assert "wikilink new" in pages.rendered_html(source.head)
    assert pages.backlinks(target, member=True) == [source]


def test_crlf_and_trailing_whitespace_do_not_make_a_change(people):
    alice, _bob = people
    page = editing.create_page(title="Fins", body="a\nb", author=alice)
    with pytest.raises(NothingChanged):
        editing.save_edit(page, title="Fins", body="a\r\nb\r\n\r\n", author=alice, base_revision=1)
