"""Registration questions per event and the answers given to them.

Revision ID: 0014_reuse
Revises: 0013_webhooks
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014_reuse'
down_revision = '0013_webhooks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'registration_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('short_text', 'long_text', 'one_choice', 'several_choices', name='questionkind',
                                  native_enum=False, create_constraint=True, length=15), nullable=False),
        sa.Column('label_th', sa.String(length=300), nullable=False),
        sa.Column('label_en', sa.String(length=300), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('choices', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('registration_questions') as batch_op:
        batch_op.create_index('ix_registration_questions_event_position', ['event_id', 'position', 'id'], unique=False)
    op.create_table(
        'registration_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('choices', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['registration_questions.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('registration_id', 'question_id', name='uq_registration_answers_question'),
    )
    with op.batch_alter_table('registration_answers') as batch_op:
        batch_op.create_index('ix_registration_answers_question_id', ['question_id'], unique=False)


def downgrade():
    op.drop_table('registration_answers')
    op.drop_table('registration_questions')
