"""Tags, licences and credits over HTTP."""


def create(client, slug, title, tags="", licence="CC-BY-SA-4.0", body="texte"):
    return client.post(f"/wiki/{slug}/edit", data={"title": title, "body": body, "tags": tags, "licence": licence,
                                                   "base_revision": ""})


def test_tags_from_the_editor_show_on_the_page_and_the_tag_pages(client_as):
    client = client_as("volunteer", trusted=True)  # published at once, so the tag pages list it
    assert create(client, "atelier", "Atelier", tags="Vélo, réparation").status_code == 303
    page = client.get("/wiki/atelier").get_data(as_text=True)
    assert 'href="/tags/velo"' in page and ">Vélo</a>" in page
    index = client.get("/tags/").get_data(as_text=True)
    assert "Vélo" in index and "réparation" in index
    assert "Atelier" in client.get("/tags/velo").get_data(as_text=True)
    assert client.get("/tags/VÉLO").status_code == 301
    assert client.get("/tags/inconnu").status_code == 404


def test_inline_tag_editing_returns_the_component(client_as):
    client = client_as("volunteer")
    create(client, "atelier", "Atelier")
    form = client.get("/wiki/atelier/tags", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="page-tags"' in form and "<html" not in form
    saved = client.post("/wiki/atelier/tags", data={"tags": "outils"}, headers={"HX-Request": "true"})
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200 and 'href="/tags/outils"' in html and 'hx-swap-oob' in html
    assert "Tags changed" in client.get("/wiki/atelier/history").get_data(as_text=True) or \
        "tiquettes" in client.get("/wiki/atelier/history").get_data(as_text=True)


def test_editor_offers_licences_and_page_shows_licence_and_authors(client_as):
    client = client_as("volunteer", name="Victor")
    editor = client.get("/wiki/nouvelle/edit").get_data(as_text=True)
    assert 'name="licence"' in editor and '<option selected value="CC-BY-SA-4.0">' in editor and 'name="tags"' in editor
    create(client, "libre", "Libre", licence="CC-BY-4.0")
    page = client.get("/wiki/libre").get_data(as_text=True)
    assert "creativecommons.org/licenses/by/4.0" in page and "Victor" in page
    credits = client.get("/wiki/libre/credits").get_data(as_text=True)
    assert "Victor" in credits
    assert client.get("/licences").status_code == 200


def test_refused_licence_change_gives_the_text_back(client_as):
    # trusted, so Vera's edit is published and makes her a co-author of the page
    victor = client_as("volunteer", name="Victor", trusted=True)
    vera = client_as("volunteer", name="Vera", trusted=True)
    create(victor, "commun", "Commun", body="début")
    vera.post("/wiki/commun/edit", data={"title": "Commun", "body": "début et suite", "base_revision": "1",
                                         "licence": "CC-BY-SA-4.0"})
    response = victor.post("/wiki/commun/edit", data={"title": "Commun", "body": "mon ajout précieux",
                                                      "base_revision": "2", "licence": "CC0-1.0"})
    assert response.status_code == 400 and "mon ajout précieux" in response.get_data(as_text=True)


def test_facilitators_rename_tags_volunteers_cannot(client_as):
    volunteer, facilitator = client_as("volunteer", trusted=True), client_as("facilitator")
    create(volunteer, "atelier", "Atelier", tags="velo")
    assert volunteer.post("/tags/velo/rename", data={"name": "Vélo"}).status_code == 403
    response = facilitator.post("/tags/velo/rename", data={"name": "Vélo"})
    assert response.status_code == 303
    assert ">Vélo</a>" in volunteer.get("/wiki/atelier").get_data(as_text=True)
