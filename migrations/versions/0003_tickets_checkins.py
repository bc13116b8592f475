"""Tickets (a random id per registration), erasure, the calendar SEQUENCE of sessions, and the check-in log.

Revision ID: 0003_tickets_checkins
Revises: 0002_invitations_outbox
Create Date: 2026-12-01 21:00:34.189245

"""
import base64
import secrets

from alembic import op
import sqlalchemy as sa

# The same triggers as eventsvc/checkin/models.py creates with the table (copied: a
# migration must not change when the code does).
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER checkins_no_update BEFORE UPDATE ON checkins "
        "BEGIN SELECT RAISE(ABORT, 'checkins are append-only'); END",
        "CREATE TRIGGER checkins_no_delete BEFORE DELETE ON checkins "
        "BEGIN SELECT RAISE(ABORT, 'checkins are append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION checkins_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'checkins are append-only'; END $$",
        "CREATE TRIGGER checkins_append_only BEFORE UPDATE OR DELETE ON checkins "
        "FOR EACH ROW EXECUTE FUNCTION checkins_append_only()",
    ],
}


# revision identifiers, used by Alembic.
revision = '0003_tickets_checkins'
down_revision = '0002_invitations_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.Enum('qr', 'scanner', 'search', 'api', name='checkinmethod', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_checkins_event_id_events')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_checkins_registration_id_registrations')),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_checkins_session_id_event_sessions')),
    sa.ForeignKeyConstraint(['staff_id'], ['users.id'], name=op.f('fk_checkins_staff_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    sa.UniqueConstraint('staff_id', 'nonce', name='uq_checkins_staff_nonce'),
    sa.UniqueConstraint('registration_id', 'session_id', name='uq_checkins_registration_session')
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_event_session', ['event_id', 'session_id'], unique=False)
    for statement in APPEND_ONLY.get(op.get_context().dialect.name, []):
        op.execute(statement)

    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_id', sa.String(length=22), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_registrations_ticket_id'), ['ticket_id'])

    # Every registration made before tickets existed gets its ticket now.
    connection = op.get_bind()
    registrations = sa.table('registrations', sa.column('id', sa.Integer), sa.column('ticket_id', sa.String))
    ids = connection.execute(sa.select(registrations.c.id).where(registrations.c.ticket_id.is_(None))).scalars().all()
    for registration_id in ids:
        ticket_id = base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()
        connection.execute(sa.update(registrations).where(registrations.c.id == registration_id)
                           .values(ticket_id=ticket_id))


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_registrations_ticket_id'), type_='unique')
        batch_op.drop_column('erased_at')
        batch_op.drop_column('ticket_id')

    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.drop_column('sequence')

    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_checkins_event_session')

    if op.get_context().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS checkins_append_only() CASCADE')
    op.drop_table('checkins')
