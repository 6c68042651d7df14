"""Deliberation: Polis-like conversations, statements, votes and opinion groups.

* ``models``/``services``/``views``: conversations (draft → open → closed → reported),
  pseudonymous participants, one current vote per participant and statement plus the vote
  history, moderation; the participation pages work without JavaScript.
* ``math``: the Polis pipeline (pure NumPy/SciPy/scikit-learn).
* ``results``: recompute outside requests (debounced background thread per process, a lease
  row so one process computes a conversation at a time, or ``flask deliberation recompute
  --all`` from cron), stored with the time and vote count they reflect.
* ``report``: opinion map, groups, consensus, participation over time, demographics.
* ``polis_io``/``exchange``/``analysis``: Polis export format in and out, re-analysis.
"""
