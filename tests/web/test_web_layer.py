"""The web layer's own promises: editor answers that keep the address bar, form classes that
refuse bad fields with a 400, and the language switch's CSRF check for members."""

import pytest

from tests.conftest import csrf_token_from, login_as

from app.wiki import pages

HTMX = {"HX-Request": "true", "HX-Target": "editor"}


def test_an_editor_sent_back_after_a_post_keeps_the_address(editor):
    editor.post("/wiki/guide/edit", data={"title": "Guide", "body": "un", "base_revision": ""})
    refused = editor.post("/wiki/guide/edit", data={"title": "", "body": "deux", "base_revision": "1"}, headers=HTMX)
    assert refused.status_code == 422
    assert refused.headers["HX-Replace-Url"] == "false"
    assert "deux" in refused.get_data(as_text=True)
    opened = editor.get("/wiki/guide/edit", headers=HTMX)  # opening the editor may change the address
    assert opened.status_code == 200 and "HX-Replace-Url" not in opened.headers


def test_an_error_message_swapped_in_keeps_the_address(client):
    response = client.get("/wiki/guide/revisions/9", headers=HTMX)
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#messages"
    assert response.headers["HX-Replace-Url"] == "false"


@pytest.mark.parametrize("url, data", [
    ("/wiki/publique/protect", {"protected": "peut-être"}),
    ("/wiki/publique/visibility", {}),
])
def test_page_settings_refuse_unknown_values(app, client_as, url, data):
    facilitator = client_as("facilitator")
    facilitator.post("/wiki/publique/edit", data={"title": "Publique", "body": "texte", "base_revision": ""})
    assert facilitator.post(url, data=data).status_code == 400
    with app.app_context():
        page, _redirected = pages.find_page("publique")
        assert (page.protected, page.visibility) == (False, "public")


def test_user_update_refuses_a_value_that_is_not_one_or_zero(client_as, make_user):
    admin = client_as("admin")
    target = make_user("Victor")
    assert admin.post(f"/admin/users/{target}", data={"trusted": "oui"}).status_code == 400
    assert admin.post(f"/admin/users/{target}", data={"trusted": "1"}).status_code == 303


def test_a_members_language_switch_needs_their_csrf_token(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    login_as(client, make_user("Fanny", role="facilitator"))
    assert client.post("/language", data={"code": "en"}).status_code == 400
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    switched = client.post("/language", data={"code": "en", "csrf_token": token})
    assert switched.status_code == 303 and "lang=en" in switched.headers["Set-Cookie"]


def test_a_visitors_language_switch_needs_no_session(app):
    app.config["WTF_CSRF_ENABLED"] = True
    response = app.test_client().post("/language", data={"code": "en"})
    assert response.status_code == 303 and "session=" not in response.headers.get("Set-Cookie", "")
    assert app.test_client().post("/language", data={"code": "de"}).status_code == 400
