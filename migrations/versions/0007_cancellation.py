"""Cancellation with a reason: the event's reason, and a session cancelled on its own.

Revision ID: 0007_cancellation
Revises: 0006_checkin_undo
Create Date: 2026-12-02 06:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_cancellation'
down_revision = '0006_checkin_undo'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_at')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('cancel_reason')
