"""Reporting periods with due and lock dates (spec §2)."""
