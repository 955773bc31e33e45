"""Lifecycle tests (issues 9 and 10) run on committed data through the real pipeline, on both
databases: the fixtures of the ingest tests (one fresh database per backend and module)."""

from tests.filings.conftest import ctx, live  # noqa: F401  (same committed-DB fixtures)
