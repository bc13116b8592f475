"""Teams per event and the audit trail.

Every event's owner becomes the owner member of its team. The audit trail is
append-only in the database (the same triggers as eventsvc/audit/models.py
creates with the table, copied: a migration must not change with the code).

Revision ID: 0009_teams_audit
Revises: 0008_venue_en
Create Date: 2026-12-02 11:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_teams_audit'
down_revision = '0008_venue_en'
branch_labels = None
depends_on = None

APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
        "BEGIN SELECT RAISE(ABORT, 'audit_entries are append-only'); END",
        "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
        "BEGIN SELECT RAISE(ABORT, 'audit_entries are append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_entries are append-only'; END $$",
        "CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries "
        "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()",
        "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()",
    ],
}


def upgrade():
    op.create_table(
        'event_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.Enum('owner', 'organizer', 'checkin', 'viewer', name='teamrole', native_enum=False,
                                  create_constraint=True, length=9), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id', 'user_id', name='uq_event_members_event_user'),
    )
    with op.batch_alter_table('event_members') as batch_op:
        batch_op.create_index('ix_event_members_user_id', ['user_id'], unique=False)
        batch_op.create_index('uq_event_members_one_owner', ['event_id'], unique=True,
                              sqlite_where=sa.text("role = 'owner'"), postgresql_where=sa.text("role = 'owner'"))
    op.execute("INSERT INTO event_members (event_id, user_id, role, added_by_id, created_at) "
               "SELECT id, owner_id, 'owner', owner_id, created_at FROM events")

    op.create_table(
        'audit_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.Column('actor_kind', sa.Enum('user', 'token', 'registrant', 'system', name='actorkind', native_enum=False,
                                        create_constraint=True, length=10), nullable=False),
        sa.Column('actor_user_id', sa.Integer(), nullable=True),
        sa.Column('actor_label', sa.String(length=254), nullable=False),
        sa.Column('api_token_id', sa.Integer(), nullable=True),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('target_type', sa.String(length=40), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('audit_entries') as batch_op:
        batch_op.create_index('ix_audit_entries_action', ['action'], unique=False)
        batch_op.create_index('ix_audit_entries_actor_user_id', ['actor_user_id'], unique=False)
        batch_op.create_index('ix_audit_entries_event_id', ['event_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_entries_registration_id', ['registration_id'], unique=False)
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only() CASCADE")
    op.drop_table('audit_entries')
    op.drop_table('event_members')
