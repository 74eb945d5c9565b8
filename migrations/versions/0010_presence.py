"""who has the editor open (issue 13)

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "editor_presence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("editor_key", sa.String(length=64), nullable=False),
        sa.Column("base_revision", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["pages.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("page_id", "editor_key", name="uq_editor_presence_page_key"),
    )
    with op.batch_alter_table("editor_presence") as batch:
        batch.create_index("ix_editor_presence_page_id", ["page_id"], unique=False)
        batch.create_index("ix_editor_presence_seen_at", ["seen_at"], unique=False)


def downgrade():
    with op.batch_alter_table("editor_presence") as batch:
        batch.drop_index("ix_editor_presence_seen_at")
        batch.drop_index("ix_editor_presence_page_id")
    op.drop_table("editor_presence")
