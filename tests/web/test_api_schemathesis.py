"""Schemathesis against the API through WSGI (issue 15 acceptance): for every operation of
/api/openapi.json, generated parameters (valid ones, and invalid ones that must be refused) never
cause a server error nor an answer that violates its schema, as a visitor and with a member's read
token, over seeded pages (published, pending, members-only)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from app.extensions import db
from app.models import User
from app.wiki import api_tokens, editing

MAX_EXAMPLES = 20  # per operation, reader and mode


@pytest.fixture
def seeded(app, make_user):
    author = make_user("Fanny", role="facilitator")
    volunteer = make_user("Victor")
    with app.app_context():
        fanny, victor = db.session.get(User, author), db.session.get(User, volunteer)
        page = editing.create_page(title="Accueil", body="Bienvenue [[Réservée]]", tags="accueil", author=fanny)
        editing.save_edit(page, title="Accueil", body="En attente", summary="", tags="accueil", author=victor,
                          base_revision=1)
        editing.create_page(title="Réservée", body="membres", author=fanny, visibility="members")
        return api_tokens.create_read_token(db.session.get(User, volunteer))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("reader", ["visitor", "token"])
def test_api_answers_follow_the_schema(app, seeded, reader, mode):
    """Each operation in turn (pytest's own schemathesis plugin does not load under this pytest)."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {seeded}"} if reader == "token" else {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    calls, without_invalid_input = [], []
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            calls.append(case.call_and_validate(headers=headers).status_code)

        try:
            check()
        except Unsatisfiable:  # no parameter can be made invalid (any text is a slug; tags, agenda: none)
            assert mode is GenerationMode.NEGATIVE, operation.label
            without_invalid_input.append(operation.label)
    assert calls and all(status < 500 for status in calls)
    if mode is GenerationMode.NEGATIVE:
        assert 400 in calls and set(without_invalid_input) == {
            "GET /api/pages/{slug}", "GET /api/pages/{slug}/history", "GET /api/tags", "GET /api/agenda"}
    print(f"schemathesis {reader} {mode.value}: {len(operations)} operations, {len(calls)} calls, "
          f"statuses {sorted(set(calls))}, nothing invalid to send to {without_invalid_input}")
