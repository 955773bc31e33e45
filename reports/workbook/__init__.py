"""Workbook writers for exports (spec §9): pure, no Flask, no database."""
