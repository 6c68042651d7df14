"""Osallistu: the resident-participation portal of a wellbeing services county.

The package itself imports nothing, so the pure computation modules (for example
``portal.deliberation.math``) can be used with only NumPy, SciPy and scikit-learn installed.
The application is built by :func:`portal.app.create_app`.
"""
