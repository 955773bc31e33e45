"""The rule catalogue, code lists and the USCC check."""

from __future__ import annotations

import json
import re
import string

import pytest

from supervision.rules import catalog
from supervision.rules.codes import CODE_LISTS, VERSION
from supervision.rules.uscc import is_valid_uscc, uscc_check_char
from tests.conftest import SHARED

SPEC_IDS = ([f"F0{i}" for i in range(1, 10)] + [f"V0{i}" for i in range(1, 8)] + [f"C0{i}" for i in range(1, 10)]
            + ["P01", "P02", "P03", "X01", "X02"] + [f"D0{i}" for i in range(1, 8)] + ["S01", "S02", "S03", "T01"]
            + ["O01", "G01", "G02", "K01"])  # spec v1.1 §10.3
WARNINGS = ["W-COL", "W-PII", "W-ESC", "W-NAME"]
# the spec folder sits beside the repository (../shared/spec) on development machines and in CI
SPEC = SHARED / "spec"


def test_every_spec_rule_is_catalogued():
    assert set(catalog.RULES) == set(SPEC_IDS + WARNINGS)
    assert catalog.RULESET_VERSION == "1"


def test_severities_and_levels():
    assert {r.severity for r in catalog.all_rules() if r.id.startswith("W-")} == {"warning"}
    assert catalog.get("T01").levels == ("low", "medium") and catalog.get("T01").level is None
    assert catalog.get("D02").level == "high" and catalog.get("V01").level is None


@pytest.mark.realdata("spec/filing-spec.md")
def test_severities_and_levels_match_the_spec_table():
    spec = (SPEC / "filing-spec.md").read_text(encoding="utf-8")
    for rule in catalog.all_rules():
        if rule.id.startswith("W-"):
            continue
        m = re.search(rf"^\| `{rule.id}` \| ([a-z /]+) \|", spec, re.M)
        words = m.group(1).split()
        assert rule.severity == words[0]
        if rule.severity == "finding":
            assert set(rule.levels) == set(words[1:]) - {"/"}


@pytest.mark.parametrize("rule", list(catalog.all_rules()), ids=lambda r: r.id)
def test_every_template_renders_bilingually(rule):
    assert rule.title_zh and rule.title_en and rule.description_zh and rule.description_en
    for key in [None] + [v.key for v in rule.variants]:
        params = {name: f"<{name}>" for name in rule.params()}
        zh, en = catalog.render(rule.id, variant=key, **params)
        assert "{" not in zh and "{" not in en
        assert re.search(r"[\u4e00-\u9fff]", zh) and re.search(r"[A-Za-z]", en)
        fields_zh = {f for _, f, _, _ in string.Formatter().parse(rule.variant(key)[0]) if f}
        assert all(f"<{f}>" in zh for f in fields_zh)


def test_render_and_combined():
    zh, en = catalog.render("C07", days=75)
    assert zh == "办结用时 75 天，超过 60 天" and en == "Closed after 75 days, more than 60"
    assert catalog.combined(zh, en).startswith(zh)
    assert catalog.render("C07")[0] == "办结用时 {days} 天，超过 60 天"
    with pytest.raises(KeyError):
        catalog.render("F05", variant="nope")
    assert catalog.get("F05").as_dict()["ruleset_version"] == "1"


def test_uscc():
    assert is_valid_uscc("91350100M000100Y43") and is_valid_uscc("914403001922038216")
    assert uscc_check_char("91350100M000100Y4") == "3"
    for bad in ("91350100M000100Y44", "91350100m000100Y43", "91350100M000100Y4", "91350100I000100Y43", ""):
        assert not is_valid_uscc(bad)


@pytest.mark.realdata("spec/codes.json")
def test_code_lists_match_codes_json_exactly():
    data = json.loads((SPEC / "codes.json").read_text(encoding="utf-8"))
    assert data.pop("version") == VERSION
    assert data == CODE_LISTS
    assert list(data) == list(CODE_LISTS)
