"""An institution that leaves the ranked set must not keep stale ``S01``–``S03`` findings (issue 9):
returning its only CMP re-runs the sector's peer checks, which close its S01 with an ``auto:``
reason; its peers are re-evaluated against the new set. Both databases, ingested workbooks."""

from __future__ import annotations

from supervision.checks.engine import peer_facts, run_period
from supervision.demo import workbooks as gen
from supervision.extensions import db
from supervision.filings import services
from supervision.filings.models import FilingVersion
from tests.checks.helpers import profile
from tests.lifecycle.helpers import client_as, file_cmp, findings_of, new_institution, post_form


def test_an_outlier_that_stops_counting_loses_its_s01(ctx, tmp_path):
    app, world = ctx
    cur = world.current
    peers, versions = [], {}
    for i in range(6):
        inst = new_institution(f"离群测试支付{i}有限公司", "PAY", agency="NFRA")  # the supervisor acts on them
        rate = 8.0 if i == 0 else 1.0 + i * 0.05
        q = gen.generate_cmp(profile(inst, 700 + i, active_customers=1_000_000, complaint_rate_per_10k=rate), cur.code)
        versions[inst.code] = file_cmp(tmp_path, inst, cur, 0, f"peer{i}", filing=q).id
        peers.append(inst)
    run_period(cur, rules=["S01", "S02", "S03"])
    db.session.commit()
    outlier = peers[0]
    [s01] = findings_of(outlier, cur, "S01")
    assert s01.holds and s01.versions == [versions[outlier.code]]
    assert outlier.code in {p.institution_code for p in peer_facts(cur)["PAY"]}
    # returned from the web: the checks of the filing re-run (the sync task backend runs them now)
    supervisor = client_as(app, world.users.supervisor)
    vid = versions[outlier.code]
    resp = post_form(supervisor, f"/filings/versions/{vid}/return", f"/filings/versions/{vid}/return",
                     note="活跃客户数疑误")
    assert resp.status_code == 302
    db.session.rollback()
    assert db.session.get(FilingVersion, vid).status == "RETURNED"
    assert outlier.code not in {p.institution_code for p in peer_facts(cur)["PAY"]}
    [s01] = findings_of(outlier, cur, "S01")
    assert not s01.holds and s01.status == "CLOSED" and s01.closed_reason.startswith("auto:")
    # nothing else of the returned version holds either
    assert [f.rule for f in findings_of(outlier, cur) if f.holds and vid in (f.versions or [])] == []
    # the remaining peers were compared again without it: no S01 among five near-equal rates
    for inst in peers[1:]:
        assert [f for f in findings_of(inst, cur, "S01") if f.holds] == []
    # an accepted correction brings it back into the ranked set
    q = gen.generate_cmp(profile(outlier, 799, active_customers=1_000_000, complaint_rate_per_10k=1.1), cur.code)
    v2 = file_cmp(tmp_path, outlier, cur, 0, "peer0-fixed", filing=q)
    assert v2.status == "ACCEPTED"
    assert outlier.code in {p.institution_code for p in peer_facts(cur)["PAY"]}
    services.consequence(db.session.get(FilingVersion, v2.id), "RETURNED")  # a plain read: nothing changes
    assert db.session.get(FilingVersion, v2.id).status == "ACCEPTED"
