"""add session fields on pages and revisions, and personal calendar feed tokens

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

EVENT_COLUMNS = (("event_start", sa.String(16)), ("event_end", sa.String(16)), ("event_place", sa.String(300)),
                 ("event_repeat", sa.String(10)), ("event_until", sa.String(10)), ("event_exceptions", sa.Text()))


def upgrade():
    for table in ("pages", "revisions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_ in EVENT_COLUMNS:
                batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=""))
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.create_index("ix_pages_event_start", ["event_start"], unique=False)
    op.create_table(
        "calendar_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        sa.UniqueConstraint("user_id"),
    )


def downgrade():
    op.drop_table("calendar_tokens")
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_index("ix_pages_event_start")
    for table in ("pages", "revisions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _type in EVENT_COLUMNS:
                batch_op.drop_column(name)
