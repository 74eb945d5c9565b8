"""Fixtures: an app on a fresh database per test, clients per role, a CLI runner.

The app runs under the production defaults (moderation `new_contributors`, no anonymous edits);
a test about an open wiki asks for the `open_wiki` fixture. Clients sign in through the login form.

TEST_DATABASE_URL (a PostgreSQL URL) runs the suite on PostgreSQL instead of SQLite: each test
gets its own schema-free database state by dropping and recreating the tables."""

import os
import re

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import User
from app.models.taxonomy import seed_licences
from app.wiki.accounts import create_user

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "motdepasse"  # make_user's default; login_as signs in with it


@pytest.fixture
def app_config(tmp_path):
    """Per-test config; tests may tweak it before `app` is built."""
    return {
        "TESTING": True,
        "WIKI_INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'wiki.db'}",
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,  # tests/web/test_auth.py and test_security.py turn it on
        "WIKI_PASSWORD_METHOD": "pbkdf2:sha256:1000",
    }


@pytest.fixture
def open_wiki(app_config):
    """An open wiki: every edit is published at once and visitors may edit; set before `app` is built."""
    app_config.update(WIKI_MODERATION="open", WIKI_ANONYMOUS_EDITS=True)
    return app_config


@pytest.fixture
def app(request, app_config):
    if "open_wiki" in request.fixturenames:
        request.getfixturevalue("open_wiki")  # whatever the order of the test's arguments
    app = create_app(app_config)
    with app.app_context():
        reset_database()
        seed_licences()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def drop_everything():
    """An empty database, Alembic's version table included."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def reset_database():
    drop_everything()
    db.create_all()


@pytest.fixture
def ctx(app):
    """An app context for domain tests."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    def make(name="Camille", role="volunteer", password=PASSWORD, trusted=False):
        with app.app_context():
            user = create_user(name=name, password=password, role=role, trusted=trusted)
            return user.id
    return make


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login_as(client, user_id: int, password: str = PASSWORD) -> None:
    """Sign a test client in as a user through the login form, as a person would."""
    app = client.application
    with app.app_context():
        name = db.session.get(User, user_id).name
    data = {"name": name, "password": password}
    if app.config.get("WTF_CSRF_ENABLED", True):
        data["csrf_token"] = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data=data)
    assert response.status_code == 303, f"could not sign in as {name}: {response.status_code}"
    client.get(response.headers["Location"])  # the welcome message is shown there, not on the test's first page


@pytest.fixture
def client_as(app, make_user):
    """A test client signed in with a new user of the given role."""
    def make(role="volunteer", name=None, trusted=False):
        client = app.test_client()
        login_as(client, make_user(name or f"{role.capitalize()} {trusted}", role=role, trusted=trusted))
        return client
    return make


@pytest.fixture
def editor(client_as):
    """A client signed in as a trusted volunteer: under the default policy their edits are published at once."""
    return client_as("volunteer", trusted=True)
