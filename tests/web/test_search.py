"""Search over HTTP: the results page and its fragment, suggestions, the header box, and no 500 ever."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.wiki import editing, page_settings, search
from tests.unit.test_search import HOSTILE, HOSTILE_BODIES, publish_raw

ENGLISH = {"Accept-Language": "en"}  # the messages checked below are the English ones


@pytest.fixture
def wiki(app):
    with app.app_context():
        editing.create_page(title="La coopération", body="Les associations du quartier coopèrent.", publish_now=True)
        editing.create_page(title="Budget associatif", body="Le budget et les subventions.", publish_now=True)
        members = editing.create_page(title="Réunion interne", body="Compte rendu confidentiel.", publish_now=True)
        page_settings.set_visibility(members, "members", by=None)
    return app


@pytest.fixture
def many(wiki):
    with wiki.app_context():
        for n in range(23):
            editing.create_page(title=f"Fiche statuts {n}", body="Modèle de statuts.", publish_now=True)
    return wiki


def test_results_page_lists_hits_with_links_excerpts_and_dates(client, wiki):
    response = client.get("/search?q=cooperation")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    assert 'href="/wiki/la-cooperation"' in html and "La coopération" in html
    assert "<time datetime=" in html
    associatif = client.get("/search?q=associatif").get_data(as_text=True)
    assert "<mark>associations</mark>" in associatif and 'href="/wiki/budget-associatif"' in associatif


def test_htmx_gets_the_results_fragment_only(client, wiki):
    response = client.get("/search?q=budget", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.strip().startswith('<section id="search-results"')
    assert "HX-Request" in response.headers["Vary"]


def test_results_are_paginated(client, many):
    first = client.get("/search?q=statuts").get_data(as_text=True)
    assert first.count('class="search-hit"') == 20 and "23" in first
    assert 'href="/search?q=statuts&amp;page=2"' in first
    second = client.get("/search?q=statuts&page=2").get_data(as_text=True)
    assert second.count('class="search-hit"') == 3
    assert client.get("/search?q=statuts&page=999").status_code == 200
    assert client.get("/search?q=statuts&page=-4").status_code == 200


def test_did_you_mean_links_to_the_corrected_search(client, wiki):
    html = client.get("/search?q=subventoins").get_data(as_text=True)
    assert 'href="/search?q=subventions"' in html


def test_empty_result_proposes_to_create_the_page(app, wiki, client_as):
    html = client_as("volunteer").get("/search?q=Fête des voisins").get_data(as_text=True)
    assert 'href="/wiki/fete-des-voisins/edit?title=F%C3%AAte+des+voisins"' in html


def test_no_creation_proposal_for_who_cannot_create(app, wiki, client):
    app.config["WIKI_ANONYMOUS_EDITS"] = False
    html = client.get("/search?q=Fête des voisins", headers=ENGLISH).get_data(as_text=True)
    assert "/wiki/fete-des-voisins/edit" not in html and "No page matches" in html


def test_members_only_pages_are_found_by_members_only(wiki, client, client_as):
    assert "reunion-interne" not in client.get("/search?q=confidentiel").get_data(as_text=True)
    assert "reunion-interne" not in client.get("/search/suggest?q=réunion").get_data(as_text=True)
    member = client_as("volunteer")
    assert 'href="/wiki/reunion-interne"' in member.get("/search?q=confidentiel").get_data(as_text=True)
    assert 'href="/wiki/reunion-interne"' in member.get("/search/suggest?q=réunion").get_data(as_text=True)


def test_a_bad_query_is_a_400_with_a_clear_message(client, wiki):
    response = client.get("/search?q=" + "mot " * 200, headers=ENGLISH)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "too long" in html and 'id="search-results"' in html


def test_suggest_returns_a_small_fragment_of_title_matches(client, wiki):
    response = client.get("/search/suggest?q=coop")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.strip().startswith('<div id="search-suggestions">') and html.count('id="') == 1
    assert 'href="/wiki/la-cooperation"' in html
    empty = client.get("/search/suggest?q=").get_data(as_text=True)
    assert 'id="search-suggestions"' in empty and "<li>" not in empty


def test_every_page_has_a_search_box_in_its_header(client, wiki):
    html = client.get("/wiki/budget-associatif").get_data(as_text=True)
    form = re.search(r'<form class="search" role="search" method="get" action="/search">.*?</form>', html, re.S)
    assert form and 'id="search-q"' in form.group() and 'name="q"' in form.group()
    assert '<label for="search-q"' in form.group() and 'id="search-suggestions-slot"' in form.group()


def test_an_edit_shows_in_search_right_away(client, editor, wiki):
    editor.post("/wiki/budget-associatif/edit", data={
        "title": "Budget associatif", "body": "Le plan de trésorerie.", "summary": "", "base_revision": "1"})
    assert 'href="/wiki/budget-associatif"' in client.get("/search?q=tresorerie").get_data(as_text=True)
    assert 'href="/wiki/budget-associatif"' not in client.get("/search?q=subventions").get_data(as_text=True)


def test_hostile_queries_never_get_a_500(client, wiki):
    for text in HOSTILE + ["", " ", "q=1&tag=2"]:
        for url in ("/search", "/search/suggest"):
            response = client.get(url, query_string={"q": text, "tag": text[:50], "page": "2"})
            assert response.status_code in (200, 400), (url, text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80), st.text(max_size=20), st.text(max_size=5))
def test_random_queries_never_get_a_500(client, wiki, text, tag, page):
    for url in ("/search", "/search/suggest"):
        response = client.get(url, query_string={"q": text, "tag": tag, "page": page})
        assert response.status_code in (200, 400)


def test_the_query_is_escaped_everywhere_it_is_shown(client, wiki):
    for text in ("<img src=x onerror=alert(1)> subventoins", '"><script>alert(1)</script>', "x" * 600 + "<b>"):
        html = client.get("/search", query_string={"q": text}).get_data(as_text=True)
        assert "<img src=x" not in html and "<script>alert" not in html and "<b>" not in html


def test_a_save_is_indexed_after_its_response_without_waiting_for_a_query(app, wiki, client_as):
    facilitator = client_as("facilitator")
    response = facilitator.post("/wiki/budget-associatif/edit", data={
        "title": "Budget associatif", "body": "Le plan de trésorerie.", "summary": "", "base_revision": "1"})
    assert response.status_code in (200, 303)
    with app.app_context():  # the response is out, but not closed yet: nothing indexed so far
        assert search.is_behind() and not search.take_scheduled_catch_up()  # the blueprint took the flag
    response.close()  # what a WSGI server does once the body is sent: runs call_on_close
    with app.app_context():
        assert not search.is_behind()
        assert search.current_index().watermark() == search.sync.latest_change()


def test_a_read_schedules_no_catch_up(app, wiki, client):
    with app.app_context():
        search.query("budget", member=False)
    client.get("/wiki/budget-associatif")
    with app.app_context():
        assert not search.take_scheduled_catch_up()


@pytest.mark.parametrize("name", ["brackets", "rules", "setext underlines", "entities", "html tags", "table"])
def test_a_page_with_a_hostile_body_does_not_take_search_down(app, wiki, client, name):
    with app.app_context():
        publish_raw(f"Piège {name}", HOSTILE_BODIES[name])
    for _ in range(2):  # the first search indexes the page, the second reads the index as it is
        response = client.get("/search?q=subventions")
        assert response.status_code == 200 and 'href="/wiki/budget-associatif"' in response.get_data(as_text=True)
    assert client.get("/search/suggest?q=piège").status_code == 200


def test_tag_links_are_the_addresses_url_for_builds(app, client):
    """The facets' and hits' tag links are built from one url_for (search/views.py: tag_url_maker):
    the same address as url_for with the query and the tag, whatever the query holds."""
    from flask import url_for
    with app.app_context():
        editing.create_page(title="Statuts types", body="L'assemblée générale vote les statuts.",
                            tags="Gouvernance, Assemblée générale", publish_now=True)
    for text in ("statuts", '"assemblée générale"', "statuts -budget", "vote OR rien", ""):
        query = {"q": text, "tag": "gouvernance"} if not text else {"q": text}
        html = client.get("/search", query_string=query).get_data(as_text=True)
        with app.test_request_context():
            expected = [url_for("search.results", q=text, tag=tag).replace("&", "&amp;")
                        for tag in ("assemblee-generale", "gouvernance")]
        for address in expected:
            assert f'href="{address}"' in html, (text, address)
        assert "Assemblée générale" in html  # the tag's display name, not its key
