"""Deliberation: Polis-like conversations, statements, votes and opinion groups."""
