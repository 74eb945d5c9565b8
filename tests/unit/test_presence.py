"""app.wiki.presence and app.wiki.reuse against a real database, without HTTP."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import EditorPresence, utcnow
from app.wiki import editing, presence, reuse
from app.wiki.accounts import create_user
from app.wiki.licensing import Credits
from app.wiki.sessions import Event


@pytest.fixture
def people(ctx):
    return {name: create_user(name=name, password="motdepasse", role=role, trusted=True)
            for name, role in (("Ana", "volunteer"), ("Basile", "volunteer"), ("Fanny", "facilitator"))}


@pytest.fixture
def page(ctx):
    return editing.create_page(title="Charte", body="Un.\n\nDeux.\n\nTrois.", author_label="test", publish_now=True)


def test_a_heartbeat_keeps_its_key_and_its_start(people, page):
    key = presence.heartbeat(page, user=people["Ana"], key=None, base_revision=1)
    started = db.session.scalar(sa.select(EditorPresence.started_at))
    assert presence.heartbeat(page, user=people["Ana"], key=key, base_revision=1) == key
    assert db.session.scalar(sa.select(EditorPresence.started_at)) == started
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EditorPresence)) == 1


def test_a_key_is_its_owners_only(people, page):
    key = presence.heartbeat(page, user=people["Ana"], key=None, base_revision=1)
    assert presence.heartbeat(page, user=people["Basile"], key=key, base_revision=1) != key
    assert presence.heartbeat(page, user=None, key=key, base_revision=1) != key  # nor a visitor's
    presence.leave(page, user=people["Basile"], key=key)
    assert [e.name for e in presence.editors_of(page)] == ["Ana", "Basile", None]


def test_a_malformed_key_is_replaced(people, page):
    key = presence.heartbeat(page, user=people["Ana"], key="court", base_revision=None)
    assert key != "court" and presence.valid_key(key) == key


def test_editors_are_one_per_member_longest_first_and_visitors_each(people, page):
    presence.heartbeat(page, user=people["Basile"], key=None, base_revision=1)
    db.session.execute(sa.update(EditorPresence).values(started_at=utcnow() - timedelta(minutes=4)))
    db.session.commit()
    ana_key = presence.heartbeat(page, user=people["Ana"], key=None, base_revision=1)
    presence.heartbeat(page, user=people["Ana"], key=None, base_revision=1)  # another tab
    presence.heartbeat(page, user=None, key=None, base_revision=1)
    presence.heartbeat(page, user=None, key=None, base_revision=1)
    now = utcnow()
    editors = presence.editors_of(page, now=now)
    assert [(e.name, e.minutes(now)) for e in editors] == [("Basile", 4), ("Ana", 0), (None, 0), (None, 0)]
    assert [e.name for e in presence.editors_of(page, except_user=people["Ana"])] == ["Basile", None, None]
    assert "Ana" in [e.name for e in presence.editors_of(page, except_key=ana_key)]  # her other tab


def test_expired_and_deactivated_editors_count_for_nothing(people, page):
    presence.heartbeat(page, user=people["Ana"], key=None, base_revision=1)
    presence.heartbeat(page, user=people["Basile"], key=None, base_revision=1)
    later = utcnow() + timedelta(seconds=presence.EXPIRY_SECONDS + 1)
    assert presence.editors_of(page, now=later) == []
    people["Basile"].active = False
    db.session.commit()
    assert [e.name for e in presence.editors_of(page)] == ["Ana"]


def test_other_pages_are_not_mixed_in(people, page):
    other = editing.create_page(title="Autre", body="x", author_label="test", publish_now=True)
    presence.heartbeat(other, user=people["Ana"], key=None, base_revision=1)
    assert presence.editors_of(page) == []


def test_changed_since_names_every_author_once_in_order(people, page):
    assert presence.changed_since(page, 1) is None and presence.changed_since(page, None) is None
    for name, body in (("Basile", "Un.\n\nDeux bis."), ("Fanny", "Un bis.\n\nDeux bis."), ("Basile", "Un ter.")):
        editing.save_edit(page, title="Charte", body=body, author=people[name], base_revision=page.head.number)
    stale = presence.changed_since(page, 1)
    assert (stale.base.number, stale.head.number, stale.authors) == (1, 4, ["Basile", "Fanny"])
    assert presence.changed_since(page, 4) is None
    assert presence.changed_since(page, 9) is None  # beyond the head: nothing to say
    assert presence.changed_since(page, 0) is None  # no such revision


def test_the_state_moves_with_what_is_shown(people, page):
    presence.heartbeat(page, user=people["Ana"], key=None, base_revision=1)
    now = utcnow()
    nobody = presence.report_state([], None, now)
    ana = presence.editors_of(page, now=now)
    assert presence.report_state(ana, None, now) != nobody
    assert presence.report_state(ana, None, now + timedelta(minutes=1)) != presence.report_state(ana, None, now)
    assert presence.report_state(ana, None, now + timedelta(seconds=20)) == presence.report_state(ana, None, now)
    editing.save_edit(page, title="Charte", body="Autre.", author=people["Basile"], base_revision=1)
    assert presence.report_state(ana, presence.changed_since(page, 1), now) != presence.report_state(ana, None, now)


def test_merge_draft_writes_nothing_and_keeps_their_session(people, page):
    editing.save_edit(page, title="Charte", body="Un.\n\nDeux, dit Basile.\n\nTrois.", author=people["Basile"],
                      base_revision=1, event=Event(start="2026-12-10T18:00", place="Local"))
    merged = presence.merge_draft(page, base_revision=1, title="Charte", body="Un.\n\nDeux.\n\nTrois, dit Ana.",
                                  tags="", licence=None, event=Event())
    assert merged.clean and merged.body == "Un.\n\nDeux, dit Basile.\n\nTrois, dit Ana."
    assert merged.event == Event(start="2026-12-10T18:00", place="Local")
    assert page.head.number == 2
    mine = presence.merge_draft(page, base_revision=1, title="Charte", body="Un.\n\nDeux, dit Ana.\n\nTrois.",
                                tags="", licence=None, event=Event(start="2026-12-11T10:00"))
    assert not mine.clean and mine.body == "Un.\n\nDeux, dit Ana.\n\nTrois."
    assert mine.event == Event(start="2026-12-11T10:00")


def test_the_attribution_escapes_markdown_and_credits_everyone(ctx):
    assert reuse.md("Jean_Paul *[x](javascript:1)* <b>") == r"Jean\_Paul \*\[x\](javascript:1)\* \<b\>"
    assert reuse.md_url("https://a.example/x (y)") == "https://a.example/x%20%28y%29"
    assert reuse.author_list(Credits(authors=[("Ana", 2), ("Basile", 1)], anonymous_edits=0, imported=[]),
                             "Gare") == "Ana, Basile"
    assert reuse.author_list(Credits(authors=[], anonymous_edits=0, imported=["Lou"]), "Gare") == "Lou"
    assert reuse.author_list(Credits(authors=[], anonymous_edits=0, imported=[]), "Gare") == "les contributeurs de Gare"
    assert "conditions de la licence" in reuse.terms_of("inconnue")
