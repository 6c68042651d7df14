"""Accounts: people, roles, sign-in, email verification, password reset, own data."""
