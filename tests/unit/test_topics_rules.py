"""Pure parts of issue 15: the shipped lexicon, lazy segmenter, and the G01/G02/K01 boundaries."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest

from supervision.checks.rules_lens import G01Params, GroupCounts, K01Params, TopicFacts, check_g01, check_g02, check_k01
from supervision.topics import lexicon
from tests.conftest import SHARED


@pytest.mark.realdata("spec/topics.json")
def test_shipped_lexicon_equals_the_specification():
    spec = json.loads((SHARED / "spec" / "topics.json").read_text(encoding="utf-8"))
    assert [(t.code, t.name_zh, t.name_en, list(t.terms)) for t in lexicon.topics()] == \
        [(t["code"], t["name_zh"], t["name_en"], t["terms"]) for t in spec["topics"]]


def test_the_segmenter_is_not_built_at_import():
    code = ("import sys; import supervision.topics.segment as s; import supervision.app; "
            "assert s._tokenizer is None and 'jieba' not in sys.modules; "
            "print(s.segments('催收人员暴力催收并爆通讯录'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "'暴力催收'" in out.stdout and "'爆通讯录'" in out.stdout


def _g(group, closed, on_time, favourable):
    return GroupCounts(group, closed, closed, on_time, favourable)


def test_g01_boundaries():
    base = _g("NONE", 100, 90, 80)
    # exactly 10 points below on time and 15 below favourable: not "more than"
    assert check_g01([base, _g("ELDERLY", 20, 16, 13)]) == []
    found = check_g01([base, _g("ELDERLY", 20, 15, 13)])  # 75 % on time: 15 points below
    assert [(d.subject, d.subject_label) for d in found] == [("ELDERLY", "老年人")]
    assert found[0].evidence["on_time_gap_points"] == "-15"
    assert check_g01([base, _g("ELDERLY", 19, 0, 0)]) == []  # fewer than 20 closed
    assert check_g01([base, _g("MINOR", 20, 18, 12)])[0].subject == "MINOR"  # favourable 60 %: 20 below
    assert check_g01([_g("NONE", 0, 0, 0), _g("ELDERLY", 30, 0, 0)]) == []  # nothing to compare with
    assert check_g01([base, _g("ELDERLY", 10, 0, 0)], G01Params(min_closed=10)) != []


def test_g02_needs_a_disclosure_and_a_suitable_channel():
    received = {"ELDERLY": 3, "DISABLED": 1}
    assert check_g02(received, None) == []
    both = check_g02(received, [{"accessible": None, "elderly_friendly": False}])
    assert sorted(d.subject for d in both) == ["DISABLED", "ELDERLY"]
    assert [d.subject for d in check_g02(received, [{"accessible": True, "elderly_friendly": False}])] == ["ELDERLY"]
    assert check_g02({"ELDERLY": 0}, [{"accessible": False, "elderly_friendly": False}]) == []


def _t(count, previous):
    return TopicFacts("T_FRAUD", "盗刷与诈骗", "fraud and unauthorised use", count, previous, ("X1",))


def test_k01_boundaries():
    assert check_k01([_t(19, None)]) == []
    assert check_k01([_t(20, None)])[0].evidence["previous"] is None
    assert check_k01([_t(20, 4)]) != [] and check_k01([_t(20, 10)]) != []  # < 5 before; +100 %
    assert check_k01([_t(21, 11)]) == []  # +90.9 %
    assert check_k01([_t(30, 20)], K01Params(rise_pct=Fraction(50))) != []
    assert check_k01([_t(30, 20)]) == []


def test_threshold_parameters(app, db):
    from supervision.checks.engine_lens import g01_params, k01_params
    from supervision.parameters.services import ParameterError, set_value

    assert g01_params() == G01Params() and k01_params() == K01Params()
    with pytest.raises(ParameterError):
        set_value(None, "K01_THRESHOLDS", "min_rows:20")
    with pytest.raises(ParameterError):
        set_value(None, "G01_THRESHOLDS", "min_closed:2.5,on_time_gap:10,favourable_gap:15")
    assert set_value(None, "K01_THRESHOLDS", " rise_pct:50 , min_rows:10 ")
    assert k01_params() == K01Params(10, Fraction(50))


def test_notice_writer_on_plain_data(tmp_path):
    from docx import Document

    from supervision.notice import document as D

    rows = (D.NoticeRow(1, "甲消费金融有限公司", "120", "60.00", "1.50", 2),
            D.NoticeRow(2, "乙消费金融有限公司", "80", "40.00", None, None))
    sector = D.SectorNotice("CF", "消费金融公司", 200, 250, rows, {"received": "100.0", "per_100m_volume": "1.50",
                                                                 "per_10k_customers": "0.30"},
                            above_median=(("甲消费金融有限公司", "0.45"),))
    data = D.NoticeData(2024, 2, "2024Q2", "〔2024〕第 2 号", 3, "2024-08-01", "测试监管局", (sector,),
                        groups=(D.GroupLine("消费金融公司", "老年人", 12, "6.00", ("甲消费金融有限公司",)),),
                        surges=(D.Surge("暴力催收", "甲消费金融有限公司", 37, 2),))
    out = D.write_notice(tmp_path / "n.docx", data)
    doc = Document(str(tmp_path / "n.docx"))
    assert out.size == (tmp_path / "n.docx").stat().st_size
    body = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert body[1] == ["1", "甲消费金融有限公司", "120", "60.00", "1.50", "2"]
    assert body[2] == ["2", "乙消费金融有限公司", "80", "40.00", "—", "—"]
    assert body[3][1:5] == ["行业中位数", "100.0", "", "1.50"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "共受理消费投诉 200 件，较上季度（250 件）减少 50 件，下降 20.00%" in text
    assert "甲消费金融有限公司“暴力催收”相关投诉 37 件（上季度 2 件）" in text
    assert "万人投诉量高于行业中位数（0.30）的机构：甲消费金融有限公司（0.45）。" in text
    assert "甲消费金融有限公司对老年人投诉的处理明显差于其他客户" in text
