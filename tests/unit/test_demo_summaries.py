"""Generated complaint summaries: every code has its words, quarters read varied, topics can be weighted."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import unicodedata
from decimal import Decimal

import pytest

from supervision.demo import summaries as S
from supervision.demo.workbooks import generate_cmp, profile_for
from supervision.domain.codes import CODE_LISTS
from supervision.domain.uscc import generate_uscc
from tests.conftest import SHARED

CF = profile_for(generate_uscc(301, "44"), "示例消费金融有限公司", "CF", seed=301)
PAY = profile_for(generate_uscc(302, "31"), "示例支付科技有限公司", "PAY", seed=302)
HAN = re.compile(r"[\u4e00-\u9fff]")


def _stem(fragment: S.Fragment) -> str:
    """The fragment's text up to its first placeholder (what must appear verbatim in a summary)."""
    return fragment.text.split("{", 1)[0]


def _row(**kw) -> dict:
    base = {"complaint_id": "TS1", "received_date": dt.date(2026, 2, 10), "source": "DIRECT", "channel": "A05",
            "business_category": "B14", "cause": "C02", "customer_group": "NONE", "amount": None,
            "repeat_of": None}
    return {**base, **kw}


def test_every_code_of_the_spec_lists_has_words():
    assert set(S.ISSUE) == set(CODE_LISTS["cause"])
    assert set(S.VIA) == set(CODE_LISTS["channel"])
    assert set(S.PRODUCT) == set(CODE_LISTS["business_category"])
    assert set(S.WHO) == set(CODE_LISTS["customer_group"])
    assert set(S.GROUP_NOTES) == set(CODE_LISTS["customer_group"]) - {"NONE"}
    for cause, fragments in S.ISSUE.items():
        assert any(not f.topics for f in fragments), f"{cause} needs an untagged fragment (factor 0 leaves it)"
        assert len(fragments) >= 2
    assert {t for bank in (S.ISSUE, S.DEMAND, S.WHO, S.GROUP_NOTES) for fs in bank.values() for f in fs
            for t in f.topics} == set(S.TOPICS)


@pytest.mark.parametrize("profile", [CF, PAY], ids=["CF", "PAY"])
def test_a_quarter_reads_varied_and_matches_each_rows_codes(profile):
    rows = [r for q in ("2026Q1", "2026Q2") for r in generate_cmp(profile, q, [], None).rows]
    texts = [r["summary"] for r in rows]
    assert len(set(texts)) >= 0.97 * len(texts), "summaries repeat too often"
    assert len({t[:6] for t in texts}) >= 15, "too few different openings"
    for r in rows:
        text = r["summary"]
        assert HAN.search(text) and len(unicodedata.normalize("NFKC", text).strip()) <= 500
        assert any(_stem(f) in text for f in S.ISSUE[r["cause"]]), (r["cause"], text)
        assert any(_stem(f) in text for f in S.PRODUCT[r["business_category"]]), (r["business_category"], text)
        if r["customer_group"] != "NONE":
            assert any(_stem(f) in text for f in S.GROUP_NOTES[r["customer_group"]]), text
        if r["repeat_of"]:
            assert text.startswith("（重复投诉）")
        assert not any(ch in text for ch in "{}"), text
    hotline = {"CF": "12378", "PAY": "12363"}[profile.sector]
    assert any(t.startswith(f"经{hotline}热线转办") for t in texts)


def test_summaries_move_no_other_value_and_are_deterministic():
    generated = generate_cmp(CF, "2026Q1", [], None)
    real = generate_cmp(CF, "2026Q1", [], ["客户反映借款利息过高，要求退还。", "逾期后被催收人员频繁来电。"])
    strip = [{k: v for k, v in r.items() if k != "summary"} for r in generated.rows]
    assert strip == [{k: v for k, v in r.items() if k != "summary"} for r in real.rows]
    assert generated.summary == real.summary
    assert [r["summary"] for r in generate_cmp(CF, "2026Q1", [], None).rows] == [r["summary"] for r in generated.rows]
    q2 = generate_cmp(CF, "2026Q2", generated.open_at_end, None)
    carried = {r["complaint_id"]: r["summary"] for r in generated.open_at_end}
    assert carried and all(r["summary"] == carried[r["complaint_id"]] for r in q2.rows if r["complaint_id"] in carried)


def test_no_weights_and_unit_weights_draw_the_same():
    assert generate_cmp(PAY, "2026Q3", [], None).rows == generate_cmp(PAY, "2026Q3", [], None, topics={}).rows
    ones = dict.fromkeys(S.TOPICS, 1.0)
    assert generate_cmp(PAY, "2026Q3", [], None).rows == generate_cmp(PAY, "2026Q3", [], None, topics=ones).rows


@pytest.mark.parametrize(("profile", "topic", "words"), [
    (CF, S.COLLECTION, ("催收", "通讯录")),
    (PAY, S.AUTO_DEDUCTION, ("自动扣费", "扣款", "自动续费", "代扣", "免密支付")),
], ids=["CF-collection", "PAY-auto-deduction"])
def test_a_topic_weight_makes_an_institutions_quarter_mention_it_far_more(profile, topic, words):
    plain = generate_cmp(profile, "2026Q1", [], None).rows
    spiked = generate_cmp(profile, "2026Q1", [], None, topics={topic: 8}).rows
    before = sum(any(w in r["summary"] for w in words) for r in plain)
    after = sum(any(w in r["summary"] for w in words) for r in spiked)
    assert after >= 20 and after >= 3 * max(before, 1), (before, after)
    # other quarters and institutions are untouched by this quarter's weights
    assert generate_cmp(profile, "2026Q2", [], None).rows == generate_cmp(profile, "2026Q2", [], None).rows


def test_a_zero_weight_silences_a_topic():
    rng = random.Random(7)
    rows = [_row(cause=cause, customer_group=group, channel=channel, complaint_id=f"X{i}")
            for i, (cause, group, channel) in enumerate(
                (c, g, ch) for c in CODE_LISTS["cause"] for g in CODE_LISTS["customer_group"] for ch in ("A04", "A05"))]
    for topic in S.TOPICS:
        seen = set().union(*(S.generate_summary(r, rng, {topic: 0})[1] for r in rows for _ in range(3)))
        assert topic not in seen
    seen = set().union(*(S.generate_summary(r, rng)[1] for r in rows for _ in range(3)))
    assert seen == set(S.TOPICS)


def test_weights_scale_cause_and_category_draws():
    base = {"C05": 85, "C04": 10, "C09": 5}
    assert S.cause_weights(base, None) is base
    scaled = S.cause_weights(base, {S.COLLECTION: 5})
    assert scaled["C05"] / base["C05"] > 2 and scaled["C04"] == base["C04"]
    categories = S.category_weights({"B05": 22, "B14": 44}, {"B05": base, "B14": {"C02": 1}}, {S.COLLECTION: 5})
    assert categories["B05"] > 2 * 22 and categories["B14"] == 44
    assert S.issue_factor("C05", {S.COLLECTION: 0}) < 1 and S.issue_factor("C05", None) == 1


def test_amounts_dates_and_groups_fill_their_slots():
    rng = random.Random(3)
    texts = [S.generate_summary(_row(cause="C07", amount=Decimal("1234.50"), customer_group="ELDERLY"), rng)[0]
             for _ in range(200)]
    assert any("1234.50元" in t for t in texts)
    assert any(re.search(r"于[12]月\d{1,2}日", t) for t in texts)
    assert any(re.search(r"（(6[5-9]|7\d|8[0-6])岁）", t) for t in texts)


@pytest.mark.realdata("spec/topics.json")
def test_topic_tags_agree_with_the_spec_lexicon():
    lexicon = json.loads((SHARED / "spec" / "topics.json").read_text(encoding="utf-8"))["topics"]
    assert {t["code"] for t in lexicon} == set(S.TOPICS)

    def mentions(text: str) -> set[str]:
        return {t["code"] for t in lexicon if any(term in text for term in t["terms"])}

    banks = [*S.WHO.values(), *S.GROUP_NOTES.values(), *S.VIA.values(), *S.PRODUCT.values(), *S.ISSUE.values(),
             *S.DEMAND.values(), S.FOLLOWUP]
    for fragment in (f for bank in banks for f in bank):
        assert mentions(fragment.text) == set(fragment.topics), fragment
    assert not any(mentions(s) for s in S.SKELETONS)
    rng = random.Random(11)
    for profile in (CF, PAY):
        for row in generate_cmp(profile, "2026Q1", [], None).rows:
            for _ in range(3):
                text, topics = S.generate_summary(row, rng, hotline=profile.hotline)
                assert mentions(text) == set(topics), text
