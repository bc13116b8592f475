"""The venue in English: name, room and address for English pages and mails.

Empty for every event made before: English pages keep showing the Thai venue until an organizer fills them.

Revision ID: 0008_venue_en
Revises: 0007_cancellation
Create Date: 2026-12-02 06:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_venue_en'
down_revision = '0007_cancellation'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events') as batch_op:
        batch_op.add_column(sa.Column('venue_name_en', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('venue_room_en', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('venue_address_en', sa.String(length=500), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('events') as batch_op:
        batch_op.drop_column('venue_address_en')
        batch_op.drop_column('venue_room_en')
        batch_op.drop_column('venue_name_en')
