"""What a web worker leaves unloaded (issue 16: worker RSS): Alembic, icalendar, spectree and pydantic
are imported only by the commands and views that use them; `flask db` still works through the lazy
stand-in, and the API still validates its parameters and describes itself on its first request."""

import json
import subprocess
import sys
from pathlib import Path

from app.api import operations, views

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from app import create_app
app = create_app({"SECRET_KEY": "x", "WIKI_INSTANCE_PATH": sys.argv[1],
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1] + "/wiki.db"})
client = app.test_client()
client.get("/wiki/nothing-here")
client.get("/")
client.get("/search?q=rien")
print(sorted(name for name in ("alembic", "flask_migrate", "icalendar", "recurring_ical_events", "spectree",
                               "pydantic", "pydantic_core") if name in sys.modules))
"""

# The first request of a fresh process is an API one: the operations load then, and validate.
API_PROBE = """
import json, sys
from app import create_app
app = create_app({"SECRET_KEY": "x", "WIKI_INSTANCE_PATH": sys.argv[1],
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1] + "/wiki.db"})
with app.app_context():
    from app.extensions import db
    db.create_all()
client = app.test_client()
assert "spectree" not in sys.modules
bad = client.get("/api/pages?per_page=100000")
document = client.get("/api/openapi.json").get_json()
fine = client.get("/api/pages?per_page=1")
print(json.dumps({"bad": [bad.status_code, bad.get_json()["error"]], "paths": sorted(document["paths"]),
                  "fine": fine.status_code, "loaded": "spectree" in sys.modules and "pydantic" in sys.modules}))
"""


def test_a_worker_serving_pages_never_imports_alembic_icalendar_spectree_or_pydantic(tmp_path):
    found = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.strip().splitlines()[-1]
    assert found == "[]"


def test_flask_db_commands_load_flask_migrate_when_asked(app, runner):
    result = runner.invoke(args=["db", "--help"])
    assert result.exit_code == 0 and "upgrade" in result.output and "--directory" in result.output
    assert app.extensions["migrate"].directory.endswith("migrations")


def test_the_api_loads_its_operations_on_first_use_and_still_validates(tmp_path):
    found = json.loads(subprocess.run([sys.executable, "-c", API_PROBE, str(tmp_path)], cwd=ROOT, capture_output=True,
                                      text=True, check=True).stdout.strip().splitlines()[-1])
    assert found["bad"] == [400, "bad_request"] and found["fine"] == 200 and found["loaded"]
    assert found["paths"] == ["/api/agenda", "/api/pages", "/api/pages/{slug}", "/api/pages/{slug}/history",
                              "/api/recent", "/api/search", "/api/tags"]


def test_each_api_route_answers_with_its_validated_operation(app, client):
    """After the first API request the app's views are the operations spectree decorated."""
    assert client.get("/api/tags").status_code == 200
    for _rule, name in views.OPERATIONS:
        assert app.view_functions[f"api.json.{name}"] is getattr(operations, name)
