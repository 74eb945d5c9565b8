"""follows, notifications and the mail queue (issue 13)

Revision ID: 0009
Revises: 0008
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    pass  # tables come with their feature; the chain is fixed first so features can land in any order


def downgrade():
    pass
