"""The review queue through its real forms: a verdict acts on the text the reviewer saw, the queue
pages, and the licences a facilitator can give a new page (issue 17's defects)."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Page, Revision, User
from app.wiki import editing


@pytest.fixture
def moderated(app, make_user):
    """Production defaults: a facilitator's published page and an untrusted volunteer's pending edit."""
    app.config.update(WIKI_MODERATION="new_contributors", WIKI_ANONYMOUS_EDITS=False)
    ids = {"facilitator": make_user("Fanny", role="facilitator"), "volunteer": make_user("Victor")}
    with app.app_context():
        fanny, victor = (db.session.get(User, ids[k]) for k in ("facilitator", "volunteer"))
        page = editing.create_page(title="Charte", body="texte publié", author=fanny)
        editing.save_edit(page, title="Charte", body="première proposition", author=victor, base_revision=1)
    return ids


def reviewed_revision(html: str, slug: str) -> str:
    item = html[html.index(f'id="review-{slug}"'):]
    return re.search(r'name="revision" value="(\d+)"', item).group(1)


def page_state(app, slug="charte"):
    """The published text, the head's number and every revision's status, oldest first."""
    with app.app_context():
        page = db.session.scalar(sa.select(Page).where(Page.slug == slug))
        statuses = list(db.session.scalars(sa.select(Revision.status).where(Revision.page_id == page.id)
                                           .order_by(Revision.number)))
        return page.published.body, page.head.number, statuses


@pytest.mark.parametrize("verdict", ["approve", "reject"])
def test_a_verdict_never_covers_text_the_reviewer_did_not_see(app, moderated, client_as, verdict):
    facilitator = client_as("facilitator", name="Fiona")
    queue = facilitator.get("/review").get_data(as_text=True)
    assert "proposition" in queue
    seen = reviewed_revision(queue, "charte")
    # The volunteer edits again while the facilitator reads the diff.
    with app.app_context():
        victor = db.session.get(User, moderated["volunteer"])
        page = db.session.scalar(sa.select(Page).where(Page.slug == "charte"))
        editing.save_edit(page, title="Charte", body="seconde version jamais relue", author=victor,
                          base_revision=2)
    response = facilitator.post(f"/review/charte/{verdict}", data={"comment": "", "revision": seen})
    assert response.status_code == 303
    follow = facilitator.get(response.headers["Location"]).get_data(as_text=True)
    assert "modifiée après que vous l’avez ouverte" in follow
    published, head, statuses = page_state(app)
    assert published == "texte publié" and head == 3 and statuses == ["approved", "pending", "pending"]
    # Under htmx the item comes back with the new diff and the notice, and nothing is decided either.
    response = facilitator.post(f"/review/charte/{verdict}", data={"comment": "", "revision": seen},
                                headers={"HX-Request": "true", "HX-Target": "review-charte"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "jamais" in body
    assert 'name="revision" value="3"' in body
    assert page_state(app)[0] == "texte publié"
    # Acting on what is there now works.
    response = facilitator.post(f"/review/charte/{verdict}", data={"comment": "", "revision": "3"})
    assert response.status_code == 303
    published = page_state(app)[0]
    assert published == ("seconde version jamais relue" if verdict == "approve" else "texte publié")


def test_approve_from_the_queue_with_htmx_replaces_the_item(app, moderated, client_as):
    facilitator = client_as("facilitator", name="Fiona")
    seen = reviewed_revision(facilitator.get("/review").get_data(as_text=True), "charte")
    response = facilitator.post("/review/charte/approve", data={"comment": "merci", "revision": seen},
                                headers={"HX-Request": "true", "HX-Target": "review-charte"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="review-charte"' in body and "Modifications publiées" in body
    assert "<html" not in body
    assert page_state(app)[0] == "première proposition"


def test_the_queue_comes_in_pages(app, client_as, make_user):
    app.config.update(WIKI_MODERATION="new_contributors")
    victor_id = make_user("Victor")
    with app.app_context():
        victor = db.session.get(User, victor_id)
        for n in range(23):
            editing.create_page(title=f"Proposition {n:02d}", body="à relire", author=victor)
    facilitator = client_as("facilitator", name="Fiona")
    first = facilitator.get("/review").get_data(as_text=True)
    assert first.count('class="review-item"') == 20 and "23 pages attendent en tout" in first
    assert 'href="/review?page=2"' in first
    second = facilitator.get("/review?page=2").get_data(as_text=True)
    assert second.count('class="review-item"') == 3
    titles = set(re.findall(r"Proposition \d\d", first)) | set(re.findall(r"Proposition \d\d", second))
    assert len(titles) == 23


@pytest.mark.parametrize("licence", ["CC-BY-SA-4.0", "CC-BY-4.0", "CC0-1.0", "Etalab-2.0", "internal"])
def test_a_facilitator_creates_a_page_with_each_licence(app, client_as, licence):
    facilitator = client_as("facilitator", name="Fiona")
    data = {"title": "Notes internes", "body": "entre nous", "summary": "", "base_revision": "", "tags": "",
            "licence": licence}
    if licence == "internal":
        refused = facilitator.post("/wiki/notes-internes/edit", data=data)
        assert refused.status_code == 400 and "entre nous" in refused.get_data(as_text=True)
        data["licence_confirmed"] = "y"
    response = facilitator.post("/wiki/notes-internes/edit", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with app.app_context():
        page = db.session.scalar(sa.select(Page).where(Page.slug == "notes-internes"))
        assert page.licence_code == licence and page.head.licence_code == licence


def test_a_volunteer_cannot_create_an_internal_page(app, client_as):
    volunteer = client_as("volunteer", name="Vera")
    response = volunteer.post("/wiki/secret/edit", data={"title": "Secret", "body": "texte gardé", "summary": "",
                                                         "base_revision": "", "licence": "internal",
                                                         "licence_confirmed": "y"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(Page).where(Page.slug == "secret")) is None


def test_an_internal_page_stays_between_members(app, client, client_as):
    facilitator = client_as("facilitator", name="Fiona")
    response = facilitator.post("/wiki/notes-internes/edit", data={
        "title": "Notes internes", "body": "MARQUEURINTERNE entre nous", "summary": "", "base_revision": "",
        "tags": "budget", "licence": "internal", "licence_confirmed": "y"})
    assert response.status_code == 303
    assert "MARQUEURINTERNE" in facilitator.get("/wiki/notes-internes").get_data(as_text=True)
    assert client_as("volunteer", name="Vera").get("/wiki/notes-internes").status_code == 200
    assert client.get("/wiki/notes-internes").status_code == 404
    for url in ("/wiki/", "/recent", "/feeds/recent.atom", "/search?q=MARQUEURINTERNE", "/tags/", "/"):
        answer = client.get(url)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 200 and "entre nous" not in text, url
        assert "Notes internes" not in text and "/wiki/notes-internes" not in text, url
    # Leaving the internal licence does not quietly publish the page to the world.
    with app.app_context():
        page = db.session.scalar(sa.select(Page).where(Page.slug == "notes-internes"))
        assert page.visibility == "members"
    response = facilitator.post("/wiki/notes-internes/edit", data={
        "title": "Notes internes", "body": "MARQUEURINTERNE entre nous", "summary": "", "base_revision": "1",
        "tags": "budget", "licence": "CC-BY-SA-4.0"})
    assert response.status_code == 303
    assert client.get("/wiki/notes-internes").status_code == 404
