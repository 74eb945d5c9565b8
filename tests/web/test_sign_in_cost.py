"""Issue 17: an account name's existence must not show in the sign-in time. Checked on the code path,
not the clock: through the real form, one password hash of the configured method per attempt,
whether the name exists or not."""

import pytest
import werkzeug.security

from tests.conftest import PASSWORD


@pytest.fixture
def hashes(monkeypatch):
    """Every password hash computed (werkzeug's one hashing function), by method."""
    done = []
    real = werkzeug.security._hash_internal

    def counting(method, salt, password):
        done.append(method.split(":")[0])
        return real(method, salt, password)
    monkeypatch.setattr(werkzeug.security, "_hash_internal", counting)
    return done


def sign_in(client, name, password):
    return client.post("/login", data={"name": name, "password": password})


def test_unknown_and_known_names_cost_one_hash_each(app, client, make_user, hashes):
    make_user("Camille")
    sign_in(client, "Personne", "x")  # the first unknown name makes the dummy hash once for the app
    method = app.config["WIKI_PASSWORD_METHOD"].split(":")[0]
    for name, password in (("Inconnu", "x"), ("Camille", "mauvais"), ("Quelquun", PASSWORD), ("Camille", PASSWORD)):
        hashes.clear()
        response = sign_in(app.test_client(), name, password)
        assert response.status_code in (200, 303, 401, 422), name
        assert hashes == [method], (name, password, hashes)


def test_the_dummy_hash_uses_the_configured_method(app, client, hashes):
    app.config["WIKI_PASSWORD_METHOD"] = "scrypt:16384:8:1"
    sign_in(client, "Inconnu", "x")
    hashes.clear()
    sign_in(client, "Autre inconnu", "y")
    assert hashes == ["scrypt"]
