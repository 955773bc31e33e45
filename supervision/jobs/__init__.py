"""Scheduled jobs: the declarative job list, their functions, run records and the admin page."""
