"""Impact: the activity → participation/output → response chain, its metrics and reports."""
