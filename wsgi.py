"""The WSGI entry point (`gunicorn wsgi:app`, `flask --app wsgi ...`): the app, or one line
saying why it cannot start (instance folder not writable, DATABASE_URL wrong or unreachable)."""

import sys

from app.startup import StartupError, start

try:
    app = start()
except StartupError as error:
    print(f"Gare centrale cannot start: {error}", file=sys.stderr, flush=True)
    sys.exit(4)  # gunicorn's "app failed to load": the master stops instead of respawning workers
