"""Presence (issue 13): who has the editor open, the open editor's heartbeat, its end, and the
warning an open editor gets when someone saved the page meanwhile (with the change and a merge)."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import EditorPresence, utcnow
from app.wiki import editing, pages
from tests.conftest import csrf_token_from, login_as

HX = {"HX-Request": "true"}


@pytest.fixture
def page_slug(app):
    with app.app_context():
        return editing.create_page(title="Charte", body="Un.\n\nDeux.\n\nTrois.", author_label="test",
                                   publish_now=True).slug


def head_number(app, slug):
    with app.app_context():
        return pages.find_page(slug)[0].head.number


def beat(client, slug, key="", base=None, state=""):
    data = {"editor_key": key, "base_revision": "" if base is None else str(base), "presence_state": state}
    return client.post(f"/wiki/{slug}/presence", data=data, headers=HX)


def key_of(response):
    return re.search(r'name="editor_key" value="([^"]*)"', response.get_data(as_text=True)).group(1)


def state_of(response):
    return re.search(r'name="presence_state" value="([^"]*)"', response.get_data(as_text=True)).group(1)


def test_a_reader_sees_who_has_the_editor_open(app, client, client_as, page_slug):
    ana = client_as("volunteer", name="Ana")
    opened = beat(ana, page_slug, base=1)
    assert opened.status_code == 200 and len(key_of(opened)) >= 16
    answer = client.get(f"/wiki/{page_slug}/presence", headers=HX)
    assert answer.status_code == 200 and "<html" not in answer.get_data(as_text=True)
    text = answer.get_data(as_text=True)
    assert 'id="presence"' in text and "Ana modifie cette page depuis moins d’une minute" in text
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in answer.headers  # a visitor's look creates no session
