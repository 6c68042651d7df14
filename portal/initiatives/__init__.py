"""Resident initiatives (aluealoite): making, checking, supporting, handling and answering them.

Residents and service users may make initiatives on the county's activities (Act on
Wellbeing Services Counties 611/2021, § 30). Supports are email-verified; when their number
reaches the yearly threshold (by default 2 % of the residents entitled to vote) the
initiative must be taken up within a handling period (by default six months). The rule is
data (``InitiativeSettings``) and the arithmetic is in the pure module ``rules``.

Two commands belong in a daily cron job: ``flask --app wsgi initiatives end-collections``
(submits initiatives whose collection time has ended and purges expired unconfirmed
supports) and ``flask --app wsgi initiatives remind`` (due-date reminders; idempotent).
"""
