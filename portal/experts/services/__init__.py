"""Experience-bank rules: profiles, documents, requests, proposals, answers, confirmation,
ratings, and the figures coordinators use to share work fairly.

One module per concern; this package re-exports the service API, so callers keep writing
``from portal.experts import services`` and ``services.propose_expert(...)``:

- :mod:`.profiles`: experts' profiles and documents;
- :mod:`.requests`: units' requests and who may see them;
- :mod:`.proposals`: ranking, proposing and the experts' answers;
- :mod:`.assignments`: confirmation, ratings and workload;
- :mod:`.personal_data`: export and erasure.
"""

from portal.experts.services._common import ExpertError
from portal.experts.services.assignments import (
    WorkloadRow,
    confirm_assignment,
    give_expert_feedback,
    my_assignments,
    rate_assignment,
    workload,
)
from portal.experts.services.personal_data import erase_personal_data, export_personal_data
from portal.experts.services.profiles import (
    add_document,
    documents_of,
    list_profiles,
    profile_of,
    remove_document,
    save_profile,
)
from portal.experts.services.proposals import (
    RankedExpert,
    assignment_counts,
    assignment_for_link,
    propose_expert,
    rank_experts,
    respond_by_link,
    respond_to_assignment,
    withdraw_proposal,
)
from portal.experts.services.requests import (
    can_confirm,
    can_view_request,
    cancel_request,
    file_request,
    request_status_labels,
    requests_between,
    requests_for,
)

__all__ = [
    "ExpertError",
    "RankedExpert",
    "WorkloadRow",
    "add_document",
    "assignment_counts",
    "assignment_for_link",
    "can_confirm",
    "can_view_request",
    "cancel_request",
    "confirm_assignment",
    "documents_of",
    "erase_personal_data",
    "export_personal_data",
    "file_request",
    "give_expert_feedback",
    "list_profiles",
    "my_assignments",
    "profile_of",
    "propose_expert",
    "rank_experts",
    "rate_assignment",
    "remove_document",
    "request_status_labels",
    "requests_between",
    "requests_for",
    "respond_by_link",
    "respond_to_assignment",
    "save_profile",
    "withdraw_proposal",
    "workload",
]
