"""The page index `/wiki/` over HTTP: alphabetical, INDEX_PAGE_SIZE pages at a time, members-only pages
for members only, usable without JavaScript (plain links), and bad page numbers never a 500."""

import re

import pytest

from app.extensions import db
from app.models import User
from app.pages import views
from app.wiki import editing

TITLES = ["Bretagne", "Alsace", "Corse", "Dauphiné", "Finistère"]


@pytest.fixture
def wiki(app, make_user, monkeypatch):
    make_user(name="Fanny", role="facilitator", trusted=True)
    with app.app_context():
        fanny = db.session.scalar(db.select(User).filter_by(name="Fanny"))
        for title in TITLES:
            editing.create_page(title=title, body=f"Texte {title}", author=fanny)
        editing.create_page(title="Réservée", body="secret", visibility="members", author=fanny)
    monkeypatch.setattr(views, "INDEX_PAGE_SIZE", 2)


def titles_of(html: str) -> list[str]:
    listing = html.split('class="page-list"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<a href="/wiki/[^"]+">([^<]+)</a>', listing)


def walk(client) -> list[str]:
    """Every title, following the index's own links from its first page to its last."""
    seen, url = [], "/wiki/"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        seen += titles_of(html)
        found = re.search(r'<a href="(/wiki/\?page=\d+)" rel="next">', html)
        url = found and found.group(1)
    return seen


def test_visitor_sees_public_pages_alphabetically_across_pages(client, wiki):
    assert walk(client) == sorted(TITLES)
    first = client.get("/wiki/").get_data(as_text=True)
    assert "5 pages" in first and "Page 1 sur 3" in first and 'rel="prev"' not in first
    assert 'href="/wiki/?page=3"' in first and 'aria-current="page">1<' in first
    last = client.get("/wiki/?page=3").get_data(as_text=True)
    assert titles_of(last) == ["Finistère"] and 'rel="next"' not in last and 'rel="prev"' in last
    assert 'start="5"' in last


def test_member_also_sees_members_only_pages(client_as, wiki):
    member = client_as("volunteer")
    assert walk(member) == sorted(TITLES + ["Réservée"])
    assert "6 pages" in member.get("/wiki/").get_data(as_text=True)


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=4", "page=99999999999999999999"])
def test_page_numbers_out_of_range_are_404(client, wiki, query):
    assert client.get(f"/wiki/?{query}").status_code == 404


@pytest.mark.parametrize("query", ["page=abc", "page=", "page=1.5"])
def test_page_numbers_that_are_not_numbers_read_as_the_first(client, wiki, query):
    response = client.get(f"/wiki/?{query}")
    assert response.status_code == 200 and titles_of(response.get_data(as_text=True)) == ["Alsace", "Bretagne"]


def test_one_page_wiki_has_no_pagination(client, app):
    html = client.get("/wiki/").get_data(as_text=True)
    assert '<nav class="pagination"' not in html and "<p>0 page</p>" in html
    assert client.get("/wiki/?page=2").status_code == 404
