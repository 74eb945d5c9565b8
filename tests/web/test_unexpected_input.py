"""Issue 17: unexpected input is answered, never a 500: query parameters named like url_for's
arguments, a forged Host asking for an absolute redirect, and revision numbers past any integer column."""

import pytest

HUGE = "99999999999999999999"  # > 2^63


@pytest.fixture
def published(editor):
    for title in ("Accueil", "P"):
        response = editor.post("/wiki/" + title.lower() + "/edit", data={"title": title, "body": "un\ndeux",
                                                                           "base_revision": ""})
        assert response.status_code == 303
    assert editor.post("/wiki/accueil/edit", data={"title": "Accueil", "body": "un\ntrois",
                                                   "base_revision": "1"}).status_code == 303
    editor.post("/wiki/p/rename", data={"title": "Page renommée"})  # /wiki/p now redirects
    return editor


@pytest.mark.parametrize("url", [
    "/wiki/Accueil?slug=x", "/wiki/Accueil?_method=POST", "/wiki/Accueil?endpoint=x", "/wiki/Accueil?_anchor=x",
    "/wiki/Accueil?values=1", "/wiki/p?slug=x", "/wiki/p/revisions/1?number=2", "/wiki/p/history?slug=y&_external=1",
    "/wiki/p/revisions/1?number=2&slug=q&_anchor=x", "/wiki/p/diff?endpoint=x&from=1&to=1", "/wiki/Accueil/edit?slug=x",
])
def test_parameters_named_like_url_building_arguments_are_kept_as_text(client, published, url):
    response = client.get(url)
    assert response.status_code == 301
    location = response.headers["Location"]
    assert location.startswith("/wiki/") and "://" not in location
    path, _sep, query = location.partition("?")
    assert query == url.partition("?")[2]  # the query string is carried over as it was
    assert client.get(location).status_code < 500


@pytest.mark.parametrize("url", ["/wiki/Accueil?_external=1&_scheme=https", "/wiki/p?_external=true&_scheme=http",
                                 "/wiki/p/history?_external=1&_scheme=https"])
def test_a_forged_host_never_gets_an_absolute_redirect(client, published, url):
    response = client.get(url, headers={"Host": "evil.example"})
    assert response.status_code == 301
    assert "evil.example" not in response.headers["Location"] and response.headers["Location"].startswith("/wiki/")


@pytest.mark.parametrize("url", [
    f"/wiki/accueil/revisions/{HUGE}", f"/wiki/accueil/revisions/{2**63}", f"/wiki/accueil/revisions/{2**31}",
    f"/wiki/accueil/diff?from={HUGE}&to=2", f"/wiki/accueil/diff?from=1&to={HUGE}", f"/wiki/accueil/diff?to={HUGE}",
    f"/wiki/accueil/diff?from={2**31}&to={2**31 + 1}",
])
def test_revision_numbers_past_any_column_are_404s(client, published, url):
    assert client.get(url).status_code == 404
    assert published.get(url).status_code == 404


def test_a_huge_section_number_is_a_404(published):
    assert published.get(f"/wiki/accueil/edit?section={HUGE}").status_code == 404


def test_restoring_a_huge_revision_number_is_a_404(published):
    assert published.post(f"/wiki/accueil/revisions/{HUGE}/restore").status_code == 404
    assert published.post(f"/wiki/accueil/revisions/{2**31}/restore").status_code == 404


def test_a_huge_base_revision_is_refused_with_the_text_kept(published):
    response = published.post("/wiki/accueil/edit", data={"title": "Accueil", "body": "mon texte",
                                                          "base_revision": HUGE})
    assert response.status_code in (400, 409, 422) and "mon texte" in response.get_data(as_text=True)


def test_huge_page_numbers_in_listings_are_answered(client, client_as, published):
    facilitator = client_as("facilitator")
    for url in (f"/review?page={HUGE}", f"/review?page={2**63}"):
        assert facilitator.get(url).status_code < 500, url
    for url in (f"/search?q=un&page={HUGE}", f"/search?tag=x&page={2**63}", f"/search?q=un&page=-{HUGE}"):
        assert client.get(url).status_code < 500, url
