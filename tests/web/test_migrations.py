"""Migrations create the schema on an empty database, and agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.models import Licence
from tests.conftest import drop_everything


def test_upgrade_on_empty_database_matches_models(app_config):
    app = create_app(app_config)
    with app.app_context():
        drop_everything()
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        assert db.session.get(Licence, "CC-BY-SA-4.0").shareable
        assert not db.session.get(Licence, "internal").shareable
        db.session.remove()
        db.engine.dispose()
