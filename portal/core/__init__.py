"""Shared building blocks: money, Finnish identifiers and at-rest encryption."""
