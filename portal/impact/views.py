"""Lists of the impact chain for decision makers and coordinators."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from portal.core.paging import paginate
from portal.core.permissions import permission_required
from portal.impact.models import Decision
from portal.impact.services import outputs_query

bp = Blueprint("impact", __name__, url_prefix="/impact")


def decision_labels() -> dict[str, object]:
    return {
        Decision.ACCEPTED: _l("Accepted"),
        Decision.PARTLY_ACCEPTED: _l("Partly accepted"),
        Decision.NOT_ACCEPTED: _l("Not accepted"),
        Decision.UNDER_CONSIDERATION: _l("Under consideration"),
    }


@bp.get("/outputs")
@permission_required("impact.view")
def list_outputs() -> Any:
    state = request.args.get("state", "awaiting")
    awaiting = {"awaiting": True, "answered": False}.get(state)
    page = paginate(
        outputs_query(awaiting_response=awaiting), page=request.args.get("page", 1, type=int)
    )
    return render_template(
        "impact/outputs.html", page=page, state=state, decision_labels=decision_labels()
    )
