"""The reference facts shipped in the package (supervision/data/reference) and where they come from."""

from __future__ import annotations

import csv
import importlib.util
from collections import Counter

import pytest

from supervision.domain.codes import CODE_LISTS
from supervision.domain.uscc import is_valid_uscc
from supervision.reference.institutions import (
    DATA_DIR,
    REFERENCE_CSV,
    SOURCES,
    ReferenceInstitution,
    name_core,
    reference_institutions,
)
from tests.conftest import SHARED

MASTER = SHARED / "data" / "master"


def test_shipped_facts_are_complete_and_consistent():
    refs = reference_institutions()
    assert Counter(r.sector for r in refs) == {"CF": 31, "PAY": 27}
    assert len({r.name for r in refs}) == len({r.licence_no for r in refs}) == len({r.generated_uscc for r in refs}) \
        == len(refs)
    for r in refs:
        assert is_valid_uscc(r.generated_uscc) and r.province in CODE_LISTS["province"]
        if r.sector == "CF":  # NFRA institution code X00nnH + 1 digit + 6-digit division + 3 digits
            assert len(r.licence_no) == 15 and r.licence_no[0] == "X" and r.licence_no[7:9] == r.province
            assert r.short_name
        else:  # PBOC payment licence Z2 + 4-digit serial + 2-digit province + 6 digits
            assert len(r.licence_no) == 14 and r.licence_no.startswith("Z2") and r.licence_no[6:8] == r.province
        assert r.name not in r.aliases and (not r.short_name or r.short_name not in r.aliases)
    every_name = Counter(n for r in refs for n in (r.name, *r.aliases))
    assert max(every_name.values()) == 1, "an alias must not name two institutions"
    assert {r.source for r in refs} == set(SOURCES)


def test_sources_are_documented():
    text = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for key in SOURCES:
        assert f"`{key}`" in text
    with REFERENCE_CSV.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert all(f"`{column}`" in text for column in header)
    assert "generated" in text and "not* the institution's real code" in text


def test_rows_refuse_inconsistent_facts():
    good = reference_institutions()[0]
    for bad in ({"sector": "XX"}, {"province": "00"}, {"source": "somewhere"},
                {"generated_uscc": "91110100NH3N3XWAFX"}):
        with pytest.raises(ValueError):
            ReferenceInstitution(**{**good.__dict__, **bad})


def test_name_core_matches_spellings_across_lists():
    assert name_core("重庆蚂蚁消费金融有限公司") == name_core("蚂蚁消费金融有限公司") == "蚂蚁消费金融"
    assert name_core("浙江宁银消费金融股份有限公司") == name_core("宁银消费金融股份有限公司")
    assert name_core("招联消费金融股份有限公司") == name_core("招联消费金融有限公司")
    assert name_core("四川省唯品富邦消费金融有限公司") == "唯品富邦消费金融"
    assert name_core("北京银行股份有限公司") == "银行"  # a bare place name is stripped too; only used for CF names


@pytest.mark.realdata("data/master")
def test_shipped_facts_equal_the_public_master_lists():
    spec = importlib.util.spec_from_file_location("derive_reference",
                                                  REFERENCE_CSV.parents[3] / "tools" / "derive_reference.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    derived = tool.derive(MASTER)
    assert tuple(derived) == reference_institutions()
    assert tool.render(derived) == REFERENCE_CSV.read_text(encoding="utf-8")
    with (MASTER / "cn_consumer_finance_companies_nfra31.csv").open(encoding="utf-8-sig", newline="") as fh:
        cf = list(csv.DictReader(fh))
    shipped = {r.licence_no: r for r in reference_institutions()}
    assert all(shipped[row["nfra_institution_code"]].name == row["legal_name"] for row in cf)
    with (MASTER / "cn_payment_institutions_first_batch_2011.csv").open(encoding="utf-8-sig", newline="") as fh:
        pay = list(csv.DictReader(fh))
    assert all(row["company_name_at_2011"] in (shipped[row["license_no"]].name, *shipped[row["license_no"]].aliases)
               for row in pay)
