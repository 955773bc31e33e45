"""Fixtures of the ingest tests."""

from __future__ import annotations

import pytest

from supervision.ingest import fastscan


@pytest.fixture(params=["c", "python"])
def scan_path(request, monkeypatch):
    """Run a test twice: with the compiled fast path (``fastscan.native``) and with the Python path
    alone, as an install without a C compiler runs (the scanners read ``fastscan.native`` when they
    are created)."""
    if request.param == "python":
        monkeypatch.setattr(fastscan, "native", None)
    elif fastscan.native is None:
        pytest.skip("the C module supervision.ingest._cscan is not built here (test_cscan says why)")
    return request.param
