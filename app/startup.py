"""Starting the wiki from an entry point (wsgi.py, gunicorn.conf.py, `make run`): a wrong setting
stops the start with one line saying what to fix, not a traceback; while no admin exists, the
console shows the one-time code for /setup."""

import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.config import instance_path_from_env
from app.database import refresh_planner_statistics
from app.extensions import db
from app.wiki import setup


class StartupError(Exception):
    """Why the wiki cannot start, in one line."""


def start(config: dict | None = None) -> Flask:
    """The app, checked: its instance folder is writable and its database answers."""
    check_instance_folder((config or {}).get("WIKI_INSTANCE_PATH") or instance_path_from_env())
    try:
        app = create_app(config)
    except (sa.exc.ArgumentError, ImportError) as error:
        raise StartupError(f"DATABASE_URL is not a database address this wiki can use ({first_line(error)}). "
                           "Example: postgresql://user:password@host/wiki") from None
    except ValueError as error:  # a setting the config refuses (config.check, parse_bool...)
        raise StartupError(first_line(error)) from None
    check_database(app)
    return app


def check_instance_folder(path: str) -> None:
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as error:
        raise StartupError(f"The instance folder {folder} is not writable ({error.strerror or error}). "
                           "Set WIKI_INSTANCE_PATH to a folder the wiki may write to, or fix its "
                           "permissions.") from None


def check_database(app: Flask) -> None:
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=True)
        try:
            db.session.execute(sa.text("SELECT 1"))
            db.session.remove()
            refresh_planner_statistics(db.engine)  # before any worker plans a query
        except (sa.exc.SQLAlchemyError, OSError) as error:
            raise StartupError(f"Cannot reach the database {url} ({first_line(getattr(error, 'orig', None) or error)}). "
                               "Check DATABASE_URL and that the database server is running.") from None
        finally:
            db.session.remove()
            db.engine.dispose()  # no connection survives into forked workers


def first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]


def announce_setup(app: Flask, url: str, stream=None) -> bool:
    """While no admin exists, make sure the one-time code exists and print it in a banner line;
    once one exists, remove a code left behind. True if a banner was printed."""
    with app.app_context():
        try:
            if not setup.setup_needed():
                setup.forget_code()
                return False
            code, _created = setup.ensure_code()
        finally:
            db.session.remove()
            db.engine.dispose()
    print(setup.banner(code, url.rstrip("/")), file=stream or sys.stderr, flush=True)
    return True
