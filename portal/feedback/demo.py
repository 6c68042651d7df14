"""Demo data: the seed questionnaires and themes, and a year of answers per channel.

The example channel table is reproduced exactly: web 175 detractors, 13 passives and 82
promoters (NPS -34), SMS 198/367/1,762 (67) and kiosk 253/286/3,336 (80).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import select

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.extensions import db
from portal.feedback import services
from portal.feedback.models import Answer, Channel

#: channel -> (detractors, passives, promoters)
SEED_CHANNEL_TABLE = {
    Channel.WEB: (175, 13, 82),
    Channel.SMS: (198, 367, 1762),
    Channel.KIOSK: (253, 286, 3336),
}
SEED = 14
DEMO_TEXTS = (
    ("fi", 3, "Jonotin puhelimessa tunnin ennen kuin sain ajan."),
    ("fi", 10, "Hoitaja oli todella ystävällinen ja kuunteli."),
    ("sv", 9, "Vänlig personal och kort väntetid."),
    ("fi", 5, "Ohjeet jatkohoidosta jäivät epäselviksi."),
    ("sv", 4, "Jag fick inte service på svenska."),
)


def demo_answers(
    units: list[OrgUnit], *, seed: int = SEED, today: date | None = None
) -> list[Answer]:
    """The answers of the example channel table, spread over units and the last year."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not a secret
    today = today or date.today()
    answers = []
    for channel, (detractors, passives, promoters) in SEED_CHANNEL_TABLE.items():
        questionnaire = services.current_questionnaire(channel)
        scores = (
            [rng.randint(0, 6) for _ in range(detractors)]
            + [rng.randint(7, 8) for _ in range(passives)]
            + [rng.randint(9, 10) for _ in range(promoters)]
        )
        rng.shuffle(scores)
        for number, score in enumerate(scores):
            unit = units[rng.randrange(len(units))]
            day = today - timedelta(days=rng.randrange(365))
            answers.append(
                Answer(
                    submission_id=f"demo:{channel}:{number}",
                    questionnaire_id=questionnaire.id,
                    org_unit_id=unit.id,
                    service_area_id=unit.parent_id,
                    channel=channel,
                    language="sv" if rng.random() < 0.07 else "fi",
                    submitted_on=day,
                    period_month=day.year * 100 + day.month,
                    score=score,
                )
            )
    return answers


def seed_feedback() -> Iterable[str]:
    if db.session.scalars(select(Answer).limit(1)).first() is not None:
        return ["Feedback exists already; nothing added."]
    units = list(
        db.session.scalars(
            select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.UNIT).order_by(OrgUnit.id)
        )
    )
    if not units:
        return []
    services.ensure_seed_questionnaires()
    services.ensure_seed_themes()
    answers = demo_answers(units)
    db.session.add_all(answers)
    db.session.commit()
    services.rebuild_figures()
    for number, (language, score, text) in enumerate(DEMO_TEXTS):
        services.submit_answer(
            services.Submission(
                unit=units[0],
                channel=Channel.PAPER,
                entry="staff",
                language=language,
                score=score,
                open_text=text,
            ),
            submission_id=f"demo:text:{number}",
        )
    return [f"Feedback: {len(answers) + len(DEMO_TEXTS)} answers in {len(units)} units."]
