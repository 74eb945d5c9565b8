"""Schemathesis against the API through WSGI (issue 15 acceptance): for every operation of
/api/openapi.json, generated parameters never cause a server error nor an answer that violates its
schema, as a visitor, over seeded pages (published, pending, members-only)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from app.extensions import db
from app.models import User
from app.wiki import editing


@pytest.fixture
def api_schema(app, make_user):
    author = make_user("Fanny", role="facilitator")
    volunteer = make_user("Victor")
    with app.app_context():
        fanny, victor = db.session.get(User, author), db.session.get(User, volunteer)
        page = editing.create_page(title="Accueil", body="Bienvenue [[Réservée]]", tags="accueil", author=fanny)
        editing.save_edit(page, title="Accueil", body="En attente", summary="", tags="accueil", author=victor,
                          base_revision=1)
        editing.create_page(title="Réservée", body="membres", author=fanny, visibility="members")
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def test_api_answers_follow_the_schema(api_schema):
    """Each operation in turn (pytest's own schemathesis plugin does not load under this pytest)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 7
    calls = []
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            calls.append(case.call_and_validate().status_code)

        check()
    assert len(calls) >= 5 * len(operations) and all(status < 500 for status in calls)
    print(f"schemathesis: {len(operations)} operations, {len(calls)} calls, statuses {sorted(set(calls))}")
