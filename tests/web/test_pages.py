"""Pages over HTTP: create, edit, history, diff, restore, conflicts, rename, delete, errors."""

import pytest

from app.extensions import db
from app.models import Page, Revision

BODY = "Ligne un\nLigne deux\nLigne trois\nLigne quatre\nLigne cinq"


def save(client, slug, body, base=None, title="Guide", summary=""):
    data = {"title": title, "body": body, "summary": summary, "base_revision": "" if base is None else str(base)}
    return client.post(f"/wiki/{slug}/edit", data=data)


def test_create_edit_history_diff_restore(editor):
    assert save(editor, "guide", BODY, summary="premier jet").status_code == 303
    assert save(editor, "guide", BODY + "\nLigne six", base=1, summary="ajout").status_code == 303
    assert save(editor, "guide", BODY.replace("deux", "DEUX"), base=2, summary="majuscules").status_code == 303
    history = editor.get("/wiki/guide/history").get_data(as_text=True)
    for summary in ("premier jet", "ajout", "majuscules"):
        assert summary in history
    diff = editor.get("/wiki/guide/diff?from=1&to=3").get_data(as_text=True)
    assert "<del>deux</del>" in diff and "<ins>DEUX</ins>" in diff
    response = editor.post("/wiki/guide/revisions/1/restore")
    assert response.status_code == 303
    page = editor.get("/wiki/guide").get_data(as_text=True)
    assert "Ligne deux" in page and "DEUX" not in page
    assert editor.get("/wiki/guide/revisions/4").status_code == 200


def test_page_view_and_fragment(client, editor):
    save(editor, "guide", "**gras**")
    full = client.get("/wiki/guide")
    assert full.status_code == 200 and "<html" in full.get_data(as_text=True)
    fragment = client.get("/wiki/guide", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="article"' in fragment and "<strong>gras</strong>" in fragment
    assert "hx-disable" in fragment
    assert "HX-Request" in full.headers["Vary"]


def test_stale_save_conflict_returns_text_and_other_change(editor, app):
    save(editor, "guide", BODY)
    save(editor, "guide", BODY.replace("trois", "TROIS"), base=1)
    response = save(editor, "guide", BODY.replace("trois", "3 (mon texte)"), base=1)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Ligne 3 (mon texte)" in html  # the user's text, intact, in the editor
    assert "<ins>TROIS</ins>" in html  # the other person's change
    assert 'name="base_revision" type="hidden" value="2"' in html
    with app.app_context():
        assert db.session.query(Revision).count() == 2


def test_stale_save_on_other_lines_merges(editor):
    save(editor, "guide", BODY)
    save(editor, "guide", BODY.replace("un", "UN"), base=1)
    response = save(editor, "guide", BODY.replace("cinq", "CINQ"), base=1)
    assert response.status_code == 303
    page = editor.get("/wiki/guide").get_data(as_text=True)
    assert "Ligne UN" in page and "Ligne CINQ" in page
    assert "combinées" in page  # the notice that both changes were merged


def test_rename_redirects_old_address(client_as):
    client = client_as("volunteer")
    save(client, "ancien", "texte", title="Ancien")
    response = client.post("/wiki/ancien/rename", data={"title": "Nouveau titre"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/wiki/nouveau-titre")
    old = client.get("/wiki/ancien")
    assert old.status_code == 301 and old.headers["Location"].endswith("/wiki/nouveau-titre")
    assert client.get("/wiki/ancien/history").headers["Location"].endswith("/wiki/nouveau-titre/history")


def test_delete_and_undelete(client, editor, client_as):
    save(editor, "guide", "texte")
    assert client.post("/wiki/guide/delete").status_code == 403  # facilitators only
    assert editor.post("/wiki/guide/delete").status_code == 403
    facilitator = client_as("facilitator")
    assert facilitator.post("/wiki/guide/delete").status_code == 303
    assert client.get("/wiki/guide").status_code == 404
    assert "/wiki/guide/undelete" in facilitator.get("/wiki/guide").get_data(as_text=True)
    assert facilitator.post("/wiki/guide/undelete").status_code == 303
    assert client.get("/wiki/guide").status_code == 200
    assert client.get("/wiki/guide/revisions/1").status_code == 200


def test_missing_page_offers_creation(editor):
    response = editor.get("/wiki/page-inconnue")
    assert response.status_code == 404
    assert "/wiki/page-inconnue/edit" in response.get_data(as_text=True)


def test_non_canonical_slug_redirects_and_junk_slug_is_400(client):
    response = client.get("/wiki/Écriture Collaborative")
    assert response.status_code == 301 and response.headers["Location"].endswith("/wiki/ecriture-collaborative")
    assert client.get("/wiki/%21%21%21").status_code == 400


@pytest.mark.parametrize("data, status", [
    ({"title": "", "body": "x"}, 422),
    ({"title": "x" * 500, "body": "x"}, 422),
    ({"title": "!!!", "body": "x"}, 400),
    ({"title": "Ok", "body": "x", "base_revision": "abc"}, 422),
])
def test_bad_input_is_4xx_and_keeps_text(editor, data, status):
    response = editor.post("/wiki/essai/edit", data=data)
    assert response.status_code == status
    assert 'name="body"' in response.get_data(as_text=True)


def test_over_long_body_is_refused_with_text_back(editor, app):
    app.config["WIKI_MAX_BODY_BYTES"] = 1000
    response = editor.post("/wiki/essai/edit", data={"title": "Essai", "body": "mot " * 400})
    assert response.status_code == 400
    assert "mot mot mot" in response.get_data(as_text=True)


def test_unknown_revision_and_diff_are_404(editor):
    save(editor, "guide", "texte")
    assert editor.get("/wiki/guide/revisions/99").status_code == 404
    assert editor.get("/wiki/guide/diff?from=1&to=99").status_code == 404
    assert editor.post("/wiki/guide/revisions/99/restore").status_code == 404


def test_links_page_and_index(client, editor):
    save(editor, "cible", "ici", title="Cible")
    save(editor, "source", "voir [[Cible]]", title="Source")
    assert "Source" in client.get("/wiki/cible/links").get_data(as_text=True)
    index = client.get("/wiki/").get_data(as_text=True)
    assert "Cible" in index and "Source" in index


def test_new_page_form_goes_to_editor(client):
    response = client.get("/new?title=Mon+projet")
    assert response.status_code == 302 and "/wiki/mon-projet/edit" in response.headers["Location"]


def test_security_headers_on_pages_and_errors(client):
    for url in ("/", "/wiki/absente", "/wiki/%21"):
        response = client.get(url)
        assert response.headers["X-Frame-Options"] == "DENY"
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_french_by_default_and_english_on_request(client, editor):
    save(editor, "guide", "texte")
    assert "Historique" in client.get("/wiki/guide").get_data(as_text=True)
    english = client.get("/wiki/guide", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "History" in english
