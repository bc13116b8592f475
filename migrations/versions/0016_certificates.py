"""Certificates of participation: one row per registration, its random code id, when it was issued.

Revision ID: 0016_certificates
Revises: 0015_hearing
Create Date: 2026-12-02 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_certificates'
down_revision = '0015_hearing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.String(length=22), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_certificates_registration_id_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code_id', name=op.f('uq_certificates_code_id')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_certificates_registration_id'))
    )


def downgrade():
    op.drop_table('certificates')
