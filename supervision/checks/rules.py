"""The pure cross-check rules of spec §6 (P, X, D, S, T findings): facts in, :class:`Draft` findings out.

No Flask, no database, no I/O, no clock: the engine gathers the facts, calls these functions and
stores the drafts as findings identified by (rule, institution, period, subject). Arithmetic is
exact (``int``/``Fraction``/``Decimal``). Messages come from the rule catalogue
(:mod:`supervision.rules.catalog`) through :meth:`Draft.messages`.

Subjects: ``""`` for the filing-level rules ``P01``–``P03``, ``X01``, ``X02``, ``D05`` and
``S01``–``S03``; the product code for ``D02``, ``D03``, ``D06``, ``D07``; the partner name for
``D04``; the filing kind (``CMP``/``DSC``) for ``T01``.

The implementation is split by family: :mod:`.rules_base` (dataclasses, helpers),
:mod:`.rules_history` (P, X), :mod:`.rules_disclosure` (D), :mod:`.rules_peers` (S, T).
"""

from __future__ import annotations

from supervision.checks.rules_base import (
    EVIDENCE_CAP,
    ChannelFacts,
    CmpFacts,
    ComplaintFacts,
    Draft,
    DscFacts,
    PartnerFacts,
    PeerFacts,
    ProductFacts,
    RegisterFacts,
    TimelinessFacts,
)
from supervision.checks.rules_disclosure import check_disclosure
from supervision.checks.rules_history import check_previous, check_register
from supervision.checks.rules_peers import (
    MIN_PEERS,
    Z_FACTOR,
    Z_THRESHOLD,
    check_peers,
    check_timeliness,
    modified_z_scores,
)

__all__ = [
    "EVIDENCE_CAP",
    "MIN_PEERS",
    "Z_FACTOR",
    "Z_THRESHOLD",
    "ChannelFacts",
    "CmpFacts",
    "ComplaintFacts",
    "Draft",
    "DscFacts",
    "PartnerFacts",
    "PeerFacts",
    "ProductFacts",
    "RegisterFacts",
    "TimelinessFacts",
    "check_disclosure",
    "check_peers",
    "check_previous",
    "check_register",
    "check_timeliness",
    "modified_z_scores",
]
