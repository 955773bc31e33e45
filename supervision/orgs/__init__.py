"""Agencies (tree), sharing agreements and institutions (spec §1)."""
