"""Osallistu: the resident-participation portal."""
