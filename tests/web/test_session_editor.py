"""The editor's session block: bad input answered beside its field with the text kept; templates fill the editor."""

import html
import re

import pytest

from app.extensions import db
from app.wiki.demo import seed_demo

TEXT = "Ce que nous avons vu : <les bases> & la suite.\n\nDeuxième paragraphe."
GOOD = {"event_start": "2031-03-05T19:00", "event_end": "2031-03-05T21:00", "event_place": "Salle B",
        "event_repeat": "", "event_until": "", "event_exceptions": ""}

BAD_INPUTS = [
    ({"event_start": "2031-02-30T19:00"}, "event_start", "Le début n’est pas une date"),
    ({"event_start": "bientôt"}, "event_start", "Le début n’est pas une date"),
    ({"event_start": "", "event_place": "Salle B", "event_end": ""}, "event_start", "a besoin de sa date"),
    ({"event_end": "2031-03-05T25:61"}, "event_end", "La fin n’est pas une date"),
    ({"event_end": "2031-03-05T18:00"}, "event_end", "La fin vient avant le début"),
    ({"event_repeat": "yearly", "event_until": "2031-06-01"}, "event_repeat", "Répétition inconnue"),
    ({"event_repeat": "weekly"}, "event_until", "dernière répétition"),
    ({"event_repeat": "weekly", "event_until": "2031-13-01"}, "event_until", "pas une date valable"),
    ({"event_repeat": "weekly", "event_until": "2031-03-01"}, "event_until", "avant le début"),
    ({"event_repeat": "weekly", "event_until": "2036-03-05"}, "event_until", "au plus 200"),
    ({"event_repeat": "weekly", "event_until": "2031-04-01", "event_exceptions": "le 12 mars"}, "event_exceptions",
     "n’est pas compris"),
    ({"event_repeat": "weekly", "event_until": "2031-04-01", "event_exceptions": "2031-03-13"}, "event_exceptions",
     "pas une date de cette série"),
]


def post(client, url, data, htmx):
    return client.post(url, data=data, headers={"HX-Request": "true", "HX-Target": "editor"} if htmx else {})


def check_refusal(response, field, words):
    assert 400 <= response.status_code < 500
    page = html.unescape(response.get_data(as_text=True))
    assert TEXT in page  # the whole text kept in the editor
    errors = re.search(rf'<p class="field-errors" id="{field}-errors" role="alert">([^<]*)</p>', page)
    assert errors and words in errors.group(1), page[page.find("event-block"):][:3000]
    assert re.search(rf'<details class="event-block" id="event-block"\s+open', page)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(("change", "field", "words"), BAD_INPUTS)
def test_every_bad_session_input_is_a_4xx_beside_its_field_with_the_text_kept(editor, change, field, words, htmx):
    data = {"title": "Atelier", "body": TEXT, **GOOD, **change}
    check_refusal(post(editor, "/wiki/atelier/edit", data, htmx), field, words)  # a new page
    assert editor.get("/wiki/atelier").status_code == 404
    assert editor.post("/wiki/atelier-2/edit", data={"title": "Atelier 2", "body": TEXT, **GOOD}).status_code == 303
    data.update(title="Atelier 2", base_revision="1")
    check_refusal(post(editor, "/wiki/atelier-2/edit", data, htmx), field, words)  # an existing one
    assert "Salle B" in editor.get("/wiki/atelier-2").get_data(as_text=True)


def test_the_editor_shows_the_session_block_with_native_inputs_and_the_saved_values(editor):
    page = editor.get("/wiki/nouvelle/edit").get_data(as_text=True)
    assert "<details" in page and "C’est une séance" in html.unescape(page)
    assert re.search(r'<details class="event-block" id="event-block"\s*>', page)  # closed for an ordinary page
    assert 'type="datetime-local"' in page and 'type="date"' in page and 'name="event_repeat"' in page
    editor.post("/wiki/atelier/edit", data={"title": "Atelier", "body": TEXT, **GOOD})
    page = editor.get("/wiki/atelier/edit").get_data(as_text=True)
    assert 'value="2031-03-05T19:00"' in page and 'value="Salle B"' in page
    assert re.search(r'<details class="event-block" id="event-block"\s+open', page)


def test_tags_editor_and_rename_keep_the_session(editor):
    editor.post("/wiki/atelier/edit", data={"title": "Atelier", "body": TEXT, **GOOD})
    editor.post("/wiki/atelier/tags", data={"tags": "vélo"})
    assert "Salle B" in editor.get("/wiki/atelier").get_data(as_text=True)
    editor.post("/wiki/atelier/rename", data={"title": "Atelier vélo"})
    assert "Salle B" in editor.get("/wiki/atelier-velo").get_data(as_text=True)


TEMPLATES = [
    ("modele-compte-rendu-de-seance", ["## Présents", "## Ce que nous avons vu", "## Décisions",
                                       "## Prochaines étapes"], True),
    ("modele-ordre-du-jour-d-assemblee-generale", ["## Ordre du jour", "Rapport financier"], True),
    ("modele-fiche-outil", ["## À quoi sert cet outil"], False),
    ("modele-fiche-pratique", ["## Étapes"], False),
    ("modele-guide-d-accueil-des-benevoles", ["## Qui fait quoi"], False),
]


@pytest.fixture
def demo(app):
    with app.app_context():
        seed_demo()
        db.session.remove()


def test_templates_are_listed_and_offered_by_new_page(client, editor, demo):
    listing = html.unescape(client.get("/templates").get_data(as_text=True))
    new_page = html.unescape(editor.get("/new").get_data(as_text=True))
    for slug, _headings, _session in TEMPLATES:
        assert f'href="/wiki/{slug}"' in listing
        assert f'name="template" value="{slug}"' in new_page
    assert "Modèle : compte rendu de séance" in listing and "Modèle : fiche outil" in new_page
    assert 'href="/new?template=modele-compte-rendu-de-seance"' in editor.get("/").get_data(as_text=True)


@pytest.mark.parametrize(("slug", "headings", "session"), TEMPLATES)
def test_each_template_fills_the_editor(editor, demo, slug, headings, session):
    response = editor.get(f"/new?title=Ma+page&template={slug}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/wiki/ma-page/edit?title=Ma+page&template={slug}"
    page = html.unescape(editor.get(response.headers["Location"]).get_data(as_text=True))
    body = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert all(h in body for h in headings)
    tags = re.search(r'name="tags"[^>]*value="([^"]*)"', page) or re.search(r'value="([^"]*)"[^>]*name="tags"', page)
    assert "modèle" not in tags.group(1)
    start = re.search(r'name="event_start"[^>]*value="([^"]*)"', page) or \
        re.search(r'value="([^"]*)"[^>]*name="event_start"', page)
    assert bool(start and start.group(1)) == session
    assert bool(re.search(r'<details class="event-block" id="event-block"\s+open', page)) == session


def test_a_page_from_the_session_template_is_a_session_on_the_agenda(client, editor, demo):
    page = html.unescape(editor.get("/wiki/atelier-de-mars/edit?title=Atelier+de+mars"
                                    "&template=modele-compte-rendu-de-seance").get_data(as_text=True))
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)
    tags = re.search(r'name="tags"[^>]*value="([^"]*)"', page).group(1)
    saved = editor.post("/wiki/atelier-de-mars/edit", data={"title": "Atelier de mars", "body": body, "tags": tags,
                                                           **GOOD})
    assert saved.status_code == 303
    assert "Atelier de mars" in client.get("/agenda").get_data(as_text=True)
    assert "Atelier de mars" not in client.get("/templates").get_data(as_text=True)


def test_a_template_the_reader_may_not_see_fills_nothing(client_as, editor):
    facilitator = client_as("facilitator")
    facilitator.post("/wiki/modele-secret/edit", data={"title": "Modèle secret", "body": "Texte interne",
                                                      "tags": "modèle"})
    facilitator.post("/wiki/modele-secret/visibility", data={"visibility": "members"})
    visitor_view = editor.application.test_client().get("/templates").get_data(as_text=True)
    assert "Modèle secret" not in visitor_view
    assert "Modèle secret" in editor.get("/templates").get_data(as_text=True)
    anonymous = editor.application.test_client()
    assert "Texte interne" not in anonymous.get("/wiki/x/edit?template=modele-secret").get_data(as_text=True)
