"""The stale-save warning (issue 13): an open editor whose page was saved by someone else is told
before pressing Save, sees the other change, and can bring it into its text ("merge into my text")."""

import html
import re

import pytest

from app.extensions import db
from app.wiki import editing, pages
from tests.web.test_presence import HX, beat, key_of

BODY = "Un.\n\nDeux.\n\nTrois."


@pytest.fixture
def page_slug(app):
    with app.app_context():
        return editing.create_page(title="Charte", body=BODY, author_label="test", publish_now=True,
                                   tags="accueil").slug


@pytest.fixture
def ana(client_as):
    return client_as("volunteer", name="Ana", trusted=True)


@pytest.fixture
def basile(client_as):
    return client_as("volunteer", name="Basile", trusted=True)


def save(client, slug, body, base, **fields):
    data = {"title": "Charte", "body": body, "base_revision": str(base), "tags": "accueil", **fields}
    return client.post(f"/wiki/{slug}/edit", data=data, headers=HX)


def merge(client, slug, body, base, **fields):
    data = {"title": "Charte", "body": body, "base_revision": str(base), "tags": "accueil", **fields}
    return client.post(f"/wiki/{slug}/merge", data=data, headers=HX)


def head(app, slug):
    with app.app_context():
        page = pages.find_page(slug)[0]
        db.session.refresh(page)
        return page.head.number, page.head.body, page.head.tags


def textarea(response) -> str:
    found = re.search(r'<textarea[^>]*name="body"[^>]*>\r?\n?(.*?)</textarea>', response.get_data(as_text=True), re.S)
    return html.unescape(found.group(1))


def hidden(response, name) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{name}"',
                     response.get_data(as_text=True)).group(1)


def test_an_up_to_date_editor_is_not_warned(ana, page_slug):
    text = beat(ana, page_slug, base=1).get_data(as_text=True)
    assert "data-stale-warning" not in text


def test_the_editor_is_warned_with_the_other_change_and_a_merge(ana, basile, page_slug):
    key = key_of(beat(ana, page_slug, base=1))
    assert save(basile, page_slug, "Un.\n\nDeux, dit Basile.\n\nTrois.", 1).status_code == 303
    warned = beat(ana, page_slug, key=key, base=1)
    text = warned.get_data(as_text=True)
    assert warned.status_code == 200 and "data-stale-warning" in text
    assert "Cette page a été enregistrée pendant que vous la modifiiez" in text
    assert "Modification enregistrée par Basile" in text and "version 2" in text
    assert 'class="diff"' in text and "Basile" in re.search(r'<table class="diff">.*</table>', text, re.S).group(0)
    assert 'formaction="/wiki/charte/merge"' in text and "Fusionner dans mon texte" in text
    # once the editor builds on the new head, the warning goes
    assert "data-stale-warning" not in beat(ana, page_slug, key=key, base=2).get_data(as_text=True)


def test_several_saves_name_every_author(ana, basile, client_as, page_slug):
    camille = client_as("facilitator", name="Camille")
    save(basile, page_slug, "Un.\n\nDeux, dit Basile.\n\nTrois.", 1)
    save(camille, page_slug, "Un, dit Camille.\n\nDeux, dit Basile.\n\nTrois.", 2)
    text = beat(ana, page_slug, base=1).get_data(as_text=True)
    assert "Modifications enregistrées par Basile, Camille" in text and "version 3" in text


def test_merge_brings_their_change_into_my_text_and_saves_nothing(app, ana, basile, page_slug):
    save(basile, page_slug, "Un.\n\nDeux, dit Basile.\n\nTrois.", 1)
    mine = "Un.\n\nDeux.\n\nTrois, dit Ana."
    merged = merge(ana, page_slug, mine, 1, editor_key="k" * 20)
    assert merged.status_code == 200 and "<html" not in merged.get_data(as_text=True)
    assert textarea(merged) == "Un.\n\nDeux, dit Basile.\n\nTrois, dit Ana."
    assert hidden(merged, "base_revision") == "2"
    assert hidden(merged, "editor_key") == "k" * 20  # the same open editor
    assert "data-conflict" in merged.get_data(as_text=True)  # still unsaved: leaving asks first
    assert "L’autre modification est maintenant dans votre texte" in merged.get_data(as_text=True)
    assert merged.headers["HX-Replace-Url"] == "false"
    assert head(app, page_slug)[0] == 2  # nothing saved
    saved = save(ana, page_slug, textarea(merged), 2)
    assert saved.status_code == 303
    assert head(app, page_slug)[:2] == (3, "Un.\n\nDeux, dit Basile.\n\nTrois, dit Ana.")


def test_merge_works_as_a_plain_form_too(ana, basile, page_slug):
    save(basile, page_slug, "Un.\n\nDeux, dit Basile.\n\nTrois.", 1)
    merged = ana.post(f"/wiki/{page_slug}/merge", data={"title": "Charte", "body": "Un, dit Ana.\n\nDeux.\n\nTrois.",
                                                         "base_revision": "1", "tags": "accueil"})
    assert merged.status_code == 200 and "<html" in merged.get_data(as_text=True)
    assert textarea(merged) == "Un, dit Ana.\n\nDeux, dit Basile.\n\nTrois."


def test_merge_keeps_their_title_and_tags_unless_mine_changed(app, ana, basile, page_slug):
    save(basile, page_slug, BODY, 1, title="Charte du collectif", tags="accueil, charte")
    merged = merge(ana, page_slug, "Un.\n\nDeux.\n\nTrois et quatre.", 1)
    assert hidden(merged, "title") == "Charte du collectif"
    assert hidden(merged, "tags") == "accueil, charte"
    mine = merge(ana, page_slug, BODY + "\n\nQuatre.", 1, title="Ma charte", tags="perso")
    assert hidden(mine, "title") == "Ma charte" and hidden(mine, "tags") == "perso"


def test_merge_of_a_real_conflict_keeps_my_text_and_shows_theirs(app, ana, basile, page_slug):
    save(basile, page_slug, "Un.\n\nDeux, dit Basile.\n\nTrois.", 1)
    mine = "Un.\n\nDeux, dit Ana.\n\nTrois."
    answer = merge(ana, page_slug, mine, 1)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 409 and 'class="conflict"' in text and "data-conflict" in text
    assert textarea(answer) == mine  # nothing lost
    assert "dit Basile" in re.search(r'<table class="diff">.*</table>', text, re.S).group(0)
    assert hidden(answer, "base_revision") == "2"
    assert head(app, page_slug)[0] == 2


def test_merge_with_nothing_new_says_so(ana, page_slug):
    answer = merge(ana, page_slug, "Un.\n\nDeux.\n\nTrois, dit Ana.", 1)
    assert answer.status_code == 200 and "il n’y a rien à fusionner" in answer.get_data(as_text=True)
    assert textarea(answer) == "Un.\n\nDeux.\n\nTrois, dit Ana."


def test_merge_of_one_section_gives_the_whole_page(app, ana, basile, client_as):
    with app.app_context():
        slug = editing.create_page(title="Local", body="Intro.\n\n## Horaires\n\nLe lundi.\n\n## Adresse\n\n12 rue.",
                                   author_label="test", publish_now=True).slug
    basile.post(f"/wiki/{slug}/edit", data={"title": "Local", "base_revision": "1",
                                            "body": "Intro de Basile.\n\n## Horaires\n\nLe lundi.\n\n## Adresse\n\n12 rue."})
    answer = ana.post(f"/wiki/{slug}/merge", data={"title": "Local", "base_revision": "1", "section": "2",
                                                   "body": "## Adresse\n\n14 avenue."}, headers=HX)
    assert answer.status_code == 200
    assert textarea(answer) == "Intro de Basile.\n\n## Horaires\n\nLe lundi.\n\n## Adresse\n\n14 avenue."
    assert 'name="section" type="hidden" value=""' in answer.get_data(as_text=True)


@pytest.mark.parametrize("base, status", [("99", 400), ("abc", 422)])
def test_merge_with_a_bad_base_revision_is_refused_with_the_text_kept(ana, basile, page_slug, base, status):
    save(basile, page_slug, "Un.\n\nDeux, dit Basile.\n\nTrois.", 1)
    answer = ana.post(f"/wiki/{page_slug}/merge", data={"title": "Charte", "body": "Mon texte.", "base_revision": base},
                      headers=HX)
    assert answer.status_code == status and textarea(answer) == "Mon texte."


def test_merge_is_for_those_who_may_edit(app, client, client_as, page_slug):
    assert merge(client, page_slug, "x", 1).status_code == 403
    assert merge(client_as("volunteer", name="Ana"), "nulle-part", "x", 1).status_code == 404
