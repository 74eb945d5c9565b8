"""The JSON API (issue 15): the visibility of the HTML exactly, read tokens made and revoked on the
account page, JSON errors everywhere under /api/, caching and CORS headers, the OpenAPI document, and
the Atom feeds per tag and for the agenda."""

import json
from datetime import date, timedelta

import feedparser
import pytest
from openapi_spec_validator import validate

from app.extensions import db
from app.models import User
from app.wiki import editing
from app.wiki.sessions import Event
from tests.conftest import csrf_token_from, login_as

# marker -> who may read it: "visitor" (everyone), "member", "nobody" (deleted: not through the API)
MARKERS = {"QAPUBLIC": "visitor", "QAPUBTAG": "visitor", "QAPENDING": "nobody", "QAPENDTITLE": "nobody",
           "QAMEMBERS": "member", "QAMEMTAG": "member", "QAINTERNAL": "member", "QADRAFT": "nobody",
           "QADELETED": "nobody", "QAMEMSESSION": "member", "QAPUBSESSION": "visitor"}
# The API serves published text only, so pending and never-published text reach nobody through it;
# members see pending revisions' numbers and summaries in history and recent changes (as in HTML).
MEMBER_MAY_ALSO = {"QAPENDSUM", "QAPENDTITLE"}


@pytest.fixture
def seeded(app, make_user):
    fanny = make_user("Fanny", role="facilitator")
    victor = make_user("Victor", role="volunteer")
    soon = (date.today() + timedelta(days=7)).isoformat()
    with app.app_context():
        fanny, victor = db.session.get(User, fanny), db.session.get(User, victor)
        public = editing.create_page(title="Publique", body="Texte QAPUBLIC publié.", tags="QAPUBTAG", author=fanny)
        editing.save_edit(public, title="Publique QAPENDTITLE", body="QAPUBLIC et QAPENDING", summary="QAPENDSUM",
                          tags="QAPUBTAG, QAPENDTAG", author=victor, base_revision=1)
        editing.create_page(title="Réservée", body="QAMEMBERS", tags="QAMEMTAG", author=fanny, visibility="members")
        editing.create_page(title="Interne", body="Note QAINTERNAL", licence="internal", licence_confirmed=True,
                            author=fanny)
        editing.create_page(title="Brouillon", body="QADRAFT", author=victor)
        gone = editing.create_page(title="Effacée", body="QADELETED", tags="QADELTAG", author=fanny)
        editing.delete_page(gone, author=fanny)
        editing.create_page(title="Séance publique", body="QAPUBSESSION", author=fanny,
                            event=Event(f"{soon}T18:00", f"{soon}T20:00", "Mairie"))
        editing.create_page(title="Séance réservée", body="QAMEMSESSION", author=fanny, visibility="members",
                            event=Event(f"{soon}T18:00", "", "Local"))
    return True


SLUGS = ["publique", "reservee", "interne", "brouillon", "effacee", "seance-publique", "seance-reservee", "absente"]


def api_urls():
    urls = ["/api/pages", "/api/pages?per_page=1&page=2", "/api/recent", "/api/tags", "/api/agenda",
            "/api/openapi.json", "/api/pages/absente/history"]
    urls += [f"/api/pages/{slug}" for slug in SLUGS] + [f"/api/pages/{slug}/history" for slug in SLUGS]
    urls += [f"/api/search?q={m.lower()}" for m in [*MARKERS, "QAPENDSUM", "texte", "note"]]
    urls += [f"/api/search?q=texte&tag={t}" for t in ("qapubtag", "qamemtag", "qadeltag", "qapendtag")]
    return urls


def leaks(text: str, reader: str) -> list[str]:
    allowed = {m for m, who in MARKERS.items() if who == "visitor" or (reader == "member" and who == "member")}
    if reader == "member":
        allowed |= MEMBER_MAY_ALSO
    found = [m for m in [*MARKERS, "QAPENDSUM", "QADELTAG", "QAPENDTAG"] if m.lower() in text.lower()]
    return [m for m in found if m not in allowed]


def walk(client, reader, headers=None):
    for url in api_urls():
        response = client.get(url, headers=headers or {})
        assert response.status_code in (200, 404), (url, response.status_code)
        assert response.mimetype == "application/json", url
        body = response.get_data(as_text=True)
        # the query string may be echoed back ("q"): the answer's items must not carry the marker
        if "/api/search" in url:
            body = json.dumps(response.get_json()["items"])
        assert not leaks(body, reader), (reader, url, leaks(body, reader))
        assert "Set-Cookie" not in response.headers, url


def test_visitor_reads_only_public_published_text(seeded, client):
    walk(client, "visitor")
    page = client.get("/api/pages/publique").get_json()
    assert "QAPUBLIC" in page["markdown"] and "QAPUBLIC" in page["html"] and page["title"] == "Publique"
    assert page["tags"] == ["QAPUBTAG"] and page["licence"]["code"] == "CC-BY-SA-4.0" and page["files"] == []
    assert page["credits"] == ["Fanny"]
    assert [p["slug"] for p in client.get("/api/pages").get_json()["items"]] == ["publique", "seance-publique"]
    assert [o["slug"] for o in client.get("/api/agenda").get_json()["upcoming"]] == ["seance-publique"]


def test_members_read_members_only_pages_but_no_pending_or_deleted_text(seeded, client_as):
    volunteer = client_as("volunteer", name="Vera")
    walk(volunteer, "member")
    slugs = [p["slug"] for p in volunteer.get("/api/pages").get_json()["items"]]
    assert slugs == ["interne", "publique", "reservee", "seance-publique", "seance-reservee"]
    assert "QAMEMBERS" in volunteer.get("/api/pages/reservee").get_json()["markdown"]
    history = volunteer.get("/api/pages/publique/history").get_json()["items"]
    assert [(h["number"], h["status"]) for h in history] == [(2, "pending"), (1, "approved")]
    facilitator = client_as("facilitator", name="Flo")
    walk(facilitator, "member")  # deleted pages stay out of the API for everyone


def read_token(client) -> str:
    page = client.get("/account")
    assert page.status_code == 200
    answer = client.post("/account/token", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "private, no-store"
    token = answer.get_data(as_text=True).split('id="read-token">')[1].split("<")[0]
    assert token.startswith("gc_")
    return token


def test_a_read_token_reads_as_its_member_and_stops_at_once_when_revoked(seeded, app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    member = app.test_client()
    login_as(member, make_user("Rita"))
    token = read_token(member)
    with app.app_context():
        stored = db.session.execute(db.text("SELECT token_hash FROM api_tokens")).scalars().all()
    assert len(stored) == 1 and token not in stored[0]  # only a hash is kept
    bearer = {"Authorization": f"Bearer {token}"}
    walk(client, "member", bearer)
    assert "QAMEMBERS" in client.get("/api/pages/reservee", headers=bearer).get_json()["markdown"]
    account = member.get("/account").get_data(as_text=True)
    assert token not in account
    assert member.post("/account/token/revoke", data={}).status_code == 400  # CSRF-protected
    assert member.post("/account/token/revoke", data={"csrf_token": csrf_token_from(account)}).status_code == 303
    refused = client.get("/api/pages", headers=bearer)
    assert refused.status_code == 401 and refused.get_json()["error"] == "unauthorized"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/pages/reservee", headers=bearer).status_code == 401


def test_a_new_token_replaces_the_old_one_and_a_deactivated_member_token_fails(seeded, app, client, make_user):
    member = app.test_client()
    user_id = make_user("Rémi")
    login_as(member, user_id)
    first, second = read_token(member), read_token(member)
    assert client.get("/api/tags", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert client.get("/api/tags", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert client.get("/api/tags", headers={"Authorization": f"Bearer {second}"}).status_code == 401


def test_visitors_are_sent_to_sign_in_from_the_account_page(client):
    assert client.get("/account").status_code in (302, 303)
    assert client.post("/account/token").status_code in (302, 303, 401)


@pytest.mark.parametrize("url, status, code", [
    ("/api/pages/absente", 404, "not_found"), ("/api/pages/absente/history", 404, "not_found"),
    ("/api/inconnu", 404, "not_found"), ("/api/pages/a/b/c", 404, "not_found"),
    ("/api/pages?page=0", 400, "bad_request"), ("/api/pages?per_page=abc", 400, "bad_request"),
    ("/api/pages?page=99999999999999999999", 400, "bad_request"), ("/api/search", 400, "bad_request"),
    ("/api/search?q=" + "a" * 600, 400, "bad_request"), ("/api/recent?limit=-1", 400, "bad_request"),
])
def test_errors_are_json(seeded, client, url, status, code):
    response = client.get(url)
    assert response.status_code == status and response.mimetype == "application/json"
    assert response.get_json()["error"] == code and response.get_json()["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer " + "x" * 500])
def test_a_bad_token_is_a_json_401(seeded, client, header):
    response = client.get("/api/pages", headers={"Authorization": header})
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_other_methods_are_json_405(client):
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/api/pages")
        assert response.status_code == 405 and response.get_json()["error"] == "method_not_allowed"
        assert "Access-Control-Allow-Origin" not in response.headers


def test_etag_cache_control_cors_and_no_cookie(seeded, client, client_as):
    first = client.get("/api/pages")
    assert first.headers["Cache-Control"] == "public, max-age=60" and first.headers["ETag"]
    assert first.headers["Access-Control-Allow-Origin"] == "*" and "Set-Cookie" not in first.headers
    again = client.get("/api/pages", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()
    member = client_as("volunteer", name="Mia").get("/api/pages")
    assert member.headers["Cache-Control"].startswith("private") and member.headers["ETag"] != first.headers["ETag"]
    assert "Set-Cookie" not in member.headers
    assert "Access-Control-Allow-Origin" not in client.get("/wiki/").headers  # CORS under /api/ only


def test_openapi_document_is_valid_3_1(client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert {"/api/pages", "/api/pages/{slug}", "/api/pages/{slug}/history", "/api/recent", "/api/search",
            "/api/tags", "/api/agenda"} <= set(document["paths"])


@pytest.mark.parametrize("language, words", [("fr", "Adresses"), ("en", "Addresses")])
def test_guide_in_french_and_english(client, language, words):
    response = client.get("/api/", headers={"Accept-Language": language})
    assert response.status_code == 200 and words in response.get_data(as_text=True)
    assert "/api/openapi.json" in response.get_data(as_text=True)


def test_feeds_parse_and_hold_no_pending_or_members_only_item(seeded, client):
    for url in ("/feeds/tags/qapubtag.atom", "/feeds/agenda.atom"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/atom+xml"
        feed = feedparser.parse(response.get_data())
        assert not feed.bozo, (url, feed.bozo_exception)
        assert feed.entries and not leaks(response.get_data(as_text=True), "visitor"), url
    assert [e.title for e in feedparser.parse(client.get("/feeds/tags/qapubtag.atom").get_data()).entries] == ["Publique"]
    assert [e.link for e in feedparser.parse(client.get("/feeds/agenda.atom").get_data()).entries] == \
        ["http://localhost/wiki/seance-publique"]
    for hidden in ("qamemtag", "qadeltag", "qapendtag", "inconnue"):
        assert client.get(f"/feeds/tags/{hidden}.atom").status_code == 404
