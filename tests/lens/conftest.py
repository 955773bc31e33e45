"""Lens and topic tests ingest real workbooks through the real pipeline (committed databases)."""

from tests.checks.test_checks import periods  # noqa: F401  (fixture)
from tests.filings.conftest import ctx, live  # noqa: F401  (same committed-DB fixtures)
