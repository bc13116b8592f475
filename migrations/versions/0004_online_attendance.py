"""Online attendance: who joined which session's stream, first and last time.

Also an index on registrations (event_id, id): the exports read an event's
registrations in id order, a page at a time.

Revision ID: 0004_online_attendance
Revises: 0003_tickets_checkins
Create Date: 2026-12-01 21:46:54.686565

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_online_attendance'
down_revision = '0003_tickets_checkins'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('online_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('first_joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('joins', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('joins >= 1', name=op.f('ck_online_attendance_joined_at_least_once')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_online_attendance_event_id_events')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_online_attendance_registration_id_registrations')),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_online_attendance_session_id_event_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_online_attendance')),
    sa.UniqueConstraint('registration_id', 'session_id', name='uq_online_attendance_registration_session')
    )
    with op.batch_alter_table('online_attendance', schema=None) as batch_op:
        batch_op.create_index('ix_online_attendance_event_session', ['event_id', 'session_id'], unique=False)
    op.create_index('ix_registrations_event_id', 'registrations', ['event_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_registrations_event_id', table_name='registrations')
    with op.batch_alter_table('online_attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_online_attendance_event_session')

    op.drop_table('online_attendance')
