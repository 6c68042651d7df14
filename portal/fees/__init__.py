"""Fees: fee schedules, claims, payment batches, invoices and their references."""
