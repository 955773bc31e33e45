"""Institution profiles for the demo filings: size and complaint-handling behaviour per institution.

Everything here is *generated* demo data, deterministic from the arguments: sizes and rates are
plausible for the sector but are not any real institution's figures. Shared helpers (seeded
random generators, weighted draws, rounding) live here too so the CMP and DSC generators agree.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from supervision.domain.codes import CODE_LISTS

SECTORS = ("CF", "PAY")
#: The regulator hotline whose transfers a sector receives (12378 NFRA, 12363 PBOC).
HOTLINES = {"CF": "12378", "PAY": "12363"}
#: The 31 mainland provincial codes (GB/T 2260).
MAINLAND = tuple(c for c in CODE_LISTS["province"] if c < "70")
#: The most populous provinces, weighted roughly by population (广东, 山东, 河南, 江苏, 四川, ...).
POPULOUS = {"44": 12, "37": 10, "41": 10, "32": 8, "51": 8, "13": 7, "43": 6, "33": 6, "34": 6, "42": 6}
#: Share of an institution's complaints from its home province.
HOME_SHARE = 0.3
#: Active-customer count below which an institution is not ranked (spec §8, config default).
LEAGUE_MIN_CUSTOMERS = 10_000


def rng_for(*parts: object) -> random.Random:
    """A random generator seeded by ``parts`` (string seeds are stable across runs and hash seeds)."""
    return random.Random(":".join(str(p) for p in parts))


def pick(r: random.Random, weights: Mapping[str, float]) -> str:
    """Draw one key of ``weights`` with probability proportional to its weight."""
    keys = list(weights)
    return r.choices(keys, weights=[weights[k] for k in keys])[0]


def log_uniform(r: random.Random, low: float, high: float) -> float:
    """Draw from ``[low, high]`` uniformly on a log scale (sizes spanning orders of magnitude)."""
    return math.exp(r.uniform(math.log(low), math.log(high)))


def money(value: float, places: str = "0.01") -> Decimal:
    """``value`` as a Decimal rounded half-up to ``places``."""
    return Decimal(repr(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def sample_distinct(r: random.Random, items: Sequence[str], k: int) -> list[str]:
    """``k`` distinct items of ``items`` in a random order (all of them when ``k`` is larger)."""
    return r.sample(list(items), min(k, len(items)))


@dataclass(frozen=True)
class InstitutionProfile:
    """What the generator needs to know about one institution (generated demo figures).

    ``business_volume`` is in 亿元: the loan balance at period end for ``CF``, the transaction
    value in the quarter for ``PAY``; ``transactions`` (``PAY`` only, required there) is the
    number of transactions in the quarter. ``complaint_rate_per_10k`` is complaints received per
    quarter per 10,000 active customers; ``mean_days_to_close`` drives the closure times (and so
    the on-time rate); the shares are probabilities per complaint. The home province is the
    administrative division in the USCC (characters 3–4) when it is a mainland province.
    """

    code: str
    name: str
    sector: str
    active_customers: int
    business_volume: Decimal
    transactions: int | None
    complaint_rate_per_10k: float
    mean_days_to_close: float
    favourable_share: float
    escalation_share: float
    regulator_share: float
    seed: int

    def __post_init__(self) -> None:
        """Refuse profiles the generator cannot honour (unknown sector, PAY without transactions...)."""
        if self.sector not in SECTORS:
            raise ValueError(f"sector must be one of {SECTORS}, not {self.sector!r}")
        if self.sector == "PAY" and self.transactions is None:
            raise ValueError("a PAY profile needs transactions (spec §4.1)")
        if self.active_customers < 0 or self.business_volume < 0 or (self.transactions or 0) < 0:
            raise ValueError("sizes must be ≥ 0")
        for share in (self.favourable_share, self.escalation_share, self.regulator_share):
            if not 0 <= share <= 1:
                raise ValueError(f"shares must lie in [0, 1], not {share}")
        if self.mean_days_to_close <= 0 or self.complaint_rate_per_10k < 0:
            raise ValueError("mean_days_to_close must be > 0 and complaint_rate_per_10k ≥ 0")

    @property
    def home_province(self) -> str:
        """The institution's home province code (from its USCC; ``11`` when that is not a province)."""
        division = self.code[2:4]
        return division if division in MAINLAND else "11"

    @property
    def expected_received(self) -> float:
        """Expected complaints received per quarter: customers × rate ÷ 10,000."""
        return self.active_customers * self.complaint_rate_per_10k / 10_000

    @property
    def hotline(self) -> str:
        """The regulator hotline whose transfers this institution receives (``12378`` or ``12363``)."""
        return HOTLINES[self.sector]


def profile_for(code: str, name: str, sector: str, seed: int) -> InstitutionProfile:
    """Draw a plausible profile for one institution, deterministic from the arguments.

    ``CF``: 0.5–40 million active customers and a loan balance of 50–3,000 亿元 scaled to them;
    ``PAY``: 2–900 million customers, 100–200,000 亿元 and 1e6–5e10 transactions per quarter.
    About 8 % of institutions are tiny (under 10,000 customers: not ranked in the league table).
    Complaint rates are set so that a quarter has roughly 40–600 received complaints. About 15 %
    of institutions are laggards (mean closure 24–38 days, extensions often not granted in time),
    so their on-time rate is a clear low outlier of the sector.
    """
    if sector not in SECTORS:
        raise ValueError(f"sector must be one of {SECTORS}, not {sector!r}")
    r = rng_for("profile", sector, seed, code)
    tiny = r.random() < 0.08
    laggard = r.random() < 0.15
    transactions: int | None = None
    if sector == "CF":
        customers = r.randint(2_000, 9_900) if tiny else round(log_uniform(r, 5e5, 4e7))
        volume = customers * r.uniform(5_000, 15_000) / 1e8  # loan balance per customer 5,000–15,000 元
        volume = max(0.2, volume) if tiny else min(3_000.0, max(50.0, volume))
        mean_days = r.uniform(24, 38) if laggard else r.uniform(5, 13)
        favourable, regulator = r.uniform(0.40, 0.75), r.uniform(0.05, 0.22)
    else:
        customers = r.randint(2_000, 9_900) if tiny else round(log_uniform(r, 2e6, 9e8))
        volume = customers * log_uniform(r, 500, 22_000) / 1e8  # value per customer per quarter
        volume = max(1.0, volume) if tiny else min(200_000.0, max(100.0, volume))
        ticket = log_uniform(r, 100, 2_000)  # average transaction in 元
        count = volume * 1e8 / ticket
        transactions = round(count if tiny else min(5e10, max(1e6, count)))
        mean_days = r.uniform(24, 38) if laggard else r.uniform(3, 10)
        favourable, regulator = r.uniform(0.55, 0.90), r.uniform(0.03, 0.15)
    received = r.uniform(40, 80) if tiny else log_uniform(r, 40, 600)
    escalation = r.uniform(0.01, 0.06) + (0.05 if laggard else 0.0)
    return InstitutionProfile(
        code=code, name=name, sector=sector, active_customers=customers,
        business_volume=money(volume), transactions=transactions,
        complaint_rate_per_10k=float(f"{received * 10_000 / customers:.6g}"),
        mean_days_to_close=round(mean_days, 2), favourable_share=round(favourable, 4),
        escalation_share=round(escalation, 4), regulator_share=round(regulator, 4), seed=seed)
