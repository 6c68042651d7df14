"""Feedback pages: one blueprint, routes in one module per concern."""

from portal.feedback.views import admin, channels, handling, public, reports  # noqa: F401
from portal.feedback.views.blueprint import bp

__all__ = ["bp"]
