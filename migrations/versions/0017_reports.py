"""The summary of a hearing published on the event page (event_summaries).

Revision ID: 0017_reports
Revises: 0016_certificates
Create Date: 2026-12-02 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_reports'
down_revision = '0016_certificates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_summaries',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('uploaded', 'generated', name='summarysource', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('size > 0', name=op.f('ck_event_summaries_summary_not_empty')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_summaries_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_event_summaries_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_summaries')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_event_summaries_stored_name'))
    )


def downgrade():
    op.drop_table('event_summaries')
