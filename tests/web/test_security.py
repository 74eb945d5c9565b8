"""Browser hardening and request safety: htmx config, scripts, hx-disable, frame and CSP headers,
the htmx history cache, GETs that never write, and local-only redirects."""

import json
import re

import html5lib
import pytest
import sqlalchemy as sa

from app.extensions import db


def parse(html):
    return html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)


@pytest.fixture
def page(editor):
    """A published page, written by a signed-in editor and read by the visitor `client`."""
    response = editor.post("/wiki/guide/edit", data={"title": "Guide", "body": "# Titre\n\ntexte", "base_revision": ""})
    assert response.status_code == 303
    return "/wiki/guide"


def test_htmx_config_meta_is_safe(client, page):
    meta = parse(client.get(page).get_data(as_text=True)).find(".//meta[@name='htmx-config']")
    config = json.loads(meta.get("content"))
    assert config["selfRequestsOnly"] is True and config["allowEval"] is False
    assert config["allowScriptTags"] is False and config["includeIndicatorStyles"] is False


def test_every_script_is_a_same_origin_file_and_no_inline_handlers(client, page):
    html = client.get(page).get_data(as_text=True)
    for script in parse(html).iter("script"):
        assert script.get("src", "").startswith("/static/") and not (script.text or "").strip()
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler in a template"


def test_rendered_bodies_sit_inside_hx_disable(client, page):
    for url in (page, f"{page}/revisions/1"):
        tree = parse(client.get(url).get_data(as_text=True))
        prose = tree.find(".//div[@class='prose']")
        assert prose is not None and "hx-disable" in prose.attrib


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
@pytest.mark.parametrize("url", ["/", "/wiki/guide", "/wiki/absente", "/wiki/guide/history", "/review", "/nope"])
def test_frame_and_csp_headers_everywhere(client, page, url, headers):
    response = client.get(url, headers=headers)
    assert response.headers["X-Frame-Options"] == "DENY"
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_private_pages_are_kept_out_of_the_htmx_history_cache(client_as):
    facilitator = client_as("admin")
    for url in ("/review", "/invitations", "/admin/users"):
        assert 'hx-history="false"' in facilitator.get(url).get_data(as_text=True), url


def test_no_get_view_writes_to_the_database(app, client_as, page):
    """Every GET route, called as an admin, leaves every table as it was."""
    client = client_as("admin")
    client.get("/")  # sign-in side effects done

    def snapshot():
        with app.app_context():
            return {t.name: db.session.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                    for t in db.metadata.sorted_tables}

    before = snapshot()
    values = {"slug": "guide", "number": 1, "tag": "x", "token": "nope", "code": "fr", "filename": "app.css"}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = rule.build({k: values.get(k, "x") for k in rule.arguments}, append_unknown=False)[1]
        assert client.get(url).status_code < 500, url
    assert snapshot() == before


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
                                    "javascript:alert(1)", "%2F%2Fevil.example", "/%09/evil.example"])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.post("/language", data={"code": "en", "next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_language_switch_keeps_local_next(client):
    assert client.post("/language", data={"code": "en", "next": "/wiki/Foo?x=1"}).headers["Location"] == "/wiki/Foo?x=1"
