"""Messages to registrants: the messages organizers write, and their own paragraph in the confirmation and reminders.

Each recipient's copy is an outbox row (kind `event_message`); this table
holds what was written, the filter and when it goes.

Revision ID: 0010_messaging
Revises: 0009_teams_audit
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_messaging'
down_revision = '0009_teams_audit'
branch_labels = None
depends_on = None

NOTES = ('confirmation_note_th', 'confirmation_note_en', 'reminder_note_th', 'reminder_note_en')


def upgrade():
    with op.batch_alter_table('events') as batch_op:
        for name in NOTES:
            batch_op.add_column(sa.Column(name, sa.Text(), server_default='', nullable=False))
    op.create_table(
        'event_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('filter', sa.JSON(), nullable=False),
        sa.Column('recipient_count', sa.Integer(), nullable=False),
        sa.Column('recipients_by_language', sa.JSON(), nullable=False),
        sa.Column('send_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('scheduled', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('recipient_count >= 0', name='recipient_count_not_negative'),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('event_messages') as batch_op:
        batch_op.create_index('ix_event_messages_event_id', ['event_id', 'id'], unique=False)


def downgrade():
    op.drop_table('event_messages')
    with op.batch_alter_table('events') as batch_op:
        for name in reversed(NOTES):
            batch_op.drop_column(name)
