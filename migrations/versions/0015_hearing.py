"""The hearing: comments on the draft (period, sections, replies), questions during sessions, the survey; when an event was published.

Revision ID: 0015_hearing
Revises: 0014_reuse
Create Date: 2026-12-02 14:56:40.151110

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_hearing'
down_revision = '0014_reuse'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('comment_settings',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('access', sa.Enum('registrants', 'email', name='commentaccess', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at', name=op.f('ck_comment_settings_comment_period_ordered')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_comment_settings_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_comment_settings'))
    )
    op.create_table('commenters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_normalized', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.Enum('government', 'state_enterprise', 'private', 'academic', 'civil_society', 'public', name='sector', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('seed', sa.String(length=32), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_commenters_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commenters')),
    sa.UniqueConstraint('event_id', 'email_normalized', name='uq_commenters_event_email'),
    sa.UniqueConstraint('token_hash', name=op.f('uq_commenters_token_hash'))
    )
    op.create_table('surveys',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('target_percent', sa.Integer(), server_default='85', nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('target_percent >= 1 AND target_percent <= 100', name=op.f('ck_surveys_target_is_a_percentage')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_surveys_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_surveys'))
    )
    op.create_table('document_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('heading', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], name=op.f('fk_document_sections_attachment_id_attachments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_sections'))
    )
    with op.batch_alter_table('document_sections', schema=None) as batch_op:
        batch_op.create_index('ix_document_sections_attachment_position', ['attachment_id', 'position'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('commenter_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.Enum('government', 'state_enterprise', 'private', 'academic', 'civil_society', 'public', name='sector', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('status', sa.Enum('pending', 'published', 'hidden', name='commentstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('hidden_reason', sa.Text(), nullable=False),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reply_body', sa.Text(), nullable=False),
    sa.Column('replied_by_id', sa.Integer(), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status != 'hidden' OR hidden_reason != ''", name=op.f('ck_comments_hidden_with_reason')),
    sa.CheckConstraint('registration_id IS NOT NULL OR commenter_id IS NOT NULL', name=op.f('ck_comments_comment_has_author')),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], name=op.f('fk_comments_attachment_id_attachments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commenter_id'], ['commenters.id'], name=op.f('fk_comments_commenter_id_commenters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_comments_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['users.id'], name=op.f('fk_comments_moderated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_comments_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replied_by_id'], ['users.id'], name=op.f('fk_comments_replied_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['section_id'], ['document_sections.id'], name=op.f('fk_comments_section_id_document_sections'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_attachment_id'), ['attachment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_commenter_id'), ['commenter_id'], unique=False)
        batch_op.create_index('ix_comments_event_status', ['event_id', 'status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_section_id'), ['section_id'], unique=False)

    op.create_table('session_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'hidden', name='questionstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('votes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('votes >= 0', name=op.f('ck_session_questions_votes_not_negative')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_session_questions_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['users.id'], name=op.f('fk_session_questions_moderated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_session_questions_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_session_questions_session_id_event_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_questions'))
    )
    with op.batch_alter_table('session_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_questions_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_questions_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index('ix_session_questions_session_status', ['session_id', 'status', 'id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('onsite', 'online', name='surveymode', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('overall', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('overall >= 1 AND overall <= 5', name=op.f('ck_survey_responses_overall_on_the_scale')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_survey_responses_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_survey_responses_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_survey_responses_session_id_event_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('session_id', 'registration_id', name='uq_survey_responses_session_registration')
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_event', ['event_id', 'session_id'], unique=False)

    op.create_table('session_question_votes',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['session_questions.id'], name=op.f('fk_session_question_votes_question_id_session_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_session_question_votes_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'registration_id', name=op.f('pk_session_question_votes'))
    )
    with op.batch_alter_table('session_question_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_question_votes_registration_id'), ['registration_id'], unique=False)

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
    # Events published before this revision: their creation is the best date known.
    op.execute("UPDATE events SET published_at = created_at WHERE status != 'draft'")



def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('published_at')

    with op.batch_alter_table('session_question_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_question_votes_registration_id'))

    op.drop_table('session_question_votes')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_event')

    op.drop_table('survey_responses')
    with op.batch_alter_table('session_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_session_questions_session_status')
        batch_op.drop_index(batch_op.f('ix_session_questions_registration_id'))
        batch_op.drop_index(batch_op.f('ix_session_questions_event_id'))

    op.drop_table('session_questions')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_section_id'))
        batch_op.drop_index(batch_op.f('ix_comments_registration_id'))
        batch_op.drop_index('ix_comments_event_status')
        batch_op.drop_index(batch_op.f('ix_comments_commenter_id'))
        batch_op.drop_index(batch_op.f('ix_comments_attachment_id'))

    op.drop_table('comments')
    with op.batch_alter_table('document_sections', schema=None) as batch_op:
        batch_op.drop_index('ix_document_sections_attachment_position')

    op.drop_table('document_sections')
    op.drop_table('surveys')
    op.drop_table('commenters')
    op.drop_table('comment_settings')
