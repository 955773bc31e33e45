"""Supervisory analytics (spec §10): the complaint cube derived at ingest, its queries and pages."""
