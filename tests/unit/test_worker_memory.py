"""What a web worker leaves unloaded (issue 16: worker RSS): Alembic and icalendar are imported only
by the commands and views that use them; `flask db` still works through the lazy stand-in."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from app import create_app
app = create_app({"SECRET_KEY": "x", "WIKI_INSTANCE_PATH": sys.argv[1],
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1] + "/wiki.db"})
client = app.test_client()
client.get("/wiki/nothing-here")
print(sorted(name for name in ("alembic", "flask_migrate", "icalendar", "recurring_ical_events") if name in sys.modules))
"""


def test_a_worker_never_imports_alembic_or_icalendar(tmp_path):
    found = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.strip().splitlines()[-1]
    assert found == "[]"


def test_flask_db_commands_load_flask_migrate_when_asked(app, runner):
    result = runner.invoke(args=["db", "--help"])
    assert result.exit_code == 0 and "upgrade" in result.output and "--directory" in result.output
    assert app.extensions["migrate"].directory.endswith("migrations")
