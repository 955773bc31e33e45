"""Check tests ingest real workbooks (generated, then mutated) through the real pipeline."""

from tests.filings.conftest import ctx, live  # noqa: F401  (same committed-DB fixtures)
