"""Osallistu, the resident-participation portal of a Finnish wellbeing services county."""
