"""Lifecycle tests (issues 9 and 10) run on committed data through the real pipeline, on both
databases: the fixtures of the ingest tests (one fresh database per backend and module)."""

import itertools

import pytest

from tests.filings.conftest import ctx, live  # noqa: F401  (same committed-DB fixtures)
from tests.lifecycle import helpers


@pytest.fixture(scope="module", autouse=True)
def _seeds_per_module():
    """Each module's institutions get the same generated codes whichever modules ran before it in
    this process (the whole suite in one process or a pytest-xdist worker's share of it): their
    generated filings are drawn from the codes, so a module's data does not depend on the order."""
    helpers._seeds = itertools.count(4000)
