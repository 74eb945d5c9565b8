"""Signing in and out, brute-force protection, invitations, CSRF, and the user CLI."""

import re

import pytest

from app.extensions import db
from app.models import User
from tests.conftest import csrf_token_from, login_as


def login(client, name, password, next_url=""):
    return client.post("/login", data={"name": name, "password": password, "next": next_url})


def test_login_and_logout(client, make_user):
    make_user("Camille", password="motdepasse")
    response = login(client, "camille", "motdepasse", "/wiki/guide?x=1")
    assert response.status_code == 303 and response.headers["Location"] == "/wiki/guide?x=1"
    assert 'class="account-name">Camille' in client.get("/").get_data(as_text=True)
    assert client.post("/logout").status_code == 303
    assert 'class="account-name"' not in client.get("/").get_data(as_text=True)


def test_unknown_name_and_wrong_password_get_the_same_answer(client, make_user):
    make_user("Camille", password="motdepasse")
    unknown, wrong = login(client, "Personne", "motdepasse"), login(client, "Camille", "mauvais!")
    assert unknown.status_code == wrong.status_code == 401
    message = lambda r: re.search(r'role="alert">([^<]+)<', r.get_data(as_text=True)).group(1)
    assert message(unknown) == message(wrong)


def test_session_is_new_after_login_and_old_cookie_is_dead_after_logout(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("Camille", password="motdepasse")
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    before = client.get_cookie("session").value
    client.post("/login", data={"name": "Camille", "password": "motdepasse", "csrf_token": token})
    signed_in = client.get_cookie("session").value
    assert signed_in != before
    client.post("/logout", headers={"X-CSRFToken": csrf_token_from(client.get("/").get_data(as_text=True))})
    replay = app.test_client()
    replay.set_cookie("session", signed_in)
    assert 'class="account-name"' not in replay.get("/").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
                                    "javascript:alert(1)", "%2F%2Fevil.example", "/%09/evil.example"])
def test_next_only_goes_to_local_paths(client, make_user, target):
    make_user("Camille", password="motdepasse")
    assert login(client, "Camille", "motdepasse", target).headers["Location"] == "/"


def test_brute_force_is_refused_for_a_while_but_other_accounts_still_work(app, client, make_user):
    app.config["WIKI_LOGIN_MAX_FAILURES"] = 3
    make_user("Camille", password="motdepasse")
    make_user("Dominique", password="motdepasse")
    for _attempt in range(3):
        assert login(client, "Camille", "mauvais!").status_code == 401
    blocked = login(client, "Camille", "motdepasse")
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert "minutes" in blocked.get_data(as_text=True)
    assert login(client, "Dominique", "motdepasse").status_code == 303


def test_deactivated_user_cannot_log_in_and_is_signed_out(app, client, make_user):
    user_id = make_user("Camille", password="motdepasse")
    login_as(client, user_id)
    with app.app_context():
        user = db.session.get(User, user_id)
        user.active = False
        db.session.commit()
    assert 'class="account-name"' not in client.get("/").get_data(as_text=True)
    response = login(app.test_client(), "Camille", "motdepasse")
    assert response.status_code == 401 and "deactivated" in response.get_data(as_text=True).replace("désactivé", "deactivated")


def test_invitation_end_to_end(app, make_user):
    facilitator = app.test_client()
    login_as(facilitator, make_user("Fanny", role="facilitator"))
    response = facilitator.post("/invitations", data={"role": "volunteer", "days": "7", "max_uses": "1",
                                                      "note": "pour Lou"})
    assert response.status_code == 201
    link = re.search(r'value="(http://localhost/join/[^"]+)"', response.get_data(as_text=True)).group(1)
    path = link.removeprefix("http://localhost")
    newcomer = app.test_client()
    assert newcomer.get(path).status_code == 200
    joined = newcomer.post(path, data={"name": "Lou", "password": "unmotdepasse"})
    assert joined.status_code == 303
    assert 'class="account-name">Lou' in newcomer.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).filter_by(name="Lou").one().role == "volunteer"
    assert app.test_client().get(path).status_code == 404  # used up


def test_join_with_a_bad_token_or_a_taken_name(app, make_user):
    assert app.test_client().get("/join/nope").status_code == 404
    facilitator = app.test_client()
    login_as(facilitator, make_user("Fanny", role="facilitator"))
    html = facilitator.post("/invitations", data={"role": "volunteer", "days": "7"}).get_data(as_text=True)
    path = re.search(r'value="http://localhost(/join/[^"]+)"', html).group(1)
    response = app.test_client().post(path, data={"name": "fanny", "password": "unmotdepasse"})
    assert response.status_code == 400 and 'value="fanny"' in response.get_data(as_text=True)


def test_facilitator_cannot_invite_facilitators(app, make_user):
    facilitator = app.test_client()
    login_as(facilitator, make_user("Fanny", role="facilitator"))
    assert facilitator.post("/invitations", data={"role": "facilitator", "days": "7"}).status_code == 422


def test_csrf_is_enforced_when_on(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    login_as(client, make_user("Fanny", role="facilitator"))
    data = {"title": "Page", "body": "texte", "base_revision": ""}
    refused = client.post("/wiki/page/edit", data=data)
    assert refused.status_code == 400
    assert client.get("/wiki/page").status_code == 404  # nothing was written
    token = csrf_token_from(client.get("/wiki/page/edit").get_data(as_text=True))
    assert client.post("/wiki/page/edit", data={**data, "csrf_token": "forged" + token}).status_code == 400
    with_header = client.post("/wiki/page/edit", data=data, headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert with_header.status_code == 303
    assert client.post("/wiki/page/edit", data={**data, "body": "autre", "base_revision": "1",
                                                 "csrf_token": token}).status_code == 303


def test_admin_changes_roles_trust_and_deactivates(app, make_user):
    admin = app.test_client()
    login_as(admin, make_user("Ada", role="admin"))
    target = make_user("Victor")
    assert admin.post(f"/admin/users/{target}", data={"trusted": "1"}).status_code == 303
    assert admin.post(f"/admin/users/{target}", data={"role": "facilitator"}).status_code == 303
    assert admin.post(f"/admin/users/{target}", data={"active": "0"}).status_code == 303
    with app.app_context():
        user = db.session.get(User, target)
        assert (user.trusted, user.role, user.active) == (True, "facilitator", False)
    assert admin.post(f"/admin/users/{target}", data={"role": "king"}).status_code == 400
    assert "Victor" in admin.get("/admin/users").get_data(as_text=True)


def test_user_create_cli(runner, app):
    result = runner.invoke(args=["user", "create", "Marie", "--role", "admin", "--password", "motdepasse"])
    assert result.exit_code == 0 and "Marie" in result.output
    again = runner.invoke(args=["user", "create", "marie", "--password", "motdepasse"])
    assert again.exit_code != 0 and "Traceback" not in again.output
    assert login(app.test_client(), "Marie", "motdepasse").status_code == 303
