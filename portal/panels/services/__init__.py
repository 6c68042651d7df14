"""Business rules of resident panels, one module per concern.

- :mod:`.panels`: set-up, publication and quotas;
- :mod:`.candidates`: candidates by address, from the resident pool or an uploaded list;
- :mod:`.draws`: the announced seed, starting a draw, re-running it, what is published;
- :mod:`.draw_jobs`: the draw as a task: claim, progress, heartbeat and recovery;
- :mod:`.replacement`: replacing members who drop out, linking paper members to accounts;
- :mod:`.sessions`: sessions, attendance and background material;
- :mod:`.outputs`: recommendations registered in the impact chain;
- :mod:`.personal_data`: a person's own candidacies, their export and erasure.

Views, the CLI, other domains and tests use ``from portal.panels import services`` and the
names re-exported here.
"""

from portal.panels.messages import explanation_data
from portal.panels.services._common import (
    METHODS,
    SOURCE_TYPE,
    PanelError,
    active_candidates,
    categories_of,
    current_draw,
    has_draw,
    panel_activity,
    panel_members,
)
from portal.panels.services.candidates import (
    QuotaCheck,
    add_candidates_by_email,
    check_quotas,
    import_pool_respondents,
    upload_candidates,
    withdraw_candidate,
)
from portal.panels.services.draw_jobs import (
    heartbeat_is_stale,
    resume_draws_on_worker_start,
    resume_stalled_draws,
    run_panel_draw,
    unfinished_draw_ids,
)
from portal.panels.services.draws import (
    CompositionRow,
    Reproduction,
    announce_seed,
    categories_csv,
    composition,
    draw_is_stale,
    reproduce_draw,
    snapshot_csv,
    start_draw,
)
from portal.panels.services.outputs import add_recommendation
from portal.panels.services.panels import (
    activity_pays_fee,
    close_panel,
    create_panel,
    publish_panel,
    recruiting_panels,
    reset_quotas,
    update_panel,
    update_quotas,
)
from portal.panels.services.personal_data import (
    OwnChance,
    erase_personal_data,
    export_personal_data,
    own_chances,
)
from portal.panels.services.replacement import link_member_account, replace_member
from portal.panels.services.sessions import (
    add_material,
    add_session,
    record_attendance,
    session_attendance,
)

__all__ = [
    "METHODS",
    "SOURCE_TYPE",
    "CompositionRow",
    "OwnChance",
    "PanelError",
    "QuotaCheck",
    "Reproduction",
    "active_candidates",
    "activity_pays_fee",
    "add_candidates_by_email",
    "add_material",
    "add_recommendation",
    "add_session",
    "announce_seed",
    "categories_csv",
    "categories_of",
    "check_quotas",
    "close_panel",
    "composition",
    "create_panel",
    "current_draw",
    "draw_is_stale",
    "erase_personal_data",
    "explanation_data",
    "export_personal_data",
    "has_draw",
    "heartbeat_is_stale",
    "import_pool_respondents",
    "link_member_account",
    "own_chances",
    "panel_activity",
    "panel_members",
    "publish_panel",
    "record_attendance",
    "recruiting_panels",
    "replace_member",
    "reproduce_draw",
    "reset_quotas",
    "resume_draws_on_worker_start",
    "resume_stalled_draws",
    "run_panel_draw",
    "session_attendance",
    "snapshot_csv",
    "start_draw",
    "unfinished_draw_ids",
    "update_panel",
    "update_quotas",
    "upload_candidates",
    "withdraw_candidate",
]
