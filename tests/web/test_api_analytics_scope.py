"""Scope of the analytics API per role with real arguments (the access matrix sends none): the §8
series of institution A (CF, filer_a's) and the explorer restricted to A."""

from __future__ import annotations

import pytest

#: role → status of A's §8 series (404: outside the reader's scope, indistinguishable from missing)
SERIES_A = {"filer_a": 200, "filer_b": 404, "analyst_nfra": 200, "analyst_pboc": 404, "supervisor": 200,
            "admin": 403}


@pytest.mark.parametrize("role", list(SERIES_A))
def test_series_and_view_of_institution_a(client, db, world, role):
    from tests.api.helpers import bearer, token_for

    headers = bearer(token_for(getattr(world.users, role), "read"))
    db.session.commit()
    code = world.inst_a.code
    resp = client.get("/api/v1/analytics/league-series", query_string={"period": world.period.code,
                                                                       "institution": code}, headers=headers)
    assert resp.status_code == SERIES_A[role], resp.get_json()
    if resp.status_code == 200:
        assert resp.get_json()["code"] == code
    resp = client.get("/api/v1/analytics/view", query_string={"period": world.period.code, "rows": "institution",
                                                              "inst": code}, headers=headers)
    if role == "admin":
        assert resp.status_code == 403
        return
    assert resp.status_code == 200
    assert {c["row"] for c in resp.get_json()["cells"]} <= ({code} if SERIES_A[role] == 200 else set())
