"""A volunteer withdraws their own pending edit (issue 14): only its author, only while it is pending,
CSRF-protected; the review queue no longer shows it. The message after saving names the reviewers."""

import re

import pytest

from app.extensions import db
from app.models import Page, Revision
from app.wiki import editing, pages
from tests.conftest import csrf_token_from, login_as


@pytest.fixture
def people(app, make_user):
    return {"fanny": make_user("Fanny", role="facilitator"), "paul": make_user("Paul", role="admin"),
            "lou": make_user("Lou"), "camille": make_user("Camille")}


def signed_in(app, user_id):
    client = app.test_client()
    login_as(client, user_id)
    return client


def published_page(app, title="Horaires du local", body="Le local ouvre le lundi."):
    with app.app_context():
        return editing.create_page(title=title, body=body, author_label="test", publish_now=True).slug


def save(client, slug, body, base=1, title="Horaires du local"):
    return client.post(f"/wiki/{slug}/edit", data={"title": title, "body": body, "base_revision": str(base),
                                                   "licence": "CC-BY-SA-4.0"})


def page_state(app, slug):
    with app.app_context():
        page, _ = pages.find_page(slug)
        return page.head.number, page.head.body, page.published.body if page.published else None, page.deleted


def test_the_message_after_saving_names_who_will_review(app, people):
    slug = published_page(app)
    lou = signed_in(app, people["lou"])
    response = save(lou, slug, "Le local ouvre le mardi.")
    assert response.status_code == 303
    html = lou.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fanny" in html and "Paul" in html
    assert re.search(r"attend la relecture d’un·e animateur·rice \((Fanny, Paul|Paul, Fanny)\)", html)
    # the banner of the page offers the author to withdraw it
    assert f'action="/wiki/{slug}/withdraw"' in html and "Retirer ma modification" in html


def test_the_author_withdraws_their_pending_edit_and_the_queue_forgets_it(app, people):
    slug = published_page(app)
    lou = signed_in(app, people["lou"])
    save(lou, slug, "Le local ouvre le mardi.")
    fanny = signed_in(app, people["fanny"])
    assert "Horaires du local" in fanny.get("/review").get_data(as_text=True)
    response = lou.post(f"/wiki/{slug}/withdraw")
    assert response.status_code == 303 and response.headers["Location"] == f"/wiki/{slug}"
    assert "Votre modification est retirée" in lou.get(f"/wiki/{slug}").get_data(as_text=True)
    number, head, published, deleted = page_state(app, slug)
    assert (number, head, published, deleted) == (3, "Le local ouvre le lundi.", "Le local ouvre le lundi.", False)
    with app.app_context():
        statuses = [(r.number, r.status, r.review_comment) for r in
                    db.session.query(Revision).join(Page, Revision.page_id == Page.id).filter(Page.slug == slug).order_by(Revision.number)]
    assert statuses[1][:2] == (2, "rejected") and statuses[2][:2] == (3, "approved")
    assert "Horaires du local" not in fanny.get("/review").get_data(as_text=True)
    history = lou.get(f"/wiki/{slug}/history").get_data(as_text=True)
    assert "a retiré ses modifications jusqu’à la version 2" in history
    # nothing is waiting any more: a second withdrawal is refused with a clear word, not a 500
    again = lou.post(f"/wiki/{slug}/withdraw")
    assert again.status_code == 400 and "n’attend plus de relecture" in again.get_data(as_text=True)


def test_someone_else_may_not_withdraw_it(app, people):
    slug = published_page(app)
    lou = signed_in(app, people["lou"])
    save(lou, slug, "Le local ouvre le mardi.")
    camille = signed_in(app, people["camille"])
    assert camille.post(f"/wiki/{slug}/withdraw").status_code == 403
    fanny = signed_in(app, people["fanny"])  # not even a facilitator: they reject it instead
    assert fanny.post(f"/wiki/{slug}/withdraw").status_code == 403
    assert app.test_client().post(f"/wiki/{slug}/withdraw").status_code == 403  # a visitor
    assert page_state(app, slug)[:2] == (2, "Le local ouvre le mardi.")
    # the button is only on the author's page
    assert "Retirer ma modification" not in camille.get(f"/wiki/{slug}").get_data(as_text=True)


def test_no_withdrawal_once_someone_else_built_on_it(app, people):
    slug = published_page(app)
    lou = signed_in(app, people["lou"])
    save(lou, slug, "Le local ouvre le mardi.")
    camille = signed_in(app, people["camille"])
    save(camille, slug, "Le local ouvre le mardi et le jeudi.", base=2)
    refused = lou.post(f"/wiki/{slug}/withdraw")
    assert refused.status_code == 403 and "personne n’a modifié la page après elle" in refused.get_data(as_text=True)
    assert page_state(app, slug)[:2] == (3, "Le local ouvre le mardi et le jeudi.")


def test_no_withdrawal_once_it_is_reviewed(app, people):
    slug = published_page(app)
    lou = signed_in(app, people["lou"])
    save(lou, slug, "Le local ouvre le mardi.")
    fanny = signed_in(app, people["fanny"])
    assert fanny.post(f"/review/{slug}/approve", data={"revision": "2", "comment": ""}).status_code in (200, 303)
    refused = lou.post(f"/wiki/{slug}/withdraw")
    assert refused.status_code == 400
    assert page_state(app, slug)[:3] == (2, "Le local ouvre le mardi.", "Le local ouvre le mardi.")


def test_withdrawing_a_new_page_takes_it_away(app, people):
    lou = signed_in(app, people["lou"])
    response = lou.post("/wiki/notre-association/edit", data={"title": "Notre association", "body": "Trois lignes.",
                                                              "base_revision": "", "licence": "CC-BY-SA-4.0"})
    assert response.status_code == 303
    withdrawn = lou.post("/wiki/notre-association/withdraw")
    assert withdrawn.status_code == 303 and withdrawn.headers["Location"] == "/"
    assert page_state(app, "notre-association")[3] is True
    assert lou.get("/wiki/notre-association").status_code == 404
    fanny = signed_in(app, people["fanny"])
    assert "Notre association" not in fanny.get("/review").get_data(as_text=True)


@pytest.fixture
def csrf_app(app_config):
    """CSRF checked, as in production; set before `app` is built."""
    app_config["WTF_CSRF_ENABLED"] = True


def test_withdrawal_without_the_csrf_token_is_refused(csrf_app, app, make_user):
    lou_id = make_user("Lou")
    make_user("Fanny", role="facilitator")
    slug = published_page(app)
    lou = app.test_client()
    login_as(lou, lou_id)
    edit_form = lou.get(f"/wiki/{slug}/edit").get_data(as_text=True)
    saved = lou.post(f"/wiki/{slug}/edit", data={"title": "Horaires du local", "body": "Le mardi.", "base_revision": "1",
                                                 "licence": "CC-BY-SA-4.0", "csrf_token": csrf_token_from(edit_form)})
    assert saved.status_code == 303
    assert lou.post(f"/wiki/{slug}/withdraw").status_code == 400
    assert page_state(app, slug)[:2] == (2, "Le mardi.")
    token = csrf_token_from(lou.get(f"/wiki/{slug}").get_data(as_text=True))
    assert lou.post(f"/wiki/{slug}/withdraw", data={"csrf_token": token}).status_code == 303
    assert page_state(app, slug)[1] == "Le local ouvre le lundi."
