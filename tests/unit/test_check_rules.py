"""The pure cross-check rules of spec §6: P01–P03, X01–X02, D02–D07, S01–S03, T01.

Each rule has positive and negative cases plus the spec's edge cases. The S rules are checked against
a modified z-score computed again here with ``statistics.median`` on Fractions.
"""

from __future__ import annotations

import json
import statistics
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervision.checks.rules import (
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
    check_disclosure,
    check_peers,
    check_previous,
    check_register,
    check_timeliness,
    modified_z_scores,
)
from supervision.domain.calendar import TZ, end_of_day
from supervision.rules import catalog

INST = "91350100M000100Y43"
CAP = Decimal("24")


# ------------------------------------------------------------------------------------- builders


def row(cid, received=date(2024, 5, 1), *, source="DIRECT", ref=None, status="OPEN", carried=False,
        cause="C01", product=None, row_no=2):
    return ComplaintFacts(cid, received, source, ref, status, carried, cause, product, row_no)


def cmp(rows=(), *, period="2024Q2", received=None, customers=100_000, version=2, inst=INST):
    rows = list(rows)
    if received is None:
        received = sum(1 for r in rows if not r.carried_over)
    return CmpFacts(version, inst, "CF", period, customers, received, rows)


def product(code, *, apr=None, auto=None, notice=None, name=None, ptype="CONSUMER_LOAN", row_no=2):
    return ProductFacts(code, name or f"产品{code}", ptype, apr, auto, notice, row_no)


def dsc(products=(), channels=None, partners=()):
    if channels is None:
        channels = [ChannelFacts("HOTLINE", True, 2)]
    return DscFacts(7, list(products), list(channels), list(partners))


def ok(draft: Draft) -> tuple[str, str]:
    """Every draft: JSON evidence, every template parameter supplied, bilingual text."""
    json.dumps(draft.evidence)
    json.dumps(draft.params)
    zh, en = draft.messages()
    assert "{" not in zh and "{" not in en, (zh, en)
    assert zh != en
    return zh, en


def only(drafts, rule):
    found = [d for d in drafts if d.rule == rule]
    for d in found:
        ok(d)
    return found


def sig_digits(text: str) -> int:
    return len(text.lstrip("-").replace(".", "").lstrip("0"))


def close(text: str, exact: Fraction) -> bool:
    """A decimal string agrees with an exact value to 8 significant digits at least."""
    assert sig_digits(text) >= 8 or Fraction(Decimal(text)) == exact
    return abs(Fraction(Decimal(text)) - exact) <= abs(exact) * Fraction(1, 10**8) + Fraction(1, 10**12)


# ------------------------------------------------------------------------------------------ Draft


def test_draft_validates_against_catalogue():
    with pytest.raises(KeyError):
        Draft("Z99", "low", "", None, {}, {})
    with pytest.raises(ValueError, match="not a finding"):
        Draft("F01", "low", "", None, {}, {})
    with pytest.raises(ValueError, match="level"):
        Draft("D02", "low", "P1", None, {}, {})
    with pytest.raises(KeyError):
        Draft("D05", "low", "", None, {}, {}, ("nonsense",))
    with pytest.raises(TypeError):
        Draft("D02", "high", "P1", None, {"apr_max": Decimal("30")}, {})
    with pytest.raises(TypeError):
        Draft("D02", "high", "P1", None, {"x": [1.5]}, {})
    with pytest.raises(TypeError):
        Draft("D02", "high", "P1", None, {"x": (1, 2)}, {})
    with pytest.raises(TypeError):
        Draft("D02", "high", "P1", None, {}, {"apr_max": Fraction(1, 3)})


def test_draft_messages_use_the_catalogue():
    d = Draft("D02", "high", "P1", None, {}, {"product_code": "P1", "apr_max": "36", "cap": "24"})
    assert d.messages() == catalog.render("D02", product_code="P1", apr_max="36", cap="24")
    assert "P1" in d.messages()[0] and "36" in d.messages()[1]


# -------------------------------------------------------------------------------------- P01–P03


def test_p01_first_period_has_no_previous_filing():
    current = cmp([row("A", date(2024, 3, 1), carried=True), row("B")])
    assert only(check_previous(current, None, {}), "P01") == []


def test_p01_matching_carry_over_is_silent():
    prev = cmp([row("A", status="OPEN"), row("B", status="CLOSED")], period="2024Q1", version=1)
    current = cmp([row("A", date(2024, 3, 1), carried=True, status="CLOSED"), row("N")])
    assert only(check_previous(current, prev, {}), "P01") == []


def test_p01_lists_missing_and_extra_including_closed_then_reappearing():
    prev = cmp([row("A", row_no=2), row("B", row_no=3), row("C", status="CLOSED", row_no=4)],
               period="2024Q1", version=1)
    current = cmp([row("B", carried=True, row_no=2), row("C", carried=True, row_no=3),
                   row("D", carried=True, row_no=4), row("N", row_no=5)])
    [d] = only(check_previous(current, prev, {}), "P01")
    assert (d.level, d.subject) == ("medium", "")
    ev = d.evidence
    assert ev["missing_count"] == 1 and [m["complaint_id"] for m in ev["missing"]] == ["A"]
    assert ev["extra_count"] == 2
    assert ev["extra"] == [{"complaint_id": "C", "row": 3, "previous_status": "CLOSED"},
                           {"complaint_id": "D", "row": 4, "previous_status": None}]
    assert ev["previous_version_id"] == 1 and ev["previous_period"] == "2024Q1"
    en = d.messages()[1]
    assert "missing A" in en and "extra C, D" in en


def test_p01_caps_lists_but_counts_exactly():
    n = EVIDENCE_CAP + 50
    prev = cmp([row(f"X{i:04d}", row_no=i + 2) for i in range(n)], period="2024Q1", version=1)
    [d] = only(check_previous(cmp([row("N")]), prev, {}), "P01")
    assert d.evidence["missing_count"] == n
    assert len(d.evidence["missing"]) == EVIDENCE_CAP
    assert d.evidence["extra_count"] == 0 and d.evidence["extra"] == []
    assert f"(+{n - 10})" in d.messages()[1] and "extra —" in d.messages()[1]


def test_previous_must_be_the_quarter_before_and_same_institution():
    with pytest.raises(ValueError, match="quarter before"):
        check_previous(cmp(), cmp(period="2023Q4", version=1), {})
    with pytest.raises(ValueError, match="institution"):
        check_previous(cmp(), cmp(period="2024Q1", inst="914403001922038216", version=1), {})


def test_p02_different_received_date():
    current = cmp([row("A", date(2024, 4, 2), row_no=3), row("B", date(2024, 4, 3), row_no=2),
                   row("C", date(2024, 4, 4), row_no=4)])
    earlier = {"A": date(2024, 3, 30), "B": date(2024, 4, 3), "Z": date(2023, 1, 1)}
    [d] = only(check_previous(current, None, earlier), "P02")
    assert (d.level, d.subject) == ("low", "")
    assert d.evidence["count"] == 1
    assert d.evidence["complaints"] == [{"complaint_id": "A", "received_date": "2024-04-02",
                                         "previous_date": "2024-03-30", "row": 3}]
    assert "A" in d.messages()[0] and "2024-03-30" in d.messages()[1]


def test_p02_same_dates_are_silent():
    current = cmp([row("A", date(2024, 4, 2))])
    assert only(check_previous(current, None, {"A": date(2024, 4, 2)}), "P02") == []


def p03(prev_received, cur_received, prev_customers, cur_customers):
    prev = cmp(period="2024Q1", received=prev_received, customers=prev_customers, version=1)
    return only(check_previous(cmp(received=cur_received, customers=cur_customers), prev, {}), "P03")


def test_p03_sharp_drop_with_stable_customers():
    [d] = p03(3, 1, 100_000, 95_000)
    assert (d.level, d.subject) == ("high", "")
    ev = d.evidence
    assert (ev["received"], ev["previous_received"]) == (1, 3)
    assert (ev["active_customers"], ev["previous_active_customers"]) == (95_000, 100_000)
    assert close(ev["received_change_pct"], Fraction(-200, 3))
    assert ev["active_customers_change_pct"] == "-5"
    en = d.messages()[1]
    assert "66.67" in en and "5.00" in en


@pytest.mark.parametrize(("prev_r", "cur_r", "prev_c", "cur_c", "expected"), [
    (100, 50, 100_000, 100_000, False),     # exactly 50 %: not MORE than 50 %
    (10_000, 4_999, 100_000, 100_000, True),  # 50.01 %
    (100, 10, 100_000, 90_000, False),     # customers fell exactly 10 %: not LESS than 10 %
    (100, 10, 100_000, 90_001, True),      # 9.999 %
    (100, 10, 100_000, 150_000, True),     # customers rose: still a sharp drop in received
    (100, 60, 100_000, 100_000, False),    # received fell 40 %
    (0, 0, 100_000, 100_000, False),       # zero previous received: no fall measurable
    (100, 10, 0, 0, False),                # zero previous customers: no denominator
    (100, 10, None, 100_000, False),       # missing previous customers
    (100, 10, 100_000, None, False),       # missing current customers
])
def test_p03_thresholds_and_zero_denominators(prev_r, cur_r, prev_c, cur_c, expected):
    assert bool(p03(prev_r, cur_r, prev_c, cur_c)) is expected


def test_p03_message_follows_the_direction_of_customers():
    """Customers 6,528 → 2,500,000 (the demo's finding): the text says they rose, never "fell only -38196.57 %"."""
    [rose] = p03(74, 5, 6_528, 2_500_000)
    zh, en = rose.messages()
    expected = f"{(Decimal(2_500_000 - 6_528) * 100 / Decimal(6_528)).quantize(Decimal('0.01'), ROUND_HALF_UP)}"
    assert "上升" in zh and expected + "%" in zh and "下降 -" not in zh and "仅下降" not in zh
    assert f"rose {expected} %" in en and "fell only" not in en and "-" + expected not in en
    [same] = p03(100, 10, 100_000, 100_000)
    assert "持平" in same.messages()[0] and "unchanged" in same.messages()[1]
    [fell] = p03(100, 10, 100_000, 95_000)
    assert "仅下降 5.00%" in fell.messages()[0] and "fell only 5.00 %" in fell.messages()[1]


def test_d02_message_gives_the_rate_without_trailing_zeros():
    [d] = only(check_disclosure(dsc([product("P1", apr=Decimal("28.3600"))]), None, CAP), "D02")
    zh, en = d.messages()
    assert "28.36%" in zh and "28.3600" not in zh and "maximum APR 28.36 %" in en
    assert d.evidence["apr_max"] == "28.3600"  # the evidence keeps the value as filed


def test_p03_first_period():
    assert only(check_previous(cmp(received=0), None, {}), "P03") == []


# ------------------------------------------------------------------------------------------ X01/X02


def reg(ref, day=date(2024, 5, 10)):
    return RegisterFacts(ref, day, "12378", "B14", "C02")


def test_x01_register_entry_missing_from_detail():
    current = cmp([row("A", source="REGULATOR", ref="R1"), row("B", source="REGULATOR", ref="ｒ３")])
    entries = [reg("R2", date(2024, 6, 1)), reg("R1"), reg("R3"), reg("R2", date(2024, 6, 1)),
               reg("R0", date(2024, 4, 1))]
    [d] = only(check_register(current, entries, {"R0", "R1", "R2", "R3"}), "X01")
    assert (d.level, d.subject) == ("high", "")
    assert d.evidence["count"] == 2
    assert [(m["transfer_ref"], m["transferred_date"]) for m in d.evidence["missing"]] == [
        ("R0", "2024-04-01"), ("R2", "2024-06-01")]
    assert "R0, R2" in d.messages()[1]


def test_x01_all_present_is_silent():
    current = cmp([row("A", source="OTHER", ref="R1", carried=True, received=date(2024, 3, 1))])
    assert check_register(current, [reg("R1")], {"R1"}) == []


def test_x01_rejects_entries_of_another_period():
    with pytest.raises(ValueError, match="period"):
        check_register(cmp(), [reg("R1", date(2024, 7, 1))], set())


def test_x02_regulator_row_with_unknown_ref():
    current = cmp([row("A", source="REGULATOR", ref="R9", row_no=5), row("B", source="REGULATOR", ref="R1"),
                   row("C", source="DIRECT", ref="R8"), row("D", source="REGULATOR", ref=None)])
    [d] = only(check_register(current, [], {"r1"}), "X02")
    assert (d.level, d.subject) == ("low", "")
    assert d.evidence["count"] == 1
    assert d.evidence["rows"] == [{"complaint_id": "A", "transfer_ref": "R9", "row": 5}]
    assert "R9" in d.messages()[0]


def test_x02_known_refs_are_silent():
    current = cmp([row("A", source="REGULATOR", ref="R1")])
    assert only(check_register(current, [], {"R1"}), "X02") == []


# -------------------------------------------------------------------------------------- D02–D07


def test_d02_apr_above_cap():
    products = [product("P3", apr=Decimal("24.01"), row_no=4), product("P1", apr=Decimal("24")),
                product("P2", apr=None, ptype="PREPAID"), product("P0", apr=Decimal("36.5"), row_no=5)]
    drafts = only(check_disclosure(dsc(products), None, CAP), "D02")
    assert [d.subject for d in drafts] == ["P0", "P3"]
    d = drafts[1]
    assert d.level == "high" and d.subject_label == "产品P3"
    assert d.evidence["apr_max"] == "24.01" and d.evidence["cap"] == "24" and d.evidence["row"] == 4
    assert "24.01" in d.messages()[1] and "24 %" in d.messages()[1]
    assert only(check_disclosure(dsc(products), None, Decimal("40")), "D02") == []


@pytest.mark.parametrize(("auto", "notice", "expected"), [
    (True, False, True), (True, None, True), (True, True, False), (False, False, False), (None, None, False)])
def test_d03_auto_deduction_without_notice(auto, notice, expected):
    drafts = only(check_disclosure(dsc([product("P1", auto=auto, notice=notice)]), None, CAP), "D03")
    assert bool(drafts) is expected
    if drafts:
        assert (drafts[0].subject, drafts[0].level) == ("P1", "medium")
        assert drafts[0].evidence["deduction_notice"] is notice


def test_d04_unpublished_collection_partner():
    partners = [PartnerFacts("COLLECTION", "甲催收", False, 2, "91350100M000100Y43"),
                PartnerFacts("COLLECTION", "甲催收", None, 5),
                PartnerFacts("COLLECTION", "乙催收", True, 3),
                PartnerFacts("GUARANTEE", "丙担保", False, 4),
                PartnerFacts("COLLECTION", "丁催收", None, 6)]
    drafts = only(check_disclosure(dsc(partners=partners), None, CAP), "D04")
    assert [d.subject for d in drafts] == ["丁催收", "甲催收"]
    jia = drafts[1]
    assert jia.level == "medium"
    assert jia.evidence["rows"] == [{"row": 2, "published": False}, {"row": 5, "published": None}]
    assert "91350100M000100Y43" in jia.messages()[0]
    assert "（—）" in drafts[0].messages()[0]


def test_d04_published_is_silent():
    partners = [PartnerFacts("COLLECTION", "乙催收", True, 3)]
    assert only(check_disclosure(dsc(partners=partners), None, CAP), "D04") == []


@pytest.mark.parametrize(("channels", "reasons"), [
    ([ChannelFacts("HOTLINE", False, 2), ChannelFacts("APP", True, 3)], None),
    ([ChannelFacts("HOTLINE", False, 2), ChannelFacts("APP", None, 3)], ["no_accessible"]),
    ([ChannelFacts("ONLINE", True, 2)], ["no_hotline"]),
    ([], ["no_accessible", "no_hotline"]),
])
def test_d05_channels(channels, reasons):
    drafts = only(check_disclosure(dsc(channels=channels), None, CAP), "D05")
    if reasons is None:
        assert drafts == []
        return
    [d] = drafts
    assert (d.level, d.subject, d.evidence["reasons"]) == ("low", "", reasons)
    en = d.messages()[1]
    assert ("No complaint channel is marked accessible" in en) is ("no_accessible" in reasons)
    assert ("No complaint hotline is given" in en) is ("no_hotline" in reasons)


def test_d06_cited_product_not_disclosed():
    rows = [row("A", product="P9", row_no=4), row("B", product="p1", row_no=2), row("C", product="P9", row_no=3),
            row("D", product=None), row("E", product="P8", carried=True, received=date(2024, 2, 1), row_no=6)]
    drafts = only(check_disclosure(dsc([product("P1")]), cmp(rows), CAP), "D06")
    assert [d.subject for d in drafts] == ["P8", "P9"]
    p9 = drafts[1]
    assert p9.level == "medium"
    assert (p9.evidence["count"], p9.evidence["complaint_ids"], p9.evidence["rows"]) == (2, ["C", "A"], [3, 4])
    assert p9.evidence["dsc_missing"] is False
    assert p9.messages()[1].startswith("2 complaint(s) cite product code P9")


def test_d06_all_disclosed_is_silent():
    rows = [row("A", product="P1")]
    assert only(check_disclosure(dsc([product("P1")]), cmp(rows), CAP), "D06") == []


def test_dsc_missing_one_d06_per_cited_code_and_nothing_else():
    rows = [row("A", product="P1", cause="C13"), row("B", product="P2"), row("C", product="P1")]
    drafts = check_disclosure(None, cmp(rows), CAP)
    assert [(d.rule, d.subject, d.evidence["count"]) for d in drafts] == [("D06", "P1", 2), ("D06", "P2", 1)]
    assert all(d.evidence["dsc_missing"] is True for d in drafts)
    for d in drafts:
        ok(d)


def test_no_cmp_no_d06_d07():
    products = [product("P1", auto=False)]
    assert [d.rule for d in check_disclosure(dsc(products), None, CAP)] == []
    assert check_disclosure(None, None, CAP) == []


def test_d07_auto_deduction_complaints_on_product_disclosed_without_it():
    products = [product("P1", auto=False), product("P2", auto=None), product("P3", auto=True, notice=True)]
    rows = [row("A", product="P1", cause="C13", row_no=3), row("B", product="P1", cause="C13", row_no=2),
            row("C", product="P1", cause="C02"), row("D", product="P2", cause="C13"),
            row("E", product="P3", cause="C13"), row("F", product="P4", cause="C13")]
    drafts = check_disclosure(dsc(products), cmp(rows), CAP)
    [d] = only(drafts, "D07")
    assert (d.level, d.subject, d.subject_label) == ("high", "P1", "产品P1")
    assert (d.evidence["count"], d.evidence["complaint_ids"]) == (2, ["B", "A"])
    assert d.messages()[1].startswith("2 auto-deduction (C13) complaint(s) concern product P1")
    assert [x.subject for x in only(drafts, "D06")] == ["P4"]


def test_d07_without_c13_is_silent():
    rows = [row("A", product="P1", cause="C02")]
    assert only(check_disclosure(dsc([product("P1", auto=False)]), cmp(rows), CAP), "D07") == []


# ---------------------------------------------------------------------------------- modified z


def independent_z(values: dict[str, Fraction]) -> tuple[Fraction, Fraction, dict[str, Fraction]]:
    median = statistics.median(values.values())
    mad = statistics.median(abs(v - median) for v in values.values())
    zs = {} if mad == 0 else {k: Fraction(6745, 10000) * (v - median) / mad for k, v in values.items()}
    return Fraction(median), Fraction(mad), zs


fractions_st = st.fractions(min_value=0, max_value=1000, max_denominator=1000)


@settings(max_examples=200, deadline=None)
@given(st.lists(fractions_st, min_size=1, max_size=15))
def test_modified_z_scores_match_independent_computation(xs):
    values = {f"I{i:02d}": x for i, x in enumerate(xs)}
    assert modified_z_scores(values) == independent_z(values)


def test_modified_z_scores_even_n_and_mad_zero():
    median, mad, zs = modified_z_scores({"a": 1, "b": 2, "c": 4, "d": 10})
    assert median == 3 and mad == Fraction(3, 2)  # |dev| = 2, 1, 1, 7 → median 3/2
    assert zs["d"] == Fraction(6745, 10000) * 7 / Fraction(3, 2)
    assert modified_z_scores({"a": 5, "b": 5, "c": 5, "d": 9, "e": 1}) == (5, 0, {})
    with pytest.raises(TypeError):
        modified_z_scores({"a": 1.5})
    with pytest.raises(ValueError):
        modified_z_scores({})


# ------------------------------------------------------------------------------------- S01–S03


def peers_of(per10k, ontime=None):
    ontime = ontime or [Fraction(90)] * len(per10k)
    return [PeerFacts(f"I{i:02d}", p, o) for i, (p, o) in enumerate(zip(per10k, ontime, strict=True))]


def expected_outliers(values: dict[str, Fraction], high: bool) -> set[str]:
    if len(values) < 5:
        return set()
    _, _, zs = independent_z(values)
    return {k for k, z in zs.items() if (z > Fraction(7, 2) if high else z < -Fraction(7, 2))}


def test_s01_high_outlier_with_exact_evidence():
    per10k = [Fraction(10), Fraction(11), Fraction(12), Fraction(13), Fraction(14), Fraction(200, 3)]
    result = check_peers(peers_of(per10k))
    assert set(result) == {f"I{i:02d}" for i in range(6)}
    [d] = result["I05"]
    ok(d)
    assert (d.rule, d.level, d.subject, d.institution_code) == ("S01", "high", "", "I05")
    median, mad, zs = independent_z({f"I{i:02d}": v for i, v in enumerate(per10k)})
    assert d.evidence["n"] == 6
    assert close(d.evidence["median"], median) and close(d.evidence["mad"], mad)
    assert close(d.evidence["z"], zs["I05"]) and close(d.evidence["value"], Fraction(200, 3))
    assert sig_digits(d.evidence["z"]) >= 8
    assert all(result[f"I{i:02d}"] == [] for i in range(5))
    assert "66.67" in d.messages()[1] and "n = 6" in d.messages()[1]


def test_s02_low_outlier():
    per10k = [Fraction(50), Fraction(51), Fraction(52), Fraction(53), Fraction(54), Fraction(1, 10)]
    result = check_peers(peers_of(per10k))
    [d] = result["I05"]
    ok(d)
    assert (d.rule, d.level) == ("S02", "medium")
    assert Fraction(Decimal(d.evidence["z"])) < -Fraction(7, 2)


def test_s03_low_on_time_rate_only():
    ontime = [Fraction(95), Fraction(96), Fraction(97), Fraction(98), Fraction(99), Fraction(20)]
    result = check_peers(peers_of([Fraction(10)] * 6, ontime))
    [d] = result["I05"]
    ok(d)
    assert (d.rule, d.level, d.evidence["metric"]) == ("S03", "medium", "on_time_rate")
    assert "20.00 %" in d.messages()[1]
    high = [Fraction(50), Fraction(51), Fraction(52), Fraction(53), Fraction(54), Fraction(100)]
    assert all(v == [] for v in check_peers(peers_of([Fraction(10)] * 6, high)).values())


def test_s_rules_need_five_institutions_with_a_value():
    per10k = [Fraction(10), Fraction(11), Fraction(12), Fraction(1000)]
    assert all(v == [] for v in check_peers(peers_of(per10k)).values())
    # five peers but one has no value (zero denominator): n = 4
    result = check_peers(peers_of([*per10k, None]))
    assert all(v == [] for v in result.values())
    result = check_peers(peers_of([Fraction(9), *per10k]))
    assert [d.rule for d in result["I04"]] == ["S01"]


def test_s_rules_need_positive_mad():
    per10k = [Fraction(10)] * 4 + [Fraction(1000), Fraction(0)]
    assert all(v == [] for v in check_peers(peers_of(per10k)).values())


def test_s01_threshold_is_strict():
    at = 2 + Fraction(7, 2) / Fraction(6745, 10000)  # median 2, MAD 1 → z exactly 3.5
    base = [Fraction(0), Fraction(1), Fraction(2), Fraction(3)]
    assert independent_z({str(i): v for i, v in enumerate([*base, at])})[2]["4"] == Fraction(7, 2)
    assert check_peers(peers_of([*base, at]))["I04"] == []
    assert [d.rule for d in check_peers(peers_of([*base, at + Fraction(1, 10**9)]))["I04"]] == ["S01"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), fractions_st), min_size=1, max_size=12),
       st.lists(st.one_of(st.none(), st.fractions(min_value=0, max_value=100, max_denominator=50)),
                min_size=12, max_size=12))
def test_s_rules_agree_with_independent_computation(per10k, ontime):
    peers = [PeerFacts(f"I{i:02d}", p, o) for i, (p, o) in enumerate(zip(per10k, ontime, strict=False))]
    result = check_peers(peers)
    a = {p.institution_code: p.per_10k_customers for p in peers if p.per_10k_customers is not None}
    b = {p.institution_code: p.on_time_rate for p in peers if p.on_time_rate is not None}
    got = {rule: {code for code, ds in result.items() for d in ds if d.rule == rule} for rule in ("S01", "S02", "S03")}
    assert got == {"S01": expected_outliers(a, True), "S02": expected_outliers(a, False),
                   "S03": expected_outliers(b, False)}


def test_check_peers_rejects_duplicates():
    with pytest.raises(ValueError):
        check_peers([PeerFacts("I1", Fraction(1), None), PeerFacts("I1", Fraction(2), None)])


# ------------------------------------------------------------------------------------------- T01

DUE = end_of_day(date(2024, 7, 15))  # 2024-07-16 00:00 Asia/Shanghai


def tf(received_at, kind="CMP", inst=INST):
    return TimelinessFacts(inst, kind, received_at, DUE, "2024Q2")


def test_t01_late_filing():
    received = DUE + timedelta(days=1, hours=2)
    [d] = check_timeliness([tf(received)], DUE + timedelta(days=30))
    ok(d)
    assert (d.rule, d.level, d.subject, d.institution_code) == ("T01", "low", "CMP", INST)
    assert d.evidence["status"] == "late"
    assert d.evidence["delay_seconds"] == 26 * 3600 and d.evidence["delay_days"] == 2
    assert d.evidence["due_date"] == "2024-07-15"
    en = d.messages()[1]
    assert "2024-07-15 24:00" in en and "2024-07-17 02:00" in en


def test_t01_at_the_deadline_instant_is_late_one_second_before_is_not():
    [d] = check_timeliness([tf(DUE)], DUE)
    assert d.level == "low" and d.evidence["delay_seconds"] == 0 and d.evidence["delay_days"] == 1
    assert check_timeliness([tf(DUE - timedelta(seconds=1))], DUE + timedelta(days=9)) == []


def test_t01_missing_at_due_date():
    [d] = check_timeliness([tf(None, kind="DSC")], DUE.astimezone(UTC))
    en = ok(d)[1]
    assert (d.level, d.subject, d.variants) == ("medium", "DSC", ("missing",))
    assert d.evidence["status"] == "missing" and d.evidence["received_at"] is None
    assert en == "The DSC filing for 2024Q2 was missing at 2024-07-15 24:00"


def test_t01_nothing_before_the_due_date():
    assert check_timeliness([tf(None)], DUE - timedelta(microseconds=1)) == []


def test_t01_order_and_naive_datetimes():
    facts = [tf(None, "DSC", "B"), tf(None, "CMP", "B"), tf(DUE + timedelta(hours=1), "CMP", "A")]
    drafts = check_timeliness(facts, DUE + timedelta(days=1))
    assert [(d.institution_code, d.subject, d.level) for d in drafts] == [
        ("A", "CMP", "low"), ("B", "CMP", "medium"), ("B", "DSC", "medium")]
    with pytest.raises(ValueError):
        check_timeliness([tf(None)], datetime(2024, 8, 1))  # naive on purpose
    assert DUE.tzinfo is TZ


# --------------------------------------------------------------------------------- determinism


def test_rerun_gives_identical_drafts():
    rows = [row("A", product="P9", cause="C13"), row("B", source="REGULATOR", ref="R7")]
    args = (dsc([product("P1", apr=Decimal("30"), auto=True)], channels=[]), cmp(rows), CAP)
    first, second = check_disclosure(*args), check_disclosure(*args)
    assert first == second
    assert [(d.rule, d.subject) for d in first] == [("D02", "P1"), ("D03", "P1"), ("D05", ""), ("D06", "P9")]
    assert [d.messages() for d in first] == [d.messages() for d in second]
