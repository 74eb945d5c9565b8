"""add tags and revision snapshots

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 13:13:33.670313

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('page_tags',
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], ),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], ),
    sa.PrimaryKeyConstraint('page_id', 'tag_id')
    )
    with op.batch_alter_table('page_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_tags_tag_id'), ['tag_id'], unique=False)

    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_authors', sa.String(length=500), nullable=False, server_default=''))

    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.String(length=1000), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('licence_code', sa.String(length=40), nullable=True))

    # Existing revisions take their page's licence, so history shows where licences changed.
    op.execute("UPDATE revisions SET licence_code = (SELECT licence_code FROM pages WHERE pages.id = revisions.page_id)")



def downgrade():
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_column('licence_code')
        batch_op.drop_column('tags')

    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_column('imported_authors')

    with op.batch_alter_table('page_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_tags_tag_id'))

    op.drop_table('page_tags')
    op.drop_table('tags')
