"""Resident initiatives (aluealoite): making, checking, supporting, handling and answering them.

Residents and service users may make initiatives on the county's activities (Act on
Wellbeing Services Counties 611/2021, § 30). Supports are email-verified; when their number
reaches the yearly threshold (by default 2 % of the residents entitled to vote) the
initiative must be taken up within a handling period (by default six months). The rule is
data (``InitiativeSettings``) and the arithmetic is in the pure module ``rules``.

Two pieces of daily work run as periodic tasks on the task queue (``flask --app wsgi
worker``): ending collections whose time is up (which also purges expired unconfirmed
supports) and due-date reminders (idempotent). The same work can be run by hand with
``flask --app wsgi initiatives end-collections`` and ``... initiatives remind``.
"""
