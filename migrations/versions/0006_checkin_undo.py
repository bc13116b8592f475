"""Check-in undo: the log gets an action (check_in / undo) and an attempt number.

An undo is a new row sharing its check-in's attempt; checking in again after
an undo is the next attempt, so "one check-in per person and session" becomes
one per person, session and attempt (and one undo per check-in).

Revision ID: 0006_checkin_undo
Revises: 0005_login_sessions
Create Date: 2026-12-02 06:20:00

"""
from alembic import op
import sqlalchemy as sa

# The append-only triggers of 0003 (copied): SQLite's batch mode rebuilds the table and they go with it.
SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER checkins_no_update BEFORE UPDATE ON checkins "
    "BEGIN SELECT RAISE(ABORT, 'checkins are append-only'); END",
    "CREATE TRIGGER checkins_no_delete BEFORE DELETE ON checkins "
    "BEGIN SELECT RAISE(ABORT, 'checkins are append-only'); END",
]

# revision identifiers, used by Alembic.
revision = '0006_checkin_undo'
down_revision = '0005_login_sessions'
branch_labels = None
depends_on = None


def _rebuild(change):
    sqlite = op.get_context().dialect.name == 'sqlite'
    if sqlite:
        for trigger in ('checkins_no_update', 'checkins_no_delete'):
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)


def upgrade():
    def change(batch_op):
        batch_op.add_column(sa.Column('action', sa.Enum('check_in', 'undo', name='checkinaction', native_enum=False,
                                                        create_constraint=True),
                                      server_default='check_in', nullable=False))
        batch_op.add_column(sa.Column('attempt', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_constraint('uq_checkins_registration_session', type_='unique')
        batch_op.create_unique_constraint('uq_checkins_registration_session_attempt',
                                          ['registration_id', 'session_id', 'action', 'attempt'])
        batch_op.create_check_constraint('attempt_not_negative', 'attempt >= 0')
    _rebuild(change)


def downgrade():
    # Fails (by the old unique constraint) once someone was checked in again after an undo: the log is not rewritten.
    def change(batch_op):
        batch_op.drop_constraint(batch_op.f('ck_checkins_attempt_not_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_checkins_checkinaction'), type_='check')
        batch_op.drop_constraint('uq_checkins_registration_session_attempt', type_='unique')
        batch_op.create_unique_constraint('uq_checkins_registration_session', ['registration_id', 'session_id'])
        batch_op.drop_column('attempt')
        batch_op.drop_column('action')
    _rebuild(change)
