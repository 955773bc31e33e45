"""Generated complaint filings (``CMP-1``, spec §4) for the demo.

Rows follow sector-specific distributions (categories, causes, channels, complaint types),
closure times are drawn per complaint from a skewed distribution around the institution's mean,
and the summary sheet is computed exactly from the rows (§4.3). Each complaint's closure plan is
seeded by the institution seed and the complaint id, so a complaint carried over into the next
quarter closes (or stays open) the same way however the filings are generated. Summaries are drawn
from their own generator per complaint (:mod:`supervision.demo.summaries`), so the figures of a
filing are the same whether its summaries are generated or real texts.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field

from supervision.demo import summaries
from supervision.demo.summaries import TopicWeights
from supervision.demo.workbooks_dsc import cover_values, legacy_code, products_for
from supervision.demo.workbooks_profile import (
    HOME_SHARE,
    MAINLAND,
    POPULOUS,
    InstitutionProfile,
    log_uniform,
    money,
    pick,
    rng_for,
)
from supervision.domain.calendar import QuarterPeriod, parse_period
from supervision.ingest.templates import SUMMARY_COLUMNS, TOTAL_LABEL, template_for

DETAIL_FIELDS = tuple(f.code for f in template_for("CMP").sheet("detail").fields)
DEADLINES = {"NONE": 15, "EXT30": 30, "EXT60": 60}
FAVOURABLE = ("UPHELD", "PARTIAL", "SETTLED")
SUMMARY_MAX = 500

CATEGORIES = {"CF": {"B14": 44, "B05": 22, "B03": 17, "B06": 12, "B99": 5},
              "PAY": {"B11": 32, "B10": 20, "B13": 20, "B04": 16, "B12": 9, "B99": 3}}
CAUSES = {
    "B14": {"C02": 30, "C14": 18, "C13": 15, "C04": 14, "C10": 13, "C08": 6, "C01": 4},
    "B03": {"C02": 28, "C10": 20, "C14": 18, "C04": 16, "C13": 10, "C01": 8},
    "B05": {"C05": 85, "C04": 10, "C09": 5},
    "B06": {"C09": 60, "C05": 20, "C04": 10, "C06": 10},
    "B11": {"C07": 35, "C13": 20, "C04": 15, "C09": 12, "C02": 10, "C03": 8},
    "B10": {"C07": 25, "C04": 25, "C09": 20, "C01": 20, "C02": 10},
    "B13": {"C02": 30, "C13": 25, "C05": 15, "C10": 15, "C04": 15},
    "B04": {"C13": 35, "C07": 25, "C02": 20, "C04": 20},
    "B12": {"C02": 30, "C04": 30, "C10": 20, "C01": 20},
    "B99": {"C04": 50, "C01": 30, "C99": 20},
}
#: Probability that a PAY complaint of a cause is transaction-related (TXN); about 55 % overall.
TXN_SHARE = {"C07": 0.9, "C13": 0.85, "C02": 0.6, "C03": 0.6, "C05": 0.2, "C09": 0.2, "C01": 0.35, "C10": 0.3}
CHANNELS = {"CF": {"A05": 55, "A08": 15, "A04": 12, "A06": 10, "A03": 6, "A07": 2},
            "PAY": {"A05": 62, "A06": 14, "A03": 8, "A04": 8, "A08": 6, "A99": 2}}
GROUPS = {"CF": {"NONE": 88, "ELDERLY": 9, "DISABLED": 1, "MINOR": 0.3, "FOREIGN": 0.5},
          "PAY": {"NONE": 88, "ELDERLY": 6, "DISABLED": 1, "MINOR": 3, "FOREIGN": 1}}
#: Which product types a business category's complaints concern.
PRODUCT_TYPES = {"B14": "CONSUMER_LOAN", "B03": "CONSUMER_LOAN", "B05": "CONSUMER_LOAN", "B06": "CONSUMER_LOAN",
                 "B13": "CREDIT_PAY", "B12": "PREPAID", "B11": "PAYMENT_SERVICE", "B10": "PAYMENT_SERVICE",
                 "B04": "PAYMENT_SERVICE"}
#: Keywords that route a real complaint text to the cause it is most likely about.
TEXT_KEYWORDS = {
    "C05": ("催收", "催款", "通讯录", "爆通", "威胁", "骚扰"),
    "C02": ("利息", "费用", "收费", "手续费", "会员", "高利"),
    "C13": ("扣款", "扣费", "自动扣", "代扣", "自动续费"),
    "C14": ("还款", "逾期", "提前还"),
    "C10": ("合同", "条款", "协议"),
    "C09": ("信息", "泄露", "隐私"),
    "C07": ("盗刷", "被骗", "诈骗", "冻结", "资金"),
    "C04": ("客服", "态度", "不理", "敷衍"),
    "C08": ("营销", "推销", "广告", "诱导"),
}
#: Keywords of texts about each sector's business (preferred when they also match the cause).
SECTOR_KEYWORDS = {"CF": ("贷", "借款", "分期", "消费金融", "额度"),
                   "PAY": ("支付", "付款", "转账", "零钱", "余额", "扫码", "红包", "先享后付")}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class CmpFiling:
    """One generated ``CMP-1`` filing.

    ``rows`` are the 投诉明细 rows (dicts keyed by the detail field codes, carried-over rows first);
    ``summary`` the 投诉汇总 rows (one per business category, then the total row whose
    ``business_category`` is ``合计``); ``cover`` the 封面 values; ``open_at_end`` the rows still
    ``OPEN`` at period end — pass them as ``carried_over`` to the next quarter.
    """

    profile: InstitutionProfile
    period: QuarterPeriod
    cover: dict[str, object]
    rows: list[dict[str, object]] = field(default_factory=list)
    summary: list[dict[str, object]] = field(default_factory=list)
    open_at_end: list[dict[str, object]] = field(default_factory=list)


def on_time(row: dict[str, object]) -> bool | None:
    """§4.2: a CLOSED row is on time when ``closed_date − received_date`` ≤ its extension's deadline."""
    if row["status"] != "CLOSED":
        return None
    return (row["closed_date"] - row["received_date"]).days <= DEADLINES[row["extension"]]


def summarise(rows: list[dict[str, object]], period_start: dt.date) -> list[dict[str, object]]:
    """The 投诉汇总 rows of §4.3 computed from detail ``rows`` (categories in code order, then 合计).

    ``received`` and ``regulator_transferred`` exclude rows received before ``period_start``
    (carried over); ``closed``, ``closed_on_time`` and ``open_end`` include them.
    """
    per: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = per.setdefault(row["business_category"], dict.fromkeys(SUMMARY_COLUMNS, 0))
        if row["received_date"] >= period_start:
            counts["received"] += 1
            counts["regulator_transferred"] += row["source"] == "REGULATOR"
        if row["status"] == "CLOSED":
            counts["closed"] += 1
            counts["closed_on_time"] += bool(on_time(row))
        else:
            counts["open_end"] += 1
    out = [{"business_category": cat, **per[cat]} for cat in sorted(per)]
    total = {col: sum(r[col] for r in out) for col in SUMMARY_COLUMNS}
    return [*out, {"business_category": TOTAL_LABEL, **total}]


def clean_text(text: str) -> str:
    """A real complaint text as a summary: control characters removed, trimmed, cut so that it stays
    within 500 characters after the platform's NFKC normalisation (``…`` becomes ``...``)."""
    text = _CONTROL.sub("", text).strip()
    cut = text[:SUMMARY_MAX]
    while (excess := len(unicodedata.normalize("NFKC", cut).strip()) - SUMMARY_MAX) > 0:
        cut = cut[: len(cut) - excess]
    return cut.rstrip()


@functools.lru_cache(maxsize=4)
def _text_pools(texts: tuple[str, ...]) -> dict[tuple[str, str], tuple[str, ...]]:
    """Texts by (sector, cause): those matching both keyword sets; ``""`` stands for "any"."""
    cleaned = [t for t in (clean_text(x) for x in texts) if t]
    pools: dict[tuple[str, str], tuple[str, ...]] = {("", ""): tuple(cleaned)}
    for cause, keys in TEXT_KEYWORDS.items():
        matching = [t for t in cleaned if any(k in t for k in keys)]
        pools["", cause] = tuple(matching)
        for sector, words in SECTOR_KEYWORDS.items():
            pools[sector, cause] = tuple(t for t in matching if any(w in t for w in words))
    return pools


def _plan(profile: InstitutionProfile, complaint_id: str) -> tuple[int, str]:
    """Days to close and extension of one complaint, fixed by seed and id (so stable across periods)."""
    r = rng_for("close", profile.seed, complaint_id)
    if r.random() < 0.015:
        days = r.randint(95, 200)  # long-running dispute (mediation, litigation)
    else:
        shape = 1.6
        days = min(90, round(r.gammavariate(shape, profile.mean_days_to_close / shape)))
    needed = "NONE" if days <= 15 else "EXT30" if days <= 30 else "EXT60"
    disciplined = 0.93 if profile.mean_days_to_close <= 15 else 0.55
    if needed != "NONE" and r.random() > disciplined:
        needed = "NONE" if needed == "EXT30" else "EXT30"  # extension not granted in time: closed late
    return days, needed


def _settle(row: dict[str, object], profile: InstitutionProfile, period: QuarterPeriod) -> None:
    """Set status, closed_date, extension, outcome, redress and escalated as of the period end."""
    cid, received = row["complaint_id"], row["received_date"]
    days, extension = _plan(profile, cid)
    closed = max(received + dt.timedelta(days=days), period.start)
    if closed > period.end:
        age = (period.end - received).days
        ext = "NONE" if age <= 15 else ("EXT60" if extension == "EXT60" and age > 30 else
                                        "EXT30" if extension != "NONE" else "NONE")
        row.update(status="OPEN", closed_date=None, extension=ext, outcome=None, redress=None, escalated=None)
        return
    r = rng_for("outcome", profile.seed, cid)
    if r.random() < profile.favourable_share:
        outcome = pick(r, {"UPHELD": 35, "PARTIAL": 35, "SETTLED": 30})
    else:
        outcome = pick(r, {"NOT_UPHELD": 80, "WITHDRAWN": 20})
    redress = None
    if outcome in FAVOURABLE and r.random() < 0.6:
        amount = row["amount"]
        share = {"UPHELD": (0.3, 1.0), "PARTIAL": (0.05, 0.5), "SETTLED": (0.05, 0.3)}[outcome]
        redress = money(float(amount) * r.uniform(*share)) if amount else money(r.randint(20, 500))
    escalate = profile.escalation_share * (1.8 if outcome == "NOT_UPHELD" else 0.7)
    row.update(status="CLOSED", closed_date=closed, extension=extension, outcome=outcome, redress=redress,
               escalated=r.random() < min(1.0, escalate))


def _province(r, profile: InstitutionProfile) -> str:
    roll = r.random()
    if roll < HOME_SHARE:
        return profile.home_province
    if roll < 0.75:
        return pick(r, POPULOUS)
    return "99" if roll > 0.995 else r.choice(MAINLAND)


def _amount(r, sector: str, category: str, txn: bool):
    if sector == "CF":
        if category in ("B06", "B99") or r.random() < 0.1:
            return None
        return money(log_uniform(r, 500, 30_000) if category == "B05" else log_uniform(r, 1_000, 80_000))
    if category == "B12":
        return money(log_uniform(r, 50, 5_000))
    if txn:
        return money(log_uniform(r, 5, 20_000))
    return money(log_uniform(r, 5, 2_000)) if r.random() < 0.3 else None


def _summary(row: dict[str, object], profile: InstitutionProfile, texts: tuple[str, ...] | None,
             topics: TopicWeights | None) -> str:
    """The row's summary: a real text matched to its cause when ``texts`` are given, else generated;
    drawn from a generator of its own (seed, complaint id), so no other value of the filing moves."""
    r = rng_for("summary", profile.seed, row["complaint_id"])
    if texts:
        pools = _text_pools(texts)
        pool = pools.get((profile.sector, row["cause"])) or pools.get(("", row["cause"])) or pools["", ""]
        if pool:
            return r.choice(pool)
    return clean_text(summaries.generate_summary(row, r, topics, hotline=profile.hotline)[0])


def _new_row(r, profile: InstitutionProfile, complaint_id: str, received: dt.date, original: dict | None,
             products: dict[str, list[dict]], refs: set[str], texts, topics: TopicWeights | None = None
             ) -> dict[str, object]:
    sector = profile.sector
    category = original["business_category"] if original else pick(
        r, summaries.category_weights(CATEGORIES[sector], CAUSES, topics))
    cause = original["cause"] if original else pick(r, summaries.cause_weights(CAUSES[category], topics))
    roll = r.random()
    source = "REGULATOR" if roll < profile.regulator_share else "OTHER" if roll > 0.97 else "DIRECT"
    transfer_ref = None
    while source == "REGULATOR" and (transfer_ref is None or transfer_ref in refs):
        transfer_ref = f"{profile.hotline}-{received.year}-{r.randint(1, 400_000):06d}"
    if transfer_ref:
        refs.add(transfer_ref)
    ctype = involved = None
    if sector == "PAY":
        ctype = "TXN" if r.random() < TXN_SHARE.get(cause, 0.3) else "SVC"
        involved = pick(r, {"1": 60, "2": 20, "3": 10, "4": 6, "5": 4}) if ctype == "TXN" else None
    candidates = products.get(PRODUCT_TYPES.get(category, ""), [])
    if cause == "C13":
        candidates = [p for p in candidates if p["auto_deduction"]] or candidates
    product = original["product_code"] if original else (
        r.choice(candidates)["product_code"] if candidates and r.random() < 0.88 else None)
    row = {"complaint_id": complaint_id, "received_date": received, "source": source, "transfer_ref": transfer_ref,
           "channel": pick(r, CHANNELS[sector]), "business_category": category, "cause": cause,
           "complaint_type": ctype, "transactions_involved": int(involved) if involved else None,
           "product_code": product, "province": _province(r, profile), "customer_group": pick(r, GROUPS[sector]),
           "amount": _amount(r, sector, category, ctype == "TXN"), "status": "OPEN", "closed_date": None,
           "extension": "NONE", "outcome": None, "redress": None, "escalated": None,
           "repeat_of": original["complaint_id"] if original else None}
    row["summary"] = _summary(row, profile, texts, topics)
    return row


def generate_cmp(profile: InstitutionProfile, period_code: str, carried_over: list[dict] | None = None,
                 texts: list[str] | None = None, topics: TopicWeights | None = None) -> CmpFiling:
    """Generate the ``CMP-1`` filing of ``profile`` for ``period_code``, deterministic from seed and period.

    ``carried_over`` are the previous quarter's ``open_at_end`` rows: they keep their id, received
    date, attributes and summary and are closed in this quarter or stay open, per their closure plan.
    Summaries are generated from the row's codes (:mod:`supervision.demo.summaries`); ``texts``
    (optional real complaint texts, see :func:`load_texts`) are used instead, matched to the cause
    by keywords. ``topics`` (§10.2 topic code → factor) weight this institution's quarter towards
    or away from lexicon topics: categories, causes and summary fragments are drawn accordingly.
    """
    period = parse_period(period_code)
    r = rng_for("cmp", profile.seed, profile.code, period.code)
    pool = tuple(texts) if texts else None
    rows: list[dict[str, object]] = []
    for old in sorted(carried_over or [], key=lambda x: (x["received_date"], x["complaint_id"])):
        if old["received_date"] >= period.start:
            raise ValueError(f"carried-over complaint {old['complaint_id']} was received on/after {period.start}")
        row = {code: old.get(code) for code in DETAIL_FIELDS}
        _settle(row, profile, period)
        rows.append(row)
    products: dict[str, list[dict]] = {}
    for p in products_for(profile):
        products.setdefault(p["product_type"], []).append(p)
    expected = profile.expected_received
    count = max(1, round(r.gauss(expected, math.sqrt(expected)))) if expected > 0 else 0
    span = (period.end - period.start).days
    dates = sorted(period.start + dt.timedelta(days=r.randint(0, span)) for _ in range(count))
    refs: set[str] = {str(x["transfer_ref"]) for x in rows if x["transfer_ref"]}
    for seq, received in enumerate(dates, start=1):
        cid = f"TS{received:%Y%m%d}{seq:04d}"
        original = r.choice(rows) if len(rows) >= 5 and r.random() < 0.03 else None
        row = _new_row(r, profile, cid, received, original, products, refs, pool, topics)
        _settle(row, profile, period)
        rows.append(row)
    fresh = [x for x in rows if x["received_date"] >= period.start and x["product_code"]]
    if fresh and r.random() < 0.15:  # a few rows cite a product the DSC does not disclose (D06)
        for row in r.sample(fresh, min(len(fresh), r.randint(1, 2))):
            row["product_code"] = legacy_code(profile)
    return CmpFiling(profile, period, cover_values(profile, period, "CMP"), rows, summarise(rows, period.start),
                     [dict(x) for x in rows if x["status"] == "OPEN"])
