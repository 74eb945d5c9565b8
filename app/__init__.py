"""Gare centrale: a small, fast, safe collaborative wiki."""

import importlib
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as wiki_config
from app.extensions import babel, csrf, db, htmx, login, migrate


def create_app(config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI, error handlers."""
    instance_path = (config or {}).get("WIKI_INSTANCE_PATH") or wiki_config.instance_path_from_env()
    app = Flask(__name__, instance_path=str(Path(instance_path).resolve()), instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(wiki_config.DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'wiki.db'}"
    app.config.from_pyfile("config.py", silent=True)
    wiki_config.load_env(app.config)
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = wiki_config.secret_key(app.instance_path)
    wiki_config.check(app.config)

    init_extensions(app)
    register_blueprints(app)

    from app import cli, web
    from app.wiki import search

    web.init_app(app)
    cli.init_app(app)
    search.init_app(app)
    if app.config["WIKI_PROXY_COUNT"] > 0:  # trust X-Forwarded-For/-Proto from that many proxies only
        count = app.config["WIKI_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    return app


def init_extensions(app: Flask) -> None:
    from app import database

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"), render_as_batch=True)
    database.init_app(app)
    htmx.init_app(app)
    csrf.init_app(app)
    login.init_app(app)
    from app.web.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)


BLUEPRINTS = ("pages", "auth", "review", "admin", "changes", "search", "tags", "exports", "operations", "agenda", "api", "attachments", "following")


def register_blueprints(app: Flask) -> None:
    """Each blueprint package defines `bp`; importing its `views` module attaches the views."""
    for name in BLUEPRINTS:
        package = importlib.import_module(f"app.{name}")
        importlib.import_module(f"app.{name}.views")
        app.register_blueprint(package.bp)
