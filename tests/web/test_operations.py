"""Operations over HTTP: /healthz, the request id (header, log lines, 500 page), a full disk during
a save, and sign-in limits behind a reverse proxy (WIKI_PROXY_COUNT)."""

import logging
import sqlite3

import pytest
import sqlalchemy as sa
from flask.logging import default_handler
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db
from app.models import Page, Revision
from app.wiki import search
from tests.conftest import csrf_token_from


@pytest.fixture(autouse=True)
def production_defaults(app_config):
    """CSRF on, as in production (the rest of the defaults already are)."""
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


# --- /healthz ----------------------------------------------------------------------------------

def test_healthz_says_ok_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "search": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_names_a_failing_database(app, client, monkeypatch):
    def broken(self, statement, *args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("unable to open database file"))

    monkeypatch.setattr(Session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "failing", "search": "ok"}


def test_healthz_names_a_failing_search_index(app, client, monkeypatch):
    def broken(self):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(search.SearchIndex, "index", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "ok", "search": "failing"}


# --- Request ids -------------------------------------------------------------------------------

def test_every_answer_carries_a_request_id_and_a_sane_given_one_is_kept(client):
    first, second = client.get("/healthz"), client.get("/")
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    assert len(first.headers["X-Request-Id"]) >= 8
    given = client.get("/", headers={"X-Request-Id": "proxy-4f2a9c1e"})
    assert given.headers["X-Request-Id"] == "proxy-4f2a9c1e"
    for insane in ("x", "a b c d e f g h", "<script>alert(1)</script>", "z" * 500, "id;rm -rf /;x"):
        answer = client.get("/", headers={"X-Request-Id": insane})
        assert answer.headers["X-Request-Id"] != insane and len(answer.headers["X-Request-Id"]) == 16


def test_log_lines_of_a_request_carry_its_id_and_the_500_page_shows_it(app, client, caplog, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a crash is a 500 page
    # Alembic's fileConfig (a migration run earlier in this process) disables loggers that exist.
    monkeypatch.setattr(app.logger, "disabled", False)

    @app.get("/boom-for-test")
    def boom():
        app.logger.warning("about to fail")
        raise RuntimeError("kaput")

    with caplog.at_level(logging.INFO):
        response = client.get("/boom-for-test", headers={"X-Request-Id": "rid-0123456789"})
    assert response.status_code == 500
    assert response.headers["X-Request-Id"] == "rid-0123456789"
    assert "rid-0123456789" in response.get_data(as_text=True)  # a user can quote it
    ours = [r for r in caplog.records if r.name == app.logger.name]
    assert {r.getMessage().split(" [")[0] for r in ours} >= {"about to fail", "Exception on /boom-for-test"}
    assert all(r.request_id == "rid-0123456789" for r in ours)
    line = default_handler.format(ours[0])
    assert "[rid-0123456789]" in line


def test_the_500_page_speaks_french_with_the_reference(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-fr")
    def boom_fr():
        raise RuntimeError("kaput")

    page = client.get("/boom-fr", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    rid = "référence"
    assert rid in page


# --- A full disk during a save -----------------------------------------------------------------

def test_a_full_disk_during_a_save_is_a_clear_507_and_writes_nothing(app, client_as, monkeypatch):
    editor = client_as("facilitator")
    page = editor.get("/wiki/guide/edit").get_data(as_text=True)
    token = csrf_token_from(page)
    first = {"title": "Guide", "body": "Premier texte", "summary": "", "base_revision": "", "csrf_token": token}
    assert editor.post("/wiki/guide/edit", data=first).status_code == 303
    with app.app_context():
        before = (db.session.scalar(sa.select(sa.func.count(Revision.id))),
                  db.session.scalar(sa.select(Page.head_id).where(Page.slug == "guide")))

    def disk_full(self):
        self.flush()  # the revision's rows are written in the transaction, then the commit fails
        raise sa.exc.OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(Session, "commit", disk_full)
    second = {**first, "body": "Un texte que le disque plein ne doit pas perdre", "base_revision": "1"}
    response = editor.post("/wiki/guide/edit", data=second, headers={"Accept-Language": "fr"})
    monkeypatch.undo()
    assert response.status_code == 507
    text = response.get_data(as_text=True)
    assert "disque" in text and "rien n" in text.lower()  # "Le disque du serveur est plein : rien n'a été enregistré"
    with app.app_context():
        after = (db.session.scalar(sa.select(sa.func.count(Revision.id))),
                 db.session.scalar(sa.select(Page.head_id).where(Page.slug == "guide")))
    assert after == before
    htmx = editor.post("/wiki/guide/edit", data=second, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert htmx.status_code == 303  # the disk has room again: the same text saves


# --- Behind a reverse proxy --------------------------------------------------------------------

def login(client, name, password, address):
    token = csrf_token_from(client.get("/login", headers={"X-Forwarded-For": address}).get_data(as_text=True))
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token},
                       headers={"X-Forwarded-For": address})


@pytest.fixture
def proxied(app_config):
    app_config["WIKI_PROXY_COUNT"] = 1
    return app_config


def test_behind_a_proxy_one_address_cannot_lock_out_another(proxied, app, make_user):
    make_user("Camille", password="motdepasse")
    make_user("Dominique", password="motdepasse")
    attacker, owner, colleague = app.test_client(), app.test_client(), app.test_client()
    refused = [login(attacker, name, "mauvais!", "203.0.113.5").status_code
               for name in ["Camille"] * 10 + [f"Nom {n}" for n in range(20)]]
    assert set(refused) <= {401, 429} and refused.count(429) >= 1
    assert login(attacker, "Camille", "motdepasse", "203.0.113.5").status_code == 429  # the attacker is blocked
    assert login(owner, "Camille", "motdepasse", "198.51.100.7").status_code == 303  # the owner is not
    assert login(colleague, "Dominique", "motdepasse", "198.51.100.8").status_code == 303


def test_an_ipv6_attacker_cannot_rotate_addresses_in_its_network(proxied, app, make_user):
    app.config["WIKI_LOGIN_MAX_FAILURES"] = 3
    make_user("Camille", password="motdepasse")
    client = app.test_client()
    for n in range(3):
        assert login(client, "Camille", "mauvais!", f"2001:db8:1:2::{n + 1}").status_code == 401
    assert login(client, "Camille", "motdepasse", "2001:db8:1:2::99").status_code == 429
    assert login(app.test_client(), "Camille", "motdepasse", "2001:db8:9:9::1").status_code == 303


def test_without_a_proxy_count_forwarded_addresses_are_ignored(app, make_user):
    assert app.config["WIKI_PROXY_COUNT"] == 0
    make_user("Camille", password="motdepasse")
    client = app.test_client()
    for n in range(30):
        login(client, f"Nom {n}", "mauvais!", f"198.51.100.{n + 1}")  # all from 127.0.0.1 really
    assert login(client, "Camille", "motdepasse", "192.0.2.200").status_code == 429


def test_proxy_count_comes_from_the_environment(monkeypatch, app_config):
    monkeypatch.setenv("WIKI_PROXY_COUNT", "2")
    assert create_app({k: v for k, v in app_config.items()}).config["WIKI_PROXY_COUNT"] == 2
    monkeypatch.setenv("WIKI_PROXY_COUNT", "beaucoup")
    with pytest.raises(ValueError, match="WIKI_PROXY_COUNT"):
        create_app(app_config)
