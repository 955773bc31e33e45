"""Inputs and outputs of the pure cross-check rules (spec §6 P/X/D/S/T), and their shared helpers.

Everything here is pure: no Flask, no database, no I/O, no clock. Numbers are exact (``int``,
``Fraction``, ``Decimal``); a ``float`` is refused. A rule produces :class:`Draft` objects; the engine
turns them into ``Finding`` rows keyed by (rule, institution, period, subject).

Evidence is JSON-serialisable by construction (checked in :meth:`Draft.__post_init__`): ``str``,
``int``, ``bool``, ``None``, lists and string-keyed dicts only; dates are ISO strings and exact
numbers travel as decimal strings (:func:`reports.numbers.exact_str`, ≥ 8 significant digits).
Lists of records are capped at :data:`EVIDENCE_CAP` entries, always beside their exact count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from reports.numbers import display, exact_str
from supervision.ingest.values import fold
from supervision.rules import catalog

__all__ = [
    "DETAIL_SHEET",
    "EVIDENCE_CAP",
    "MESSAGE_IDS",
    "ChannelFacts",
    "CitedProduct",
    "CmpFacts",
    "ComplaintFacts",
    "Draft",
    "DscFacts",
    "PartnerFacts",
    "PeerFacts",
    "ProductFacts",
    "RegisterFacts",
    "TimelinessFacts",
]

#: Records kept in an evidence list; the exact total always travels beside it (``…_count``).
EVIDENCE_CAP = 100
#: Identifiers named in a rendered message before it says how many more there are.
MESSAGE_IDS = 10
DETAIL_SHEET = "投诉明细"
PRODUCT_SHEET = "产品定价"
CHANNEL_SHEET = "投诉渠道"
PARTNER_SHEET = "合作机构"


# --------------------------------------------------------------------------------------- outputs


def _check_json(value: object, where: str) -> None:
    """Raise ``TypeError`` unless ``value`` is made only of str/int/bool/None/list/str-keyed dict."""
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for k, item in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: non-string key {k!r}")
            _check_json(item, f"{where}.{k}")
        return
    raise TypeError(f"{where}: {type(value).__name__} is not allowed in evidence (use a decimal/ISO string)")


@dataclass(frozen=True)
class Draft:
    """A finding as a rule proposes it (not yet stored).

    Identity is (rule, institution, period, ``subject``): ``subject`` is ``""`` for filing-level
    rules and an object key (product code, partner name, filing kind) otherwise, so re-running a
    check yields the same subject. ``variants`` are the catalogue variants whose messages make up
    the finding's text (``(None,)`` = the default templates; ``D05`` may name two reasons at once,
    their messages are joined). ``institution_code`` is set by the rules whose inputs span several
    institutions (``S01``–``S03``, ``T01``) and ``None`` where the caller checks one filing.
    The constructor checks the rule is a catalogue finding, the level one of its levels, every
    variant exists, and evidence/params are JSON-serialisable; do not mutate the dicts.
    """

    rule: str
    level: str
    subject: str
    subject_label: str | None
    evidence: dict
    params: dict
    variants: tuple[str | None, ...] = (None,)
    institution_code: str | None = None

    def __post_init__(self) -> None:
        """Validate against the catalogue (KeyError for an unknown rule or variant)."""
        rule = catalog.get(self.rule)
        if rule.severity != catalog.FINDING:
            raise ValueError(f"{self.rule} is not a finding rule")
        if self.level not in rule.levels:
            raise ValueError(f"{self.rule}: level {self.level!r} not in {rule.levels}")
        if not self.variants:
            raise ValueError(f"{self.rule}: at least one variant (None = default) is needed")
        for key in self.variants:
            rule.variant(key)
        if not isinstance(self.subject, str):
            raise TypeError("subject must be a string ('' for filing-level findings)")
        _check_json(self.evidence, "evidence")
        _check_json(self.params, "params")

    def messages(self) -> tuple[str, str]:
        """The bilingual message ``(zh, en)`` rendered from the catalogue templates."""
        rendered = [catalog.render(self.rule, variant=key, **self.params) for key in self.variants]
        return "；".join(zh for zh, _ in rendered), "; ".join(en for _, en in rendered)


# ---------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ComplaintFacts:
    """One row of the detail sheet (§4.2) as validated at ingest (codes, trimmed text)."""

    complaint_id: str
    received_date: date
    source: str
    transfer_ref: str | None
    status: str
    carried_over: bool
    cause: str | None
    product_code: str | None
    row_no: int


@dataclass(frozen=True)
class CitedProduct:
    """The rows of a filing citing one product (matching key): the first row's spelling of the code,
    the exact number of rows and the first :data:`EVIDENCE_CAP` rows in sheet order."""

    product_code: str
    count: int
    rows: Sequence[ComplaintFacts]


@dataclass(frozen=True)
class CmpFacts:
    """An accepted ``CMP`` version: cover figures, the derived ``received`` (§4.4) and its rows.

    ``rows`` may hold only the rows a rule needs, when the engine gives the rest pre-aggregated (so
    that no check holds a large filing in memory): ``transfer_refs`` — every ``transfer_ref`` on the
    detail sheet (X01); ``cited`` / ``cited_c13`` — product matching key → :class:`CitedProduct` over
    all rows / the rows with cause ``C13`` (D06 / D07). ``None`` means "derive it from ``rows``".
    """

    version_id: int
    institution_code: str
    sector: str
    period_code: str
    active_customers: int | None
    received: int
    rows: Sequence[ComplaintFacts]
    transfer_refs: frozenset[str] | None = None
    cited: Mapping[str, CitedProduct] | None = None
    cited_c13: Mapping[str, CitedProduct] | None = None


@dataclass(frozen=True)
class ProductFacts:
    """One row of the ``产品定价`` sheet (§5); ``apr_max`` in percent (``Decimal('24')`` = 24 %)."""

    product_code: str
    product_name: str | None
    product_type: str | None
    apr_max: Decimal | None
    auto_deduction: bool | None
    deduction_notice: bool | None
    row_no: int


@dataclass(frozen=True)
class ChannelFacts:
    """One row of the ``投诉渠道`` sheet (§5)."""

    channel_type: str
    accessible: bool | None
    row_no: int


@dataclass(frozen=True)
class PartnerFacts:
    """One row of the ``合作机构`` sheet (§5). ``partner_code`` (the USCC) is optional here because
    the ``D04`` message names it; it is shown as ``—`` when not given."""

    partner_type: str
    partner_name: str
    published: bool | None
    row_no: int
    partner_code: str | None = None


@dataclass(frozen=True)
class DscFacts:
    """An accepted ``DSC`` version of the same institution and period as the ``CMP`` it is checked with."""

    version_id: int
    products: Sequence[ProductFacts]
    channels: Sequence[ChannelFacts]
    partners: Sequence[PartnerFacts]


@dataclass(frozen=True)
class RegisterFacts:
    """One regulator-register entry (§7)."""

    transfer_ref: str
    transferred_date: date
    hotline: str | None
    business_category: str | None
    cause: str | None


@dataclass(frozen=True)
class PeerFacts:
    """A ranked institution's §8 metrics: ``per_10k_customers`` and ``on_time_rate`` (in percent,
    ``on_time ÷ closed × 100``); ``None`` when the metric is empty (zero denominator)."""

    institution_code: str
    per_10k_customers: Fraction | None
    on_time_rate: Fraction | None


@dataclass(frozen=True)
class TimelinessFacts:
    """An expected filing (§2): ``received_at`` is when the first version without blocking errors
    arrived (``None``: none yet), ``due_at`` the instant the due date ends; both timezone-aware.
    ``period_code`` is optional here because the ``T01`` "missing" message names the period.
    ``counts``: whether a version of the filing counts now (``None``: assume one does exactly when
    ``received_at`` is given); with none counting the filing is missing (decision 4)."""

    institution_code: str
    kind: str
    received_at: datetime | None
    due_at: datetime
    period_code: str | None = None
    counts: bool | None = None


# --------------------------------------------------------------------------------------- helpers


def key(text: str) -> str:
    """Matching key of an identifier typed by different parties: NFKC, trimmed, case-folded."""
    return fold(text)


def present(text: str | None) -> bool:
    """Whether an optional identifier is given (not ``None`` and not blank)."""
    return text is not None and text.strip() != ""


def ids_text(items: Iterable[str], limit: int = MESSAGE_IDS) -> str:
    """Language-neutral list for a message: ``A, B, C``; ``A, B, … (+n)`` past ``limit``; ``—`` if empty."""
    values = list(items)
    if not values:
        return "—"
    shown = ", ".join(values[:limit])
    return shown if len(values) <= limit else f"{shown}, … (+{len(values) - limit})"


def capped(records: list, cap: int = EVIDENCE_CAP) -> list:
    """The first ``cap`` records of an evidence list (its exact length travels beside it)."""
    return records[:cap]


def dec(value: Decimal | Fraction | int | None) -> str | None:
    """An exact number as an evidence string (≥ 8 significant digits; ``None`` stays ``None``)."""
    return exact_str(value)


def shown(value: Decimal | Fraction | int, places: int = 2) -> str:
    """An exact number as message text, rounded half-up (§8 Display)."""
    text = display(value, places)
    assert text is not None
    return text


def plain(value: Decimal) -> str:
    """A ``Decimal`` as written (positional, no exponent): ``Decimal('24.50')`` → ``"24.50"``."""
    return format(value, "f")

