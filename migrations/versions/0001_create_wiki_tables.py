"""create wiki tables: users, licences (seeded), pages, revisions, links, redirects, counters

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 12:42:53.750392

"""
from alembic import op
import sqlalchemy as sa

# A copy, not an import: a migration must not change when the app's code does.
LICENCES = [
    ("CC-BY-SA-4.0", "Creative Commons Attribution – Partage dans les mêmes conditions 4.0",
     "https://creativecommons.org/licenses/by-sa/4.0/deed.fr", True),
    ("CC-BY-4.0", "Creative Commons Attribution 4.0",
     "https://creativecommons.org/licenses/by/4.0/deed.fr", True),
    ("CC0-1.0", "Creative Commons Zéro 1.0 (domaine public)",
     "https://creativecommons.org/publicdomain/zero/1.0/deed.fr", True),
    ("Etalab-2.0", "Licence Ouverte / Open Licence 2.0 (Etalab)",
     "https://www.etalab.gouv.fr/licence-ouverte-open-licence/", True),
    ("internal", "Interne — ne pas diffuser", "", False),
]


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('counters',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('licences',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('shareable', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('trusted', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('licence_code', sa.String(length=40), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('protected', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('head_id', sa.Integer(), nullable=True),
    sa.Column('published_id', sa.Integer(), nullable=True),
    sa.Column('change_seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['head_id'], ['revisions.id'], name='fk_pages_head_id', use_alter=True),
    sa.ForeignKeyConstraint(['licence_code'], ['licences.code'], ),
    sa.ForeignKeyConstraint(['published_id'], ['revisions.id'], name='fk_pages_published_id', use_alter=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pages_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_pages_deleted'), ['deleted'], unique=False)
        batch_op.create_index(batch_op.f('ix_pages_head_id'), ['head_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pages_licence_code'), ['licence_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_pages_published_id'), ['published_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pages_updated_at'), ['updated_at'], unique=False)

    op.create_table('links',
    sa.Column('from_page_id', sa.Integer(), nullable=False),
    sa.Column('to_slug', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['from_page_id'], ['pages.id'], ),
    sa.PrimaryKeyConstraint('from_page_id', 'to_slug')
    )
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_links_to_slug'), ['to_slug'], unique=False)

    op.create_table('redirects',
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], ),
    sa.PrimaryKeyConstraint('slug')
    )
    with op.batch_alter_table('redirects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redirects_page_id'), ['page_id'], unique=False)

    op.create_table('revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_label', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('review_comment', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['revisions.id'], ),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('page_id', 'number', name='uq_revisions_page_number')
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revisions_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_page_id'), ['page_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_reviewer_id'), ['reviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_status'), ['status'], unique=False)

    # pages <-> revisions is a cycle: SQLite declares it inline (no ALTER needed),
    # other databases add it now that both tables exist.
    if op.get_context().dialect.name != "sqlite":
        op.create_foreign_key("fk_pages_head_id", "pages", "revisions", ["head_id"], ["id"])
        op.create_foreign_key("fk_pages_published_id", "pages", "revisions", ["published_id"], ["id"])

    licences = sa.table("licences", sa.column("code", sa.String), sa.column("name", sa.String),
                        sa.column("url", sa.String), sa.column("shareable", sa.Boolean))
    op.bulk_insert(licences, [dict(code=code, name=name, url=url, shareable=shareable)
                              for code, name, url, shareable in LICENCES])
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counters, [{"name": "change_seq", "value": 0}])


def downgrade():
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint("fk_pages_head_id", "pages", type_="foreignkey")
        op.drop_constraint("fk_pages_published_id", "pages", type_="foreignkey")
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisions_status'))
        batch_op.drop_index(batch_op.f('ix_revisions_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_revisions_parent_id'))
        batch_op.drop_index(batch_op.f('ix_revisions_page_id'))
        batch_op.drop_index(batch_op.f('ix_revisions_created_at'))
        batch_op.drop_index(batch_op.f('ix_revisions_author_id'))

    op.drop_table('revisions')
    with op.batch_alter_table('redirects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redirects_page_id'))

    op.drop_table('redirects')
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_links_to_slug'))

    op.drop_table('links')
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pages_updated_at'))
        batch_op.drop_index(batch_op.f('ix_pages_published_id'))
        batch_op.drop_index(batch_op.f('ix_pages_licence_code'))
        batch_op.drop_index(batch_op.f('ix_pages_head_id'))
        batch_op.drop_index(batch_op.f('ix_pages_deleted'))
        batch_op.drop_index(batch_op.f('ix_pages_change_seq'))

    op.drop_table('pages')
    op.drop_table('users')
    op.drop_table('licences')
    op.drop_table('counters')
