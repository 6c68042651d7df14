"""Feedback: plain-language question texts

Revision ID: 5f90ca3416f0
Revises: 0d0067332fb2
Create Date: 2026-12-02 05:25:33.820198
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f90ca3416f0"
down_revision: str | Sequence[str] | None = "0d0067332fb2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


PLAIN_TEXTS = (
    (
        "recommend",
        "Kuinka todennäköisesti suosittelisit saamaasi palvelua perheenjäsenellesi tai ystävällesi, jos hän olisi samassa tilanteessa?",
        "Suosittelisitko tätä palvelua perheellesi tai ystävällesi?",
        "Skulle du tipsa din familj eller dina vänner om den här servicen?",
    ),
    (
        "help_when_needed",
        "Sain apua silloin, kun sitä tarvitsin.",
        "Sain apua, kun tarvitsin apua.",
        "Jag fick hjälp när jag behövde hjälp.",
    ),
    (
        "holistic_care",
        "Asiaani hoidettiin kokonaisuutena.",
        "Minun kaikki asiani otettiin huomioon.",
        "Man tänkte på allt som gällde mig.",
    ),
    (
        "decided_together",
        "Minua koskevista asioista päätettiin yhdessä kanssani.",
        "Sain itse olla mukana päättämässä asioistani.",
        "Jag fick vara med och bestämma om mina saker.",
    ),
    ("safety", "Koin oloni turvalliseksi.", "Tunsin oloni turvalliseksi.", "Jag kände mig trygg."),
    (
        "care_continues",
        "Tiedän, miten hoitoni tai palveluni jatkuu.",
        "Tiedän, mitä hoidossani tapahtuu seuraavaksi.",
        "Jag vet vad som händer sedan i min vård.",
    ),
    (
        "understandable_information",
        "Sain tietoa ymmärrettävästi.",
        "Ymmärsin, mitä minulle kerrottiin.",
        "Jag förstod det som man berättade för mig.",
    ),
    (
        "useful",
        "Saamastani palvelusta oli minulle hyötyä.",
        "Palvelu auttoi minua.",
        "Servicen hjälpte mig.",
    ),
    (
        "own_language",
        "Sain hoitoa ja palvelua omalla kielelläni.",
        "Sain palvelua omalla kielelläni.",
        "Jag fick service på mitt eget språk.",
    ),
    (
        "open",
        "Mitä muuta haluat kertoa? Älä kirjoita nimiä tai henkilötietoja.",
        "Mitä muuta haluat kertoa? Älä kirjoita nimiä.",
        "Vad mer vill du berätta? Skriv inte namn.",
    ),
    (
        "contact_me",
        "Haluan, että minuun otetaan yhteyttä.",
        "Haluan, että minuun otetaan yhteyttä puhelimella tai viestillä.",
        "Jag vill att ni ringer eller skriver till mig.",
    ),
)


def upgrade() -> None:
    with op.batch_alter_table("feedback_questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plain_fi", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("plain_sv", sa.Text(), server_default="", nullable=False))

    # Questions still worded as in the national seed get its plain-language versions. The
    # texts are written out here so that this step stays the same when the seed changes.
    questions = sa.table(
        "feedback_questions",
        sa.column("code", sa.String),
        sa.column("text_fi", sa.Text),
        sa.column("plain_fi", sa.Text),
        sa.column("plain_sv", sa.Text),
    )
    for code, text_fi, plain_fi, plain_sv in PLAIN_TEXTS:
        op.execute(
            questions.update()
            .where(questions.c.code == code, questions.c.text_fi == text_fi)
            .values(plain_fi=plain_fi, plain_sv=plain_sv)
        )


def downgrade() -> None:
    with op.batch_alter_table("feedback_questions", schema=None) as batch_op:
        batch_op.drop_column("plain_sv")
        batch_op.drop_column("plain_fi")
