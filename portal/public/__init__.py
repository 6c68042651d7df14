"""Public pages: home, privacy notice, accessibility statement and feedback."""
