"""The block-cached segmenter gives exactly jieba's cut of the whole text (``lcut(text, HMM=False)``
without blank segments), on generated summaries and on texts mixing scripts, digits and blanks."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from supervision.demo.summaries import generate_summary
from supervision.topics import segment


def _jieba(text: str) -> list[str]:
    return [s for s in segment.tokenizer().lcut(text, HMM=False) if s.strip()]


def test_block_cache_equals_whole_text_cut():
    rng = random.Random(5)
    texts = ["", " ", "\n", "催收",
             "客户王先生于2026年7月1日来电，称其APP自动扣款￥1,234.56元（订单号AB-12#3）未通知。",
             "暴力催收 多次 电话骚扰\t家人；要求退款100%", "ＡＢＣ１２３全角字符与半角abc123混排",
             "利率过高,费用不透明.要求解释"]
    for i in range(400):
        row = {"cause": rng.choice(["C01", "C02", "C05", "C13"]), "business_category": "CONSUMER_LOAN",
               "amount": Decimal(rng.randint(100, 999999)) / 100, "customer_group": "GENERAL", "channel": "PHONE",
               "product_code": "P1", "complaint_id": f"X{i}", "status": "CLOSED", "outcome": "UPHELD",
               "received_date": dt.date(2026, 7, 1) + dt.timedelta(days=rng.randint(0, 80))}
        text = generate_summary(row, rng)[0]
        texts.append(f"{text}（工单{rng.randint(0, 10**6)}，{row['received_date']:%m月%d日}来电）")
    segment._blocks.clear()
    for text in texts:  # twice: once filling the cache, once reading it
        assert segment.segments(text) == _jieba(text), text
    hits = len(segment._blocks)
    for text in texts:
        assert segment.segments(text) == _jieba(text), text
    assert len(segment._blocks) == hits and hits > 0
    for text in texts:  # the per-block topics and terms are those of the whole text's segments
        segs = _jieba(text)
        assert segment.analyse(text) == (segment.mentions(segs), frozenset(segment.other_terms(segs))), text
