"""Registrations added by hand by the event's team (a walk-in, a phone call) are marked so.

Revision ID: 0012_registrants
Revises: 0011_dashboard
Create Date: 2026-12-02 11:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_registrants'
down_revision = '0011_dashboard'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.add_column(sa.Column('added_by_organizer', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.drop_column('added_by_organizer')
