"""add pages.render_version, which moves when a page's cached HTML is dropped

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("render_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_column("render_version")
