"""The demo filing generator: written workbooks pass the real guards, reader and validation."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from supervision.demo.workbooks import (
    CMP_MISTAKES,
    DSC_MISTAKES,
    CmpFiling,
    InstitutionProfile,
    generate_cmp,
    generate_dsc,
    load_texts,
    products_for,
    profile_for,
    write_cmp,
    write_dsc,
)
from supervision.domain.calendar import parse_period
from supervision.domain.uscc import generate_uscc, is_valid_uscc
from supervision.ingest.guards import check_file
from supervision.ingest.reader import open_workbook
from supervision.ingest.validate import validate
from tests.conftest import SHARED

SHARED_DATA = SHARED / "data"
CF = profile_for(generate_uscc(101, "44"), "示例消费金融有限公司", "CF", seed=101)
PAY = profile_for(generate_uscc(202, "31"), "示例支付科技有限公司", "PAY", seed=202)
COLUMNS = ("received", "closed", "closed_on_time", "open_end", "regulator_transferred")


@pytest.fixture(scope="module", params=["generated", pytest.param("real", marks=pytest.mark.realdata)])
def texts(request) -> list[str] | None:
    """Summaries generated from the codes (always), or real complaint texts from ../shared (realdata)."""
    return load_texts(SHARED_DATA) if request.param == "real" else None


def check(path: Path, kind: str, profile: InstitutionProfile, period: str):
    """Guard, open and validate ``path`` as the real upload pipeline does; return the result."""
    qp = parse_period(period)
    guard = check_file(path)
    assert guard.ok, [i.message_en for i in guard.issues]
    with open_workbook(path, guard=guard) as book:
        return validate(book, kind=kind, institution_code=profile.code, period=period, period_start=qp.start,
                        period_end=qp.end, sector=profile.sector, registered_names=[profile.name])


def blocking(result) -> set[str]:
    return {i.rule for i in result.issues if i.blocking}


def show(result) -> list[str]:
    return [f"{i.rule} {i.sheet}!{i.cell}: {i.message_en}" for i in result.issues]


def recompute(rows: list[dict], start: dt.date) -> dict[str, Counter]:
    """§4.3 computed independently of the generator: per category, carried-over rows excluded from
    received / regulator_transferred and included in closed / closed_on_time / open_end."""
    deadline = {"NONE": 15, "EXT30": 30, "EXT60": 60}
    out: dict[str, Counter] = {}
    for row in rows:
        c = out.setdefault(row["business_category"], Counter())
        if row["received_date"] >= start:
            c["received"] += 1
            if row["source"] == "REGULATOR":
                c["regulator_transferred"] += 1
        if row["status"] == "CLOSED":
            c["closed"] += 1
            if (row["closed_date"] - row["received_date"]).days <= deadline[row["extension"]]:
                c["closed_on_time"] += 1
        else:
            c["open_end"] += 1
    return out


def as_table(summary: list[dict]) -> dict[str, dict[str, int]]:
    return {s["business_category"]: {c: s[c] for c in COLUMNS} for s in summary}


@pytest.mark.parametrize("profile", [CF, PAY], ids=["CF", "PAY"])
def test_clean_filings_have_no_blocking_issue(tmp_path, texts, profile):
    filing = generate_cmp(profile, "2026Q1", [], texts)
    result = check(write_cmp(tmp_path / "cmp.xlsx", filing), "CMP", profile, "2026Q1")
    assert result.ok, show(result)
    assert result.row_counts["detail"] == len(filing.rows)
    assert not {"W-COL", "W-NAME", "C09"} & result.issues.rules(), show(result)
    dsc = generate_dsc(profile, "2026Q1")
    result = check(write_dsc(tmp_path / "dsc.xlsx", dsc), "DSC", profile, "2026Q1")
    assert result.ok, show(result)
    assert result.row_counts["products"] == len(dsc.products) > 0
    assert result.row_counts["activities"] == 4


@pytest.mark.parametrize("profile", [CF, PAY], ids=["CF", "PAY"])
def test_summary_is_exactly_the_rows(tmp_path, texts, profile):
    filing = generate_cmp(profile, "2026Q1", [], texts)
    second = generate_cmp(profile, "2026Q2", filing.open_at_end, texts)
    for f in (filing, second):
        expected = recompute(f.rows, f.period.start)
        table = as_table(f.summary)
        total = table.pop("合计")
        assert table == {cat: {c: counts[c] for c in COLUMNS} for cat, counts in expected.items()}
        assert total == {c: sum(v[c] for v in table.values()) for c in COLUMNS}
        assert list(table) == sorted(table)
    result = check(write_cmp(tmp_path / "q2.xlsx", second), "CMP", profile, "2026Q2")
    assert result.ok, show(result)
    derived = {cat: {c: counts.get(c, 0) for c in COLUMNS} for cat, counts in result.derived_by_category.items()}
    assert derived == {k: v for k, v in as_table(second.summary).items() if k != "合计"}
    assert result.derived["opening"] == len(filing.open_at_end) > 0


def test_rows_follow_the_spec(texts):
    for profile in (CF, PAY):
        f = generate_cmp(profile, "2026Q1", [], texts)
        assert 40 <= len(f.rows) <= 700
        ids = [r["complaint_id"] for r in f.rows]
        assert len(ids) == len(set(ids))
        hotline = "12378" if profile.sector == "CF" else "12363"
        for r in f.rows:
            assert f.period.start <= r["received_date"] <= f.period.end
            if r["status"] == "CLOSED":
                assert r["received_date"] <= r["closed_date"] <= f.period.end and r["outcome"] and \
                    r["escalated"] is not None
            else:
                assert r["closed_date"] is r["outcome"] is r["escalated"] is r["redress"] is None
            if r["source"] == "REGULATOR":
                assert r["transfer_ref"].startswith(f"{hotline}-2026-") and len(r["transfer_ref"]) == 17
            assert (r["complaint_type"] == "TXN") == (r["transactions_involved"] is not None)
            assert r["repeat_of"] is None or r["repeat_of"] in ids[: ids.index(r["complaint_id"])]
            assert r["summary"] and len(unicodedata.normalize("NFKC", r["summary"]).strip()) <= 500
        assert f.open_at_end == [r for r in f.rows if r["status"] == "OPEN"]
        deadline = {"NONE": 15, "EXT30": 30, "EXT60": 60}
        late = [r for r in f.rows if r["status"] == "CLOSED"
                and (r["closed_date"] - r["received_date"]).days > deadline[r["extension"]]]
        assert len(late) < len(f.rows) / 2
        if texts:  # real texts, whole or cut to fit 500 characters
            whole, starts = set(texts), {t[:40] for t in texts}
            assert all(r["summary"] in whole or r["summary"][:40] in starts for r in f.rows)
            assert sum(r["summary"] in whole for r in f.rows) > len(f.rows) / 2
    assert f.cover["transactions"] == PAY.transactions and f.cover["template_version"] == "CMP-1"


@pytest.mark.parametrize(("mistake", "rule"), [("summary_mismatch", "C06"), ("missing_transfer_ref", "C03")])
@pytest.mark.parametrize("profile", [CF, PAY], ids=["CF", "PAY"])
def test_blocking_mistakes_raise_exactly_their_rule(tmp_path, texts, profile, mistake, rule):
    filing = generate_cmp(profile, "2026Q1", [], texts)
    result = check(write_cmp(tmp_path / "m.xlsx", filing, {mistake}), "CMP", profile, "2026Q1")
    assert blocking(result) == {rule}, show(result)
    assert result.issues.totals[rule] == 1


@pytest.mark.parametrize("mistake", ["text_dates", "fullwidth_digits", "unknown_column"])
@pytest.mark.parametrize("profile", [CF, PAY], ids=["CF", "PAY"])
def test_harmless_mistakes_stay_valid(tmp_path, texts, profile, mistake):
    filing = generate_cmp(profile, "2026Q1", [], texts)
    clean = check(write_cmp(tmp_path / "clean.xlsx", filing), "CMP", profile, "2026Q1")
    result = check(write_cmp(tmp_path / "m.xlsx", filing, {mistake}), "CMP", profile, "2026Q1")
    assert result.ok, show(result)
    assert result.derived == clean.derived and result.derived_by_category == clean.derived_by_category
    assert ("W-COL" in result.issues.rules()) == (mistake == "unknown_column")
    rows = [{k: v for k, v in r.items() if k != "_row"} for r in result.rows("detail")]
    assert [r["amount"] for r in rows] == [r["amount"] for r in filing.rows]
    assert [r["received_date"] for r in rows] == [r["received_date"] for r in filing.rows]
    assert [r["closed_date"] for r in rows] == [r["closed_date"] for r in filing.rows]
    assert result.cover["active_customers"] == profile.active_customers
    dsc = generate_dsc(profile, "2026Q1")
    result = check(write_dsc(tmp_path / "d.xlsx", dsc, {mistake}), "DSC", profile, "2026Q1")
    assert result.ok, show(result)
    assert ("W-COL" in result.issues.rules()) == (mistake == "unknown_column")


def test_mistakes_are_really_written(tmp_path):
    filing = generate_cmp(CF, "2026Q1", [], None)
    with open_workbook(write_cmp(tmp_path / "t.xlsx", filing, {"text_dates", "fullwidth_digits"})) as book:
        cells = [v for _n, row in book.rows("投诉明细") for v in row]
        cover = [v for _n, row in book.rows("封面") for v in row]
    texts = [v for v in cells if isinstance(v, str)]
    assert any("/" in v and v[:4] == "2026" for v in texts)
    assert any(v.startswith("2026年") and v.endswith("日") for v in texts)
    assert any(any("０" <= ch <= "９" for ch in v) for v in texts)
    assert any(isinstance(v, dt.date) for v in cells)
    assert f"{CF.active_customers:,}" in cover
    with pytest.raises(ValueError, match="summary_mismatch"):
        write_dsc(tmp_path / "d.xlsx", generate_dsc(CF, "2026Q1"), {"summary_mismatch"})
    with pytest.raises(ValueError):
        write_cmp(tmp_path / "x.xlsx", filing, {"typo"})
    assert DSC_MISTAKES < CMP_MISTAKES


@pytest.mark.parametrize("profile", [CF, PAY], ids=["CF", "PAY"])
def test_carried_over_rows_chain_across_quarters(tmp_path, texts, profile):
    q1 = generate_cmp(profile, "2026Q1", [], texts)
    q2 = generate_cmp(profile, "2026Q2", q1.open_at_end, texts)
    q3 = generate_cmp(profile, "2026Q3", q2.open_at_end, texts)
    assert q1.open_at_end
    for before, after in ((q1, q2), (q2, q3)):
        by_id = {r["complaint_id"]: r for r in after.rows}
        for old in before.open_at_end:
            new = by_id[old["complaint_id"]]
            assert new["received_date"] == old["received_date"] < after.period.start
            assert {k: new[k] for k in ("business_category", "cause", "source", "transfer_ref", "summary")} == \
                {k: old[k] for k in ("business_category", "cause", "source", "transfer_ref", "summary")}
            if new["status"] == "CLOSED":
                assert after.period.start <= new["closed_date"] <= after.period.end
        carried = [r for r in after.rows if r["received_date"] < after.period.start]
        assert [r["complaint_id"] for r in carried] == [r["complaint_id"] for r in before.open_at_end]
        assert any(r["status"] == "CLOSED" for r in carried)
        result = check(write_cmp(tmp_path / f"{after.period.code}.xlsx", after), "CMP", profile, after.period.code)
        assert result.ok, show(result)
        assert not {"C04", "P01"} & result.issues.rules()
    with pytest.raises(ValueError, match="carried-over"):
        generate_cmp(profile, "2026Q1", q2.rows[-1:], texts)


def test_generation_and_files_are_deterministic(tmp_path, texts):
    a = generate_cmp(PAY, "2026Q1", [], texts)
    b = generate_cmp(PAY, "2026Q1", [], list(texts) if texts else None)
    assert a.rows == b.rows and a.summary == b.summary and a.cover == b.cover
    assert generate_dsc(CF, "2026Q2") == generate_dsc(CF, "2026Q2")
    assert profile_for(CF.code, CF.name, "CF", 101) == CF
    other = profile_for(CF.code, CF.name, "CF", 102)
    assert other != CF
    assert generate_cmp(other, "2026Q1", [], texts).rows != generate_cmp(CF, "2026Q1", [], texts).rows
    assert generate_cmp(PAY, "2026Q2", [], texts).rows != a.rows
    digest = [hashlib.sha256(write_cmp(tmp_path / f"{n}.xlsx", f).read_bytes()).hexdigest()
              for n, f in (("a", a), ("b", b))]
    assert digest[0] == digest[1]


def test_distributions_differ_by_sector():
    cf = [r for s in range(1, 6) for r in generate_cmp(profile_for(generate_uscc(s, "11"), "甲", "CF", s),
                                                       "2026Q1", [], None).rows]
    pay = [r for s in range(1, 6) for r in generate_cmp(profile_for(generate_uscc(s, "33"), "乙", "PAY", s),
                                                        "2026Q1", [], None).rows]
    assert not any(r["complaint_type"] for r in cf)
    assert {r["business_category"] for r in cf} <= {"B14", "B05", "B03", "B06", "B99"}
    assert any(r["business_category"] == "B05" and r["cause"] == "C05" for r in cf)
    assert {r["business_category"] for r in pay} >= {"B11", "B10", "B13", "B12", "B04"}
    txn = [r for r in pay if r["complaint_type"] == "TXN"]
    assert all(r["complaint_type"] in ("TXN", "SVC") for r in pay)
    assert 0.45 < len(txn) / len(pay) < 0.7
    assert {r["transactions_involved"] for r in txn} <= {1, 2, 3, 4, 5}
    for rows in (cf, pay):
        channels = Counter(r["channel"] for r in rows)
        assert channels.most_common(1)[0][0] == "A05"
        groups = Counter(r["customer_group"] for r in rows)
        assert groups.most_common(1)[0][0] == "NONE" and groups["ELDERLY"] > 0
        outcomes = {r["outcome"] for r in rows if r["outcome"]}
        assert outcomes == {"UPHELD", "PARTIAL", "SETTLED", "NOT_UPHELD", "WITHDRAWN"}
        assert any(r["source"] == "REGULATOR" for r in rows) and any(r["repeat_of"] for r in rows)
        assert sum(1 for r in rows if r["product_code"]) > 0.6 * len(rows)
        assert {r["extension"] for r in rows} == {"NONE", "EXT30", "EXT60"}


def test_profiles_differ_by_sector_and_institution():
    cf = [profile_for(generate_uscc(s, "44"), "甲", "CF", s) for s in range(1, 80)]
    pay = [profile_for(generate_uscc(s, "31"), "乙", "PAY", s) for s in range(1, 80)]
    assert all(p.transactions is None for p in cf)
    assert all(1_000_000 <= p.transactions <= 50_000_000_000 for p in pay if p.active_customers >= 10_000)
    big_cf = [p for p in cf if p.active_customers >= 10_000]
    assert all(500_000 <= p.active_customers <= 40_000_000 for p in big_cf)
    assert all(Decimal(50) <= p.business_volume <= Decimal(3000) for p in big_cf)
    big_pay = [p for p in pay if p.active_customers >= 10_000]
    assert all(2_000_000 <= p.active_customers <= 900_000_000 for p in big_pay)
    assert all(Decimal(100) <= p.business_volume <= Decimal(200_000) for p in big_pay)
    assert max(p.active_customers for p in pay) > max(p.active_customers for p in cf)
    for group in (cf, pay):
        assert any(p.active_customers < 10_000 for p in group)
        assert all(30 <= p.expected_received <= 650 for p in group)
        assert any(p.mean_days_to_close > 20 for p in group) and any(p.mean_days_to_close < 10 for p in group)
        assert len({p.active_customers for p in group}) == len(group)
    assert CF.home_province == "44" and PAY.hotline == "12363"
    with pytest.raises(ValueError):
        InstitutionProfile(PAY.code, PAY.name, "PAY", 1, Decimal(1), None, 1.0, 5.0, 0.5, 0.1, 0.1, 1)


def test_disclosure_filings():
    cf = [profile_for(generate_uscc(s, "11"), "甲消费金融有限公司", "CF", s) for s in range(1, 41)]
    pay = [profile_for(generate_uscc(s, "33"), "乙支付有限公司", "PAY", s) for s in range(1, 41)]
    cf_dsc = [generate_dsc(p, "2026Q1") for p in cf]
    pay_dsc = [generate_dsc(p, "2026Q1") for p in pay]
    assert all({x["product_type"] for x in d.products} == {"CONSUMER_LOAN"} for d in cf_dsc)
    assert {x["product_type"] for d in pay_dsc for x in d.products} == {"PAYMENT_SERVICE", "PREPAID", "CREDIT_PAY"}
    loans = [x for d in cf_dsc + pay_dsc for x in d.products if x["product_type"] in ("CONSUMER_LOAN", "CREDIT_PAY")]
    assert all(Decimal("7.2") <= x["apr_min"] < x["apr_max"] for x in loans)
    assert any(x["apr_max"] > 24 for x in loans) and sum(x["apr_max"] <= 24 for x in loans) > len(loans) / 2
    everything = cf_dsc + pay_dsc
    assert any(any(x["auto_deduction"] and x["deduction_notice"] is False for x in d.products) for d in everything)
    assert any(not any(c["accessible"] for c in d.channels) for d in everything)
    assert all(any(c["channel_type"] == "HOTLINE" for c in d.channels) for d in everything)
    assert any(any(x["partner_type"] == "COLLECTION" and not x["published"] for x in d.partners) for d in cf_dsc)
    assert all({x["partner_type"] for x in d.partners} == {"COLLECTION", "GUARANTEE", "PLATFORM"} for d in cf_dsc)
    assert all(is_valid_uscc(x["partner_code"]) for d in everything for x in d.partners)
    assert [d.products[0]["product_code"] for d in cf_dsc] == ["XFD001"] * len(cf_dsc)
    for p in cf[:5] + pay[:5]:
        codes = [x["product_code"] for x in products_for(p)]
        assert codes == [x["product_code"] for x in generate_dsc(p, "2026Q3").products]
    cited = Counter()
    for p in cf[:15]:
        codes = {x["product_code"] for x in products_for(p)}
        for r in generate_cmp(p, "2026Q1", [], None).rows:
            if r["product_code"]:
                cited[r["product_code"] in codes] += 1
    assert cited[True] > 20 * cited[False] and cited[False] > 0  # D06 occasionally


def test_load_texts_without_data(tmp_path):
    assert load_texts(tmp_path) == [] and load_texts(None) == []


@pytest.mark.realdata("data/cn_complaint_texts")
def test_load_texts():
    texts = load_texts(SHARED_DATA)
    assert len(texts) > 5_000 and len(set(texts)) == len(texts)
    assert load_texts(SHARED_DATA.parent) == texts
    assert sum("催收" in t for t in texts) > 100


def test_filing_type():
    f = generate_cmp(CF, "2026Q4", [], None)
    assert isinstance(f, CmpFiling) and f.period.code == "2026Q4"
    assert f.summary[-1]["business_category"] == "合计"
    assert all(r["summary"].endswith("。") or r["summary"].endswith("）") for r in f.rows)
    assert len({r["summary"] for r in f.rows}) == len(f.rows)
