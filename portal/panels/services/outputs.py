"""The panel's recommendations, registered as outputs in the impact chain."""

from __future__ import annotations

from portal.accounts.models import User
from portal.extensions import db
from portal.impact.services import (
    register_output,
)
from portal.panels.models import (
    Panel,
    PanelRecommendation,
)
from portal.panels.services._common import (
    _sync_activity,
    audit,
    panel_activity,
)


def add_recommendation(*, actor: User, panel: Panel, title: str, text: str) -> PanelRecommendation:
    """Record a recommendation of the panel and register it as an output for a response."""
    activity = panel_activity(panel) or _sync_activity(panel)
    recommendation = PanelRecommendation(panel_id=panel.id, title=title, text=text)
    db.session.add(recommendation)
    db.session.flush()
    output = register_output(
        activity=activity,
        kind="recommendation",
        title=title,
        text=text,
        source_type="panel_recommendation",
        source_id=recommendation.id,
    )
    recommendation.output_id = output.id
    audit(
        actor,
        "recommendation",
        "panel_recommendation",
        recommendation.id,
        panel_id=panel.id,
        output_id=output.id,
    )
    db.session.commit()
    return recommendation
