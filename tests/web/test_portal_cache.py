"""The portal is cached like a page view: one light query on a hit, never stale after a change,
never one reader's view served to another (issue 11: "cached like a page view")."""

from tests.web.test_performance_contract import counted_queries


def save(client, slug, body, base=""):
    response = client.post(f"/wiki/{slug}/edit", data={"title": slug.capitalize(), "body": body, "summary": "",
                                                       "base_revision": base})
    assert response.status_code == 303
    client.get(response.headers["Location"])  # the confirmation is shown there


def test_a_cached_portal_costs_one_query_and_follows_every_change(app, client, editor, client_as):
    save(editor, "premiere", "Une page publiée.")
    client.get("/")
    with counted_queries(app) as statements:
        first = client.get("/")
    assert first.status_code == 200 and "Premiere" in first.get_data(as_text=True)
    assert len(statements) == 1, statements
    save(editor, "seconde", "Encore une.")
    assert "Seconde" in client.get("/").get_data(as_text=True)  # a publish elsewhere shows at once
    volunteer = client_as("volunteer", name="Vera")
    save(volunteer, "en-attente", "Proposition.")  # pending: members see it, visitors do not
    assert "En-attente" in volunteer.get("/").get_data(as_text=True)
    assert "En-attente" not in client.get("/").get_data(as_text=True)
    facilitator = client_as("facilitator", name="Fiona")
    portal = facilitator.get("/").get_data(as_text=True)
    assert "Vera" not in client.get("/").get_data(as_text=True)
    assert 'name="csrf_token" value="csrf-' not in portal  # each reader gets their own token, not the placeholder


def test_cached_portal_answers_carry_the_same_headers(app, client, editor):
    save(editor, "premiere", "Une page publiée.")
    fresh = client.get("/")
    cached = client.get("/")
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control"):
        assert fresh.headers.get(name) == cached.headers.get(name), name
    assert "Set-Cookie" not in cached.headers
    assert client.get("/", headers={"If-None-Match": cached.headers["ETag"]}).status_code == 304
