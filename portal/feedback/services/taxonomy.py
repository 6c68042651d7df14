"""The coordinator-edited theme taxonomy and the tone/theme suggestions on answers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select

from portal.extensions import db
from portal.feedback.models import Answer, FeedbackTheme
from portal.feedback.services._common import FeedbackError, audit
from portal.feedback.text import default_tone_model
from portal.feedback.themes import SEED_THEMES, Theme, ThemeSuggestion, match_themes, suggest_themes

THEME_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
ANALYSIS_BATCH = 500


def _rules_text(rules: Sequence[str]) -> str:
    return "\n".join(rules)


def _rules(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def ensure_seed_themes() -> None:
    """Store the seed taxonomy on first use."""
    if db.session.scalars(select(FeedbackTheme).limit(1)).first() is not None:
        return
    for theme in SEED_THEMES:
        db.session.add(
            FeedbackTheme(
                code=theme.code,
                name_fi=theme.names["fi"],
                name_sv=theme.names["sv"],
                name_en=theme.names["en"],
                rules_fi=_rules_text(theme.rules.get("fi", ())),
                rules_sv=_rules_text(theme.rules.get("sv", ())),
                rules_en=_rules_text(theme.rules.get("en", ())),
            )
        )
    db.session.flush()


def all_themes() -> list[FeedbackTheme]:
    ensure_seed_themes()
    return list(db.session.scalars(select(FeedbackTheme).order_by(FeedbackTheme.id)))


def theme_names(locale: str) -> dict[str, str]:
    return {theme.code: theme.name(locale) for theme in all_themes()}


def current_taxonomy() -> list[Theme]:
    """The active themes as the pure matcher's values."""
    return [
        Theme(
            theme.code,
            {
                "fi": theme.name_fi,
                "sv": theme.name_sv or theme.name_fi,
                "en": theme.name_en or theme.name_fi,
            },
            {
                "fi": _rules(theme.rules_fi),
                "sv": _rules(theme.rules_sv),
                "en": _rules(theme.rules_en),
            },
        )
        for theme in all_themes()
        if theme.is_active
    ]


def save_theme(
    *,
    actor: object,
    theme: FeedbackTheme | None,
    code: str,
    names: Sequence[str],
    rules: Sequence[str],
    is_active: bool = True,
    from_suggestion: bool = False,
) -> FeedbackTheme:
    """Create or edit a theme (and commit). The code of an existing theme never changes."""
    if theme is None:
        code = code.strip().lower()
        if not THEME_CODE.match(code):
            raise FeedbackError("theme_code_invalid")
        if db.session.scalars(select(FeedbackTheme).where(FeedbackTheme.code == code)).first():
            raise FeedbackError("theme_code_taken")
        theme = FeedbackTheme(code=code, from_suggestion=from_suggestion)
        db.session.add(theme)
    if not names[0].strip():
        raise FeedbackError("finnish_text_required")
    theme.name_fi, theme.name_sv, theme.name_en = (n.strip()[:120] for n in names)
    theme.rules_fi, theme.rules_sv, theme.rules_en = (_rules_text(_rules(r)) for r in rules)
    theme.is_active = is_active
    db.session.flush()
    audit(actor, "theme_saved", "feedback_theme", theme.id, code=theme.code, active=is_active)
    db.session.commit()
    return theme


def theme_suggestions(*, limit: int = 2000) -> list[ThemeSuggestion]:
    """Clusters of recent open answers no theme matched, for a coordinator to accept."""
    rows = db.session.execute(
        select(Answer.open_text, Answer.language)
        .where(Answer.open_text != "")
        .order_by(Answer.id.desc())
        .limit(limit)
    ).all()
    return suggest_themes(
        [(text, language) for text, language in rows], taxonomy=current_taxonomy()
    )


def analyse_answers(answers: Sequence[Answer]) -> int:
    """Suggest tone and themes for ``answers`` (their open text); flushes."""
    with_text = [a for a in answers if a.open_text]
    if not with_text:
        return 0
    taxonomy = current_taxonomy()
    tones = default_tone_model().predict(
        [a.open_text for a in with_text], [a.language for a in with_text]
    )
    for answer, tone in zip(with_text, tones, strict=True):
        answer.tone_suggested = tone
        answer.themes_suggested = ",".join(
            match_themes(answer.open_text, answer.language, taxonomy=taxonomy)
        )[:300]
    db.session.flush()
    return len(with_text)


def analyse_pending(*, limit: int = ANALYSIS_BATCH) -> int:
    """Analyse answers with open text but no suggestion yet (and commit); returns how many."""
    answers = list(
        db.session.scalars(
            select(Answer)
            .where(Answer.open_text != "", Answer.tone_suggested.is_(None))
            .order_by(Answer.id)
            .limit(limit)
        )
    )
    count = analyse_answers(answers)
    db.session.commit()
    return count
