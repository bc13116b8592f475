"""Page views and document downloads per event and day, for the dashboard's charts.

The totals (events.view_count, attachments.download_count) stay as they are;
days before this migration have no row (the charts start on the day it runs).

Revision ID: 0011_dashboard
Revises: 0010_messaging
Create Date: 2026-12-02 11:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_dashboard'
down_revision = '0010_messaging'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'event_daily_traffic',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('page_views', sa.Integer(), server_default='0', nullable=False),
        sa.Column('downloads', sa.Integer(), server_default='0', nullable=False),
        sa.CheckConstraint('page_views >= 0 AND downloads >= 0', name=op.f('ck_event_daily_traffic_traffic_not_negative')),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_daily_traffic_event_id_events'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', 'day', name=op.f('pk_event_daily_traffic')),
    )


def downgrade():
    op.drop_table('event_daily_traffic')
