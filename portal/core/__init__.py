"""Core: database base, audit log, roles and permissions, mail, tokens, i18n, error pages."""
