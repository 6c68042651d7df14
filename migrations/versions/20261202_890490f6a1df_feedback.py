"""Customer feedback: questionnaires, anonymous answers, follow-ups, channels and report cells

Revision ID: 890490f6a1df
Revises: 3a7c1e5d9b20
Create Date: 2026-12-02 02:06:14.969827
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.core.db

revision: str = "890490f6a1df"
down_revision: str | Sequence[str] | None = "3a7c1e5d9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback_questionnaires",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("title_fi", sa.String(length=200), nullable=False),
        sa.Column("title_sv", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("created_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_questionnaires")),
        sa.UniqueConstraint(
            "code", "version", name=op.f("uq_feedback_questionnaires_code_version")
        ),
    )
    with op.batch_alter_table("feedback_questionnaires", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_questionnaires_code"), ["code"], unique=False)

    op.create_table(
        "feedback_themes",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_fi", sa.String(length=120), nullable=False),
        sa.Column("name_sv", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("rules_fi", sa.Text(), nullable=False),
        sa.Column("rules_sv", sa.Text(), nullable=False),
        sa.Column("rules_en", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("from_suggestion", sa.Boolean(), nullable=False),
        sa.Column("created_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_themes")),
        sa.UniqueConstraint("code", name=op.f("uq_feedback_themes_code")),
    )
    op.create_table(
        "feedback_figure_cells",
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("service_area_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("period_month", sa.Integer(), nullable=False),
        sa.Column("promoters", sa.Integer(), nullable=False),
        sa.Column("passives", sa.Integer(), nullable=False),
        sa.Column("detractors", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_feedback_figure_cells_org_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["feedback_questionnaires.id"],
            name=op.f("fk_feedback_figure_cells_questionnaire_id_feedback_questionnaires"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_figure_cells")),
        sa.UniqueConstraint(
            "org_unit_id",
            "channel",
            "language",
            "questionnaire_id",
            "period_month",
            name="uq_feedback_figure_cells_key",
        ),
    )
    op.create_table(
        "feedback_kiosk_devices",
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_feedback_kiosk_devices_org_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_kiosk_devices")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feedback_kiosk_devices_token_hash")),
    )
    with op.batch_alter_table("feedback_kiosk_devices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_kiosk_devices_org_unit_id"), ["org_unit_id"], unique=False
        )

    op.create_table(
        "feedback_monthly_reports",
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("sent_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_feedback_monthly_reports_org_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_monthly_reports")),
        sa.UniqueConstraint(
            "org_unit_id", "month", name=op.f("uq_feedback_monthly_reports_org_unit_id_month")
        ),
    )
    op.create_table(
        "feedback_questions",
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("text_fi", sa.Text(), nullable=False),
        sa.Column("text_sv", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["feedback_questionnaires.id"],
            name=op.f("fk_feedback_questions_questionnaire_id_feedback_questionnaires"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_questions")),
        sa.UniqueConstraint(
            "questionnaire_id",
            "position",
            name=op.f("uq_feedback_questions_questionnaire_id_position"),
        ),
    )
    with op.batch_alter_table("feedback_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_questions_questionnaire_id"), ["questionnaire_id"], unique=False
        )

    op.create_table(
        "feedback_sms_invitations",
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("sent_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_feedback_sms_invitations_org_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_sms_invitations")),
    )
    with op.batch_alter_table("feedback_sms_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_sms_invitations_phone_hash"), ["phone_hash"], unique=False
        )

    op.create_table(
        "feedback_statement_cells",
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("service_area_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("period_month", sa.Integer(), nullable=False),
        sa.Column("question_code", sa.String(length=60), nullable=False),
        sa.Column("v0", sa.Integer(), nullable=False),
        sa.Column("v1", sa.Integer(), nullable=False),
        sa.Column("v2", sa.Integer(), nullable=False),
        sa.Column("v3", sa.Integer(), nullable=False),
        sa.Column("v4", sa.Integer(), nullable=False),
        sa.Column("v5", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_feedback_statement_cells_org_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["feedback_questionnaires.id"],
            name=op.f("fk_feedback_statement_cells_questionnaire_id_feedback_questionnaires"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_statement_cells")),
        sa.UniqueConstraint(
            "org_unit_id",
            "channel",
            "language",
            "questionnaire_id",
            "period_month",
            "question_code",
            name="uq_feedback_statement_cells_key",
        ),
    )
    op.create_table(
        "feedback_answers",
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("service_area_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("entry", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("period_month", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("open_text", sa.Text(), nullable=False),
        sa.Column("tone_suggested", sa.String(length=10), nullable=True),
        sa.Column("themes_suggested", sa.String(length=300), nullable=False),
        sa.Column("tone", sa.String(length=10), nullable=True),
        sa.Column("themes", sa.String(length=300), nullable=True),
        sa.Column("corrected_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_feedback_answers_activity_id_activities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by_id"],
            ["users.id"],
            name=op.f("fk_feedback_answers_corrected_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_feedback_answers_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["feedback_questionnaires.id"],
            name=op.f("fk_feedback_answers_questionnaire_id_feedback_questionnaires"),
        ),
        sa.ForeignKeyConstraint(
            ["service_area_id"],
            ["org_units.id"],
            name=op.f("fk_feedback_answers_service_area_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_answers")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_feedback_answers_submission_id")),
    )
    with op.batch_alter_table("feedback_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_answers_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            "ix_feedback_answers_area_month", ["service_area_id", "period_month"], unique=False
        )
        batch_op.create_index("ix_feedback_answers_month", ["period_month"], unique=False)
        batch_op.create_index(
            "ix_feedback_answers_tone_suggested", ["tone_suggested"], unique=False
        )
        batch_op.create_index(
            "ix_feedback_answers_unit_month", ["org_unit_id", "period_month"], unique=False
        )

    op.create_table(
        "feedback_survey_invitations",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("sent_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_feedback_survey_invitations_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_feedback_survey_invitations_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_survey_invitations")),
        sa.UniqueConstraint(
            "activity_id",
            "user_id",
            name=op.f("uq_feedback_survey_invitations_activity_id_user_id"),
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feedback_survey_invitations_token_hash")),
    )
    with op.batch_alter_table("feedback_survey_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_survey_invitations_activity_id"), ["activity_id"], unique=False
        )

    op.create_table(
        "feedback_answer_tags",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["feedback_answers.id"],
            name=op.f("fk_feedback_answer_tags_answer_id_feedback_answers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_answer_tags")),
        sa.UniqueConstraint(
            "answer_id", "label", name=op.f("uq_feedback_answer_tags_answer_id_label")
        ),
    )
    with op.batch_alter_table("feedback_answer_tags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_answer_tags_answer_id"), ["answer_id"], unique=False
        )

    op.create_table(
        "feedback_development_ideas",
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("output_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["feedback_answers.id"],
            name=op.f("fk_feedback_development_ideas_answer_id_feedback_answers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_feedback_development_ideas_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_feedback_development_ideas_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["output_id"],
            ["outputs.id"],
            name=op.f("fk_feedback_development_ideas_output_id_outputs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_development_ideas")),
    )
    with op.batch_alter_table("feedback_development_ideas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_development_ideas_answer_id"), ["answer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_feedback_development_ideas_org_unit_id"), ["org_unit_id"], unique=False
        )

    op.create_table(
        "feedback_follow_ups",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("reminded_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue_reminded_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("contacted_on", sa.Date(), nullable=True),
        sa.Column("closed_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_note", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["feedback_answers.id"],
            name=op.f("fk_feedback_follow_ups_answer_id_feedback_answers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_feedback_follow_ups_closed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_unit_id"],
            ["org_units.id"],
            name=op.f("fk_feedback_follow_ups_owner_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_follow_ups")),
        sa.UniqueConstraint("answer_id", name=op.f("uq_feedback_follow_ups_answer_id")),
    )
    with op.batch_alter_table("feedback_follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_follow_ups_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_feedback_follow_ups_owner_unit_id"), ["owner_unit_id"], unique=False
        )

    op.create_table(
        "feedback_replies",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("created_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["feedback_answers.id"],
            name=op.f("fk_feedback_replies_answer_id_feedback_answers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_feedback_replies_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_replies")),
    )
    with op.batch_alter_table("feedback_replies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_replies_answer_id"), ["answer_id"], unique=False
        )

    op.create_table(
        "feedback_statement_answers",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["feedback_answers.id"],
            name=op.f("fk_feedback_statement_answers_answer_id_feedback_answers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["feedback_questions.id"],
            name=op.f("fk_feedback_statement_answers_question_id_feedback_questions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_statement_answers")),
    )
    with op.batch_alter_table("feedback_statement_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_statement_answers_answer_id"), ["answer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_feedback_statement_answers_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "feedback_contact_requests",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", portal.core.encryption.EncryptedText(), nullable=False),
        sa.Column("contact", portal.core.encryption.EncryptedText(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["feedback_follow_ups.id"],
            name=op.f("fk_feedback_contact_requests_case_id_feedback_follow_ups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_contact_requests")),
        sa.UniqueConstraint("case_id", name=op.f("uq_feedback_contact_requests_case_id")),
    )


def downgrade() -> None:
    op.drop_table("feedback_contact_requests")
    with op.batch_alter_table("feedback_statement_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_statement_answers_question_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_statement_answers_answer_id"))

    op.drop_table("feedback_statement_answers")
    with op.batch_alter_table("feedback_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_replies_answer_id"))

    op.drop_table("feedback_replies")
    with op.batch_alter_table("feedback_follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_follow_ups_owner_unit_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_follow_ups_due_on"))

    op.drop_table("feedback_follow_ups")
    with op.batch_alter_table("feedback_development_ideas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_development_ideas_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_development_ideas_answer_id"))

    op.drop_table("feedback_development_ideas")
    with op.batch_alter_table("feedback_answer_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_answer_tags_answer_id"))

    op.drop_table("feedback_answer_tags")
    with op.batch_alter_table("feedback_survey_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_survey_invitations_activity_id"))

    op.drop_table("feedback_survey_invitations")
    with op.batch_alter_table("feedback_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_answers_unit_month")
        batch_op.drop_index("ix_feedback_answers_tone_suggested")
        batch_op.drop_index("ix_feedback_answers_month")
        batch_op.drop_index("ix_feedback_answers_area_month")
        batch_op.drop_index(batch_op.f("ix_feedback_answers_activity_id"))

    op.drop_table("feedback_answers")
    op.drop_table("feedback_statement_cells")
    with op.batch_alter_table("feedback_sms_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_sms_invitations_phone_hash"))

    op.drop_table("feedback_sms_invitations")
    with op.batch_alter_table("feedback_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_questions_questionnaire_id"))

    op.drop_table("feedback_questions")
    op.drop_table("feedback_monthly_reports")
    with op.batch_alter_table("feedback_kiosk_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_kiosk_devices_org_unit_id"))

    op.drop_table("feedback_kiosk_devices")
    op.drop_table("feedback_figure_cells")
    op.drop_table("feedback_themes")
    with op.batch_alter_table("feedback_questionnaires", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_questionnaires_code"))

    op.drop_table("feedback_questionnaires")
