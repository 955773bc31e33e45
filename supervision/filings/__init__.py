"""Filings and their immutable versions (spec §7a lifecycle)."""
