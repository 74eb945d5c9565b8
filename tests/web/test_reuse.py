""""Réutiliser cette page" (issue 13): ready-to-copy attribution in the licence's terms (title,
every author from the credits, source address, licence and its link, date), as plain text, HTML and
Markdown; an internal page says it is not to be shared; right for cached views too."""

import html
import re
from datetime import timezone
from zoneinfo import ZoneInfo

import html5lib
import pytest
from babel.dates import format_date

from app.extensions import db
from app.models import Licence
from app.models.taxonomy import LICENCES
from app.wiki import editing, pages
from app.wiki.rendering import render_markdown
from tests.conftest import login_as

HX = {"HX-Request": "true"}
SA_URL = "https://creativecommons.org/licenses/by-sa/4.0/deed.fr"


def snippet(text: str, kind: str) -> str:
    found = re.search(rf'<textarea id="reuse-{kind}"[^>]*>(.*?)</textarea>', text, re.S)
    assert found, f"no {kind} attribution"
    return html.unescape(found.group(1)).strip()


def version_date(app, slug) -> str:
    with app.app_context():
        created = pages.find_page(slug)[0].published.created_at
    local = created.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(app.config["WIKI_TIMEZONE"]))
    return format_date(local.date(), "long", locale="fr")


@pytest.fixture
def two_authors(client_as):
    """A page written by Ana and completed by Basile, both published."""
    ana, basile = client_as("volunteer", name="Ana", trusted=True), client_as("volunteer", name="Basile", trusted=True)
    assert ana.post("/wiki/charte/edit", data={"title": "Charte", "body": "Un."}).status_code == 303
    assert basile.post("/wiki/charte/edit", data={"title": "Charte", "body": "Un.\n\nDeux.",
                                                  "base_revision": "1"}).status_code == 303
    return "charte"


def test_the_attribution_names_every_author_and_the_licence_link(app, client, two_authors):
    text = client.get(f"/wiki/{two_authors}").get_data(as_text=True)
    assert "Réutiliser cette page" in text
    date = version_date(app, two_authors)
    plain = snippet(text, "text")
    assert plain == (f"« Charte », par Ana, Basile, Gare centrale, http://localhost/wiki/charte (version du {date}). "
                     f"Licence : Creative Commons Attribution – Partage dans les mêmes conditions 4.0 ({SA_URL})")
    fragment = html5lib.parseFragment(snippet(text, "html"), namespaceHTMLElements=False)
    links = {a.text: (a.get("href"), a.get("rel")) for a in fragment.iter("a")}
    assert links == {"Charte": ("http://localhost/wiki/charte", None),
                     "Creative Commons Attribution – Partage dans les mêmes conditions 4.0": (SA_URL, "license")}
    assert "par Ana, Basile, Gare centrale" in "".join(fragment.itertext()) and date in "".join(fragment.itertext())
    markdown = snippet(text, "markdown")
    assert markdown.startswith("[Charte](http://localhost/wiki/charte), par Ana, Basile, Gare centrale")
    assert f"[Creative Commons Attribution – Partage dans les mêmes conditions 4.0]({SA_URL})" in markdown
    assert "en partageant le résultat sous la même licence" in text  # the licence's terms in plain words
    assert text.count('data-copy="reuse-') == 3  # one copy button each


@pytest.mark.parametrize("code, name, url, shareable", [l for l in LICENCES if l[3]])
def test_each_shareable_licence_gives_its_name_link_and_terms(app, client, client_as, code, name, url, shareable):
    fanny = client_as("facilitator", name="Fanny")
    assert fanny.post("/wiki/fiche/edit", data={"title": "Fiche", "body": "x", "licence": code}).status_code == 303
    text = client.get("/wiki/fiche").get_data(as_text=True)
    assert name in snippet(text, "text") and url in snippet(text, "text")
    assert f"({url})" in snippet(text, "markdown")
    terms = {"CC-BY-SA-4.0": "sous la même licence", "CC-BY-4.0": "en indiquant si vous l’avez modifiée.",
             "CC0-1.0": "Aucune condition", "Etalab-2.0": "la date de sa dernière mise à jour"}
    assert terms[code] in text


def test_an_internal_page_says_it_is_not_to_be_shared(app, client_as):
    fanny = client_as("facilitator", name="Fanny")
    saved = fanny.post("/wiki/compte/edit", data={"title": "Compte", "body": "x", "licence": "internal",
                                                  "licence_confirmed": "y"})
    assert saved.status_code == 303
    text = fanny.get("/wiki/compte").get_data(as_text=True)
    assert "Réutiliser cette page" in text
    assert "Cette page est interne : elle n’est pas à diffuser en dehors du groupe" in text
    assert 'id="reuse-text"' not in text and "data-copy=" not in text


def test_a_page_not_yet_published_has_nothing_to_reuse(client_as):
    ana = client_as("volunteer", name="Ana")  # untrusted: her new page waits for review
    assert ana.post("/wiki/brouillon/edit", data={"title": "Brouillon", "body": "x"}).status_code == 303
    text = ana.get("/wiki/brouillon").get_data(as_text=True)
    assert 'id="reuse"' not in text


def test_the_attribution_is_of_the_published_version(client_as, two_authors):
    victor = client_as("volunteer", name="Victor")  # untrusted: his change is pending
    victor.post(f"/wiki/{two_authors}/edit", data={"title": "Charte révisée", "body": "Trois.", "base_revision": "2"})
    text = victor.get(f"/wiki/{two_authors}").get_data(as_text=True)
    assert "Trois." in text  # he sees his pending head...
    assert snippet(text, "text").startswith("« Charte », par Ana, Basile,")  # ...but reuse is of the published page
    assert "Victor" not in snippet(text, "text")


def test_anonymous_contributors_are_credited_as_such(open_wiki, app, client):
    assert client.post("/wiki/ouvert/edit", data={"title": "Ouvert", "body": "x"}).status_code == 303
    assert "par contributeurs anonymes, Gare centrale" in snippet(client.get("/wiki/ouvert").get_data(as_text=True), "text")


def test_the_in_place_article_has_it_too(client, two_authors):
    text = client.get(f"/wiki/{two_authors}", headers=HX).get_data(as_text=True)
    assert "<html" not in text and "par Ana, Basile" in snippet(text, "text")


def test_cached_views_follow_new_authors(app, client, client_as, two_authors):
    assert "par Ana, Basile," in snippet(client.get(f"/wiki/{two_authors}").get_data(as_text=True), "text")
    assert "par Ana, Basile," in snippet(client.get(f"/wiki/{two_authors}").get_data(as_text=True), "text")  # cached
    camille = client_as("facilitator", name="Camille")
    camille.post(f"/wiki/{two_authors}/edit", data={"title": "Charte", "body": "Un.\n\nDeux.\n\nTrois.",
                                                    "base_revision": "2"})
    assert "par Ana, Basile, Camille," in snippet(client.get(f"/wiki/{two_authors}").get_data(as_text=True), "text")


def test_cached_views_give_each_host_its_own_address(app, two_authors):
    """The source address comes from the request: a view cached for one host never serves another
    (nor can a forged Host header poison what other visitors get)."""
    forged = app.test_client().get(f"/wiki/{two_authors}", base_url="http://evil.example")
    assert "http://evil.example/wiki/charte" in snippet(forged.get_data(as_text=True), "text")
    honest = app.test_client().get(f"/wiki/{two_authors}", base_url="https://wiki.example.org")
    text = honest.get_data(as_text=True)
    assert "https://wiki.example.org/wiki/charte" in snippet(text, "text") and "evil.example" not in text


def test_the_wikis_public_address_is_used_when_set(app_config, app, two_authors):
    app.config["WIKI_BASE_URL"] = "https://wiki.example.org/"
    text = app.test_client().get(f"/wiki/{two_authors}", base_url="http://evil.example").get_data(as_text=True)
    assert "https://wiki.example.org/wiki/charte (version du" in snippet(text, "text")
    assert "evil.example" not in text


def test_hostile_titles_and_names_stay_text_in_every_format(app, client, make_user):
    author = app.test_client()
    login_as(author, make_user('<img src=x onerror=alert(1)>](javascript:alert(1))', role="volunteer", trusted=True))
    title = 'Fiche <script>alert(1)</script> [x](javascript:alert(2))'
    assert author.post("/wiki/fiche/edit", data={"title": title, "body": "x"}).status_code == 303
    slug = "fiche"
    text = client.get(f"/wiki/{slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in text and "<img src=x" not in text
    fragment = html5lib.parseFragment(snippet(text, "html"), namespaceHTMLElements=False)
    assert [e.tag for e in fragment.iter() if isinstance(e.tag, str)] == ["DOCUMENT_FRAGMENT", "a", "a"]
    assert "<img src=x onerror=alert(1)>" in "".join(fragment.itertext())  # shown as text
    with app.app_context():
        rendered = str(render_markdown(snippet(text, "markdown")))
    hrefs = re.findall(r'href="([^"]*)"', rendered)
    assert hrefs == [f"http://localhost/wiki/{slug}", SA_URL] and "javascript" not in "".join(hrefs)
    assert "<img" not in rendered and "<script" not in rendered


def test_a_licence_without_a_link_is_named_without_one(app, client, client_as):
    with app.app_context():
        db.session.add(Licence(code="LO-local", name="Licence locale", url="", shareable=True))
        db.session.commit()
    fanny = client_as("facilitator", name="Fanny")
    assert fanny.post("/wiki/locale/edit", data={"title": "Locale", "body": "x", "licence": "LO-local"}).status_code == 303
    text = client.get("/wiki/locale").get_data(as_text=True)
    assert snippet(text, "text").endswith("Licence : Licence locale")
    assert snippet(text, "markdown").endswith("Licence : Licence locale")
    assert "Respectez les conditions de la licence" in text
