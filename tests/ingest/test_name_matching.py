"""Institution names match by one rule (docs/decisions.md "Names": NFKC + case-folding + no
whitespace, supervision/domain/names.py): the master data (duplicate names and aliases, look-up by
name) and the ingest warning W-NAME decide alike for every spelling."""

from __future__ import annotations

import pytest

from supervision.domain.names import matches_any, name_key, same_name
from tests.ingest.helpers import build_cmp, cover_values, validated, where

REGISTERED = "测试（北京）消费金融 Co.有限公司"
#: (spelling, same institution?) — full-width/half-width, case, inner and ideographic spaces
SPELLINGS = [
    ("测试（北京）消费金融 Co.有限公司", True),
    ("测试(北京)消费金融 Co.有限公司", True),       # half-width brackets
    ("测试（北京）消费金融 CO.有限公司", True),     # case
    ("测试（北京）消费金融Co.有限公司", True),      # no inner space
    ("测试（北京） 消费金融\u3000Co. 有限公司", True),  # extra and ideographic spaces
    ("  测试（北京）消费金融 Ｃｏ．有限公司  ", True),  # full-width letters and dot, padding
    ("测试（上海）消费金融 Co.有限公司", False),
    ("测试北京消费金融 Co.有限公司", False),        # brackets are not whitespace
]


def test_the_key():
    assert name_key(" Ａｂ（c） d\u3000e ") == "ab(c)de"
    assert name_key(None) == "" and not same_name("", "") and not matches_any("", [""])
    for spelling, same in SPELLINGS:
        assert same_name(spelling, REGISTERED) is same, spelling
        assert matches_any(spelling, ["别的公司", REGISTERED]) is same, spelling


@pytest.mark.parametrize(("spelling", "same"), SPELLINGS)
def test_w_name_follows_the_key(tmp_path, spelling, same):
    path = build_cmp(tmp_path / "name.xlsx", cover=cover_values(institution_name=spelling))
    with validated(path, names=[REGISTERED, "测试消金"]) as result:
        assert result.ok
        assert bool(where(result, "W-NAME")) is (not same), spelling


@pytest.mark.parametrize(("spelling", "same"), SPELLINGS)
def test_master_data_follows_the_key(world, db, spelling, same):
    from supervision.orgs import services as orgs

    orgs.update_institution(None, world.inst_c, name=REGISTERED, short_name=None, sector="CF", agency_code="NFRA",
                            province=None, licence_no=None, active=True)
    found = orgs.find_institution_by_name(spelling)
    assert (found is not None and found.id == world.inst_c.id) is same, spelling
    # another institution may neither be renamed to, nor take as alias, a spelling of that name
    for attempt in (lambda: orgs.update_institution(None, world.inst_a, name=spelling, short_name=None, sector="CF",
                                                    agency_code="NFRA-BJ", province=None, licence_no=None,
                                                    active=True),
                    lambda: orgs.add_alias(None, world.inst_a, spelling)):
        if same:
            with pytest.raises(orgs.OrgError), db.session.begin_nested():
                attempt()
        else:
            with db.session.begin_nested():
                attempt()
