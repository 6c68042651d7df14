"""Business rules of deliberations, one module per concern.

- :mod:`.conversations`: settings, the draft → open → closed → reported life cycle, seeds;
- :mod:`.participation`: participants, votes (the hot path) and participants' statements;
- :mod:`.standing`: what a participant sees: the next statement, their votes, their group;
- :mod:`.moderation`: statements and participants under moderation;
- :mod:`.recompute`: the opinion map recomputed in the background after votes;
- :mod:`.reports`: a published report's outputs and participations in the impact chain;
- :mod:`.personal_data`: a person's export and erasure.

The opinion map itself is computed and stored by :mod:`portal.deliberation.results`, which
these services call and which never calls them.
"""

from portal.deliberation.services._common import (
    ACTIVITY_SOURCE,
    MAX_STATEMENT_LENGTH,
    MIN_STATEMENT_LENGTH,
    ZERO_HOURS,
    DeliberationError,
    access_problem,
    clean_statement_text,
    group_label,
    is_open,
    is_pool_member,
    is_visible,
    key_hash,
    normalize_text,
    sync_activity,
    text_hash,
    visible_condition,
)
from portal.deliberation.services.conversations import (
    ALLOWED_TRANSITIONS,
    ConversationFields,
    add_seed_statement,
    change_status,
    create_conversation,
    list_conversations,
    participation_counts,
    statements_of,
    update_conversation,
)
from portal.deliberation.services.moderation import (
    moderate_statement,
    moderation_queue,
    set_participant_blocked,
)
from portal.deliberation.services.participation import (
    cast_vote,
    claim_anonymous_participants,
    find_participant,
    submit_statement,
)
from portal.deliberation.services.personal_data import (
    erase_personal_data,
    export_personal_data,
)
from portal.deliberation.services.recompute import (
    RecomputeBusy,
    recompute_changed_conversations,
    recompute_now,
    request_recompute,
)
from portal.deliberation.services.reports import first_vote_dates, register_report_outputs
from portal.deliberation.services.standing import (
    Standing,
    my_votes,
    next_statement,
    standing,
    visible_statement_count,
    voted_statement_ids,
)

__all__ = [
    "ACTIVITY_SOURCE",
    "ALLOWED_TRANSITIONS",
    "MAX_STATEMENT_LENGTH",
    "MIN_STATEMENT_LENGTH",
    "ZERO_HOURS",
    "ConversationFields",
    "DeliberationError",
    "RecomputeBusy",
    "Standing",
    "access_problem",
    "add_seed_statement",
    "cast_vote",
    "change_status",
    "claim_anonymous_participants",
    "clean_statement_text",
    "create_conversation",
    "erase_personal_data",
    "export_personal_data",
    "find_participant",
    "first_vote_dates",
    "group_label",
    "is_open",
    "is_pool_member",
    "is_visible",
    "key_hash",
    "list_conversations",
    "moderate_statement",
    "moderation_queue",
    "my_votes",
    "next_statement",
    "normalize_text",
    "participation_counts",
    "recompute_changed_conversations",
    "recompute_now",
    "register_report_outputs",
    "request_recompute",
    "set_participant_blocked",
    "standing",
    "statements_of",
    "submit_statement",
    "sync_activity",
    "text_hash",
    "update_conversation",
    "visible_condition",
    "visible_statement_count",
    "voted_statement_ids",
]
