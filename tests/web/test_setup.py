"""First start without a terminal: /setup creates the first admin with the console's one-time code."""

import re
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User
from app.wiki import setup
from tests.conftest import csrf_token_from


@pytest.fixture(autouse=True)
def production_defaults(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def code_file(app) -> Path:
    return Path(app.instance_path) / "setup-code"


def submit(client, code, name="Marie", password="un bon mot de passe"):
    token = csrf_token_from(client.get("/setup").get_data(as_text=True))
    return client.post("/setup", data={"name": name, "password": password, "code": code, "csrf_token": token},
                       headers={"Accept-Language": "fr"})


def admins(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(User.name).where(User.role == "admin")))


def test_the_first_admin_is_created_with_the_code_from_the_console(app, client, runner):
    printed = runner.invoke(args=["setup-code", "--url", "http://127.0.0.1:5000"])
    code = re.search(r"one-time code ([A-Z0-9]{12})", printed.output).group(1)
    assert "http://127.0.0.1:5000/setup" in printed.output
    assert stat.S_IMODE(code_file(app).stat().st_mode) == 0o600
    page = client.get("/setup")
    assert page.status_code == 200 and 'name="code"' in page.get_data(as_text=True)
    response = submit(client, code.lower())  # typed by hand: case does not matter
    assert response.status_code == 303
    assert admins(app) == ["Marie"]
    assert client.get("/admin/users").status_code == 200  # signed in as the admin
    assert not code_file(app).exists()
    assert client.get("/setup").status_code == 404
    assert app.test_client().get("/setup").status_code == 404
    assert "/setup" in runner.invoke(args=["setup-code"]).output  # "… /setup est fermé."


def test_a_wrong_code_is_refused_in_french_and_attempts_are_limited(app, client):
    app.config["WIKI_LOGIN_MAX_FAILURES"] = 3
    client.get("/setup")
    code = code_file(app).read_text().strip()
    for _attempt in range(3):
        refused = submit(client, "AAAAAAAAAAAA")
        assert refused.status_code == 403
        assert "code à usage unique n’est pas le bon" in refused.get_data(as_text=True)
    blocked = submit(client, code)  # even the right code waits once this address failed too often
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert admins(app) == []
    assert code_file(app).read_text().strip() == code


def test_setup_checks_csrf_and_the_form(app, client):
    client.get("/setup")
    code = code_file(app).read_text().strip()
    assert client.post("/setup", data={"name": "Marie", "password": "un bon mot de passe", "code": code}).status_code == 400
    assert submit(client, code, password="court").status_code == 422
    assert admins(app) == [] and code_file(app).exists()


def test_once_an_admin_exists_setup_is_gone_and_the_code_removed(app, client, runner):
    client.get("/setup")
    assert code_file(app).exists()
    result = runner.invoke(args=["user", "create", "Marie", "--role", "admin", "--password", "motdepasse"])
    assert result.exit_code == 0  # the CLI way stays
    assert client.get("/setup").status_code == 404
    assert not code_file(app).exists()
    assert submit_without_form(client).status_code == 404


def submit_without_form(client):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    return client.post("/setup", data={"name": "Intrus", "password": "un bon mot de passe", "code": "X",
                                       "csrf_token": token})


def test_every_worker_reads_the_same_code(app):
    first, created = setup.ensure_code(app.instance_path)
    second, created_again = setup.ensure_code(app.instance_path)
    assert created and not created_again and first == second
    assert [p.name for p in Path(app.instance_path).iterdir() if "setup-code" in p.name] == ["setup-code"]
