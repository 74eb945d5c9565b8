"""Flask extensions, created once without an app and bound in create_app."""

import click
from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class LazyMigrate:
    """Flask-Migrate, imported (with Alembic, about 10 MB a process) only when a migration runs or a
    `flask db` command is used: web workers never need it. Binds like Flask-Migrate's Migrate."""

    def init_app(self, app, db, **options) -> None:
        app.extensions["migrate"] = LazyMigrateConfig(app, db, options)
        app.cli.add_command(LazyDbCommands("db", help="Perform database migrations."))


class LazyMigrateConfig:
    """Stands for Flask-Migrate's app.extensions["migrate"] until something reads it, then binds the
    real Migrate (which puts its own config there) and answers for it."""

    def __init__(self, app, db, options):
        self._app, self._db, self._options, self._real = app, db, options, None

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._real is None:
            from flask_migrate import Migrate

            Migrate(self._app, self._db, **self._options)
            self._real = self._app.extensions["migrate"]
        return getattr(self._real, name)


class LazyDbCommands(click.Group):
    """`flask db …`: Flask-Migrate's commands, imported when one is asked for."""

    @staticmethod
    def commands_group():
        from flask_migrate.cli import db as db_commands

        return db_commands

    def parse_args(self, ctx, args):
        real = self.commands_group()  # its options (--directory, -x) and its callback, which sets them on g
        self.params, self.callback = real.params, real.callback
        return super().parse_args(ctx, args)

    def list_commands(self, ctx):
        return self.commands_group().list_commands(ctx)

    def get_command(self, ctx, name):
        return self.commands_group().get_command(ctx, name)


db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate()
htmx = HTMX()
login = LoginManager()
csrf = CSRFProtect()
babel = Babel()
