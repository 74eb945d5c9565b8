"""What a web worker leaves unloaded (issue 16: worker RSS): Alembic, icalendar, spectree and pydantic
are imported only by the commands and views that use them; `flask db` still works through the lazy
stand-in, and the API still validates its parameters and describes itself on its first request.
Pillow and puremagic wait for the first file, PyYAML and app/wiki/bundles for the first export or
import, and page dates never load Babel's whole locale data (app/wiki/dates.py): a worker serving
pages, searches, the portal and the agenda, to a visitor or a member, in French or English, imports
none of them and leaves Babel's locale cache empty."""

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

# A real page (with its dates and its reuse block), seen by a visitor and by a member, in both languages.
PAGES_PROBE = """
import json, sys
from app import create_app
app = create_app({"SECRET_KEY": "x", "WIKI_INSTANCE_PATH": sys.argv[1], "WTF_CSRF_ENABLED": False,
                  "WIKI_PASSWORD_METHOD": "pbkdf2:sha256:1000",
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1] + "/wiki.db"})
from app.extensions import db
from app.models.taxonomy import seed_licences
from app.wiki.accounts import create_user
from app.wiki.editing import create_page
with app.app_context():
    db.create_all()
    seed_licences()
    create_user(name="Camille", password="motdepasse", role="facilitator")
    create_page(title="Gare du Nord", body="# Quai\\n\\nLe train part.", publish_now=True)
paths = ["/wiki/gare-du-nord", "/", "/agenda", "/search?q=train", "/search/suggest?q=tra", "/wiki/",
         "/wiki/gare-du-nord/history", "/recent"]
statuses = []
for language in ("fr", "en"):
    client = app.test_client()
    statuses += [client.get(path, headers={"Accept-Language": language}).status_code for path in paths]
    client.post("/login", data={"name": "Camille", "password": "motdepasse"})
    statuses += [client.get(path, headers={"Accept-Language": language}).status_code for path in paths]
from babel import localedata
print(json.dumps({"statuses": sorted(set(statuses)), "babel": sorted(localedata._cache),
                  "modules": sorted(name for name in ("PIL", "puremagic", "yaml", "app.wiki.bundles")
                                    if name in sys.modules)}))
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


def test_pages_and_dates_load_neither_pillow_puremagic_nor_babels_locale_data(tmp_path):
    found = json.loads(subprocess.run([sys.executable, "-c", PAGES_PROBE, str(tmp_path)], cwd=ROOT,
                                      capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
    assert found == {"statuses": [200], "babel": [], "modules": []}


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
