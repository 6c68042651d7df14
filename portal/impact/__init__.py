"""Impact: the activity, output and response chain, its metrics and reports."""
