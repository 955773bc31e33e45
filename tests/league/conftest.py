"""League tests run on committed data built through the real pipeline: demo-like CMP and DSC
workbooks (``supervision.demo.workbooks``) uploaded with ``store_original``/``submit`` and processed
by ``process_version`` (checks after accept included), for two quarters, on each backend.

The world: the standard institutions A (CF), B (PAY), C (CF) plus CF D, E, F and PAY G, H, I; a tiny
CF institution (below the customer threshold: 未排名), a PAY institution whose only CMP is rejected
(filed, not accepted) and a CF institution that never files (未报送). D has no DSC (score 0).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, PG_TEST_DB, IsolatedClient, make_app

PERIODS = ("2024Q1", "2024Q2")


@dataclass(frozen=True)
class Inst:
    """Plain facts of an institution (ORM objects do not outlive their session)."""

    key: str
    id: int
    code: str
    name: str
    sector: str


@dataclass
class LeagueWorld:
    """What the tests know about the data they ingested (plain values only)."""

    app: object
    periods: dict = field(default_factory=dict)  # period code → id
    inst: dict = field(default_factory=dict)  # key → Inst
    cmp: dict = field(default_factory=dict)  # (code, period code) → CmpFiling now accepted
    profiles: dict = field(default_factory=dict)  # key → InstitutionProfile
    dsc: set = field(default_factory=set)  # (code, period code) with an accepted DSC
    filed: set = field(default_factory=set)  # (code, period code) with any CMP version
    users: dict = field(default_factory=dict)  # role key → e-mail
    tmp: Path | None = None

    def period(self, code: str):
        """The Period row (inside an app context)."""
        from supervision.extensions import db
        from supervision.periods.models import Period

        return db.session.get(Period, self.periods[code])

    def institution(self, key: str):
        """The Institution row (inside an app context)."""
        from supervision.extensions import db
        from supervision.orgs.models import Institution

        return db.session.get(Institution, self.inst[key].id)


def ingest(path: Path, inst, period, kind: str):
    """Upload ``path`` as (inst, period, kind) through the real services and process it."""
    from supervision.extensions import db
    from supervision.filings import services
    from supervision.filings.models import FilingVersion
    from supervision.filings.pipeline import process_version

    with path.open("rb") as fh:
        stored = services.store_original(fh)
    sub = services.submit(None, inst, period, kind, stored, path.name, historic=True)
    db.session.commit()
    process_version(sub.version.id)
    db.session.expire_all()
    return db.session.get(FilingVersion, sub.version.id)


def _profile(inst, seed: int, customers: int | None = None):
    from supervision.demo import workbooks as gen

    profile = gen.profile_for(inst.code, inst.name, inst.sector, seed=seed)
    customers = customers or max(profile.active_customers, 50_000)
    target = 20 + seed % 4 * 12  # about 20–56 complaints a quarter keeps the suite fast
    return dataclasses.replace(profile, active_customers=customers,
                               complaint_rate_per_10k=target * 10_000 / customers)


def build(app, world, tmp: Path) -> LeagueWorld:
    """Create the institutions and ingest two quarters of filings (see the module docstring)."""
    from supervision.accounts.services import create_user
    from supervision.demo import workbooks as gen
    from supervision.extensions import db
    from supervision.orgs.services import get_agency
    from supervision.periods.services import add_period
    from tests.factories import PASSWORD, make_institution

    lw = LeagueWorld(app=app, tmp=tmp)
    periods = {"2024Q1": world.period, "2024Q2": add_period(None, "2024Q2"),
               "2023Q3": add_period(None, "2023Q3")}  # an empty period that is never published
    institutions = {"A": world.inst_a, "B": world.inst_b, "C": world.inst_c}
    for key, sector, agency, seed in (("D", "CF", "NFRA", 11), ("E", "CF", "NFRA", 12), ("F", "CF", "NFRA", 13),
                                      ("G", "PAY", "PBOC", 14), ("H", "PAY", "PBOC", 15), ("I", "PAY", "PBOC", 16),
                                      ("TINY", "CF", "NFRA", 17), ("REJ", "PAY", "PBOC", 18),
                                      ("MISSING", "CF", "NFRA", 19)):
        institutions[key] = make_institution(f"测试{key}{'消费金融' if sector == 'CF' else '支付'}有限公司", sector,
                                                agency, 100 + seed, "44")
    create_user(None, email="supervisor@pboc.test.cn", role="supervisor", password=PASSWORD,
                agency_id=get_agency("PBOC").id)
    db.session.commit()
    lw.periods = {code: p.id for code, p in periods.items()}
    lw.inst = {k: Inst(k, i.id, i.code, i.name, i.sector) for k, i in institutions.items()}
    lw.users = {k: getattr(world.users, k).email for k in vars(world.users)}
    lw.users["supervisor_pboc"] = "supervisor@pboc.test.cn"
    for n, (key, inst) in enumerate(sorted(institutions.items())):
        if key == "MISSING":
            continue
        profile = lw.profiles[key] = _profile(inst, seed=n, customers=5_000 if key == "TINY" else None)
        carried: list[dict] = []
        for code in PERIODS:
            period = periods[code]
            filing = gen.generate_cmp(profile, code, carried_over=carried)
            carried = filing.open_at_end
            path = tmp / f"{inst.code}_{code}_CMP.xlsx"
            if key == "REJ":
                gen.write_cmp(path, filing, mistakes={"summary_mismatch"})
                assert ingest(path, inst, period, "CMP").status == "REJECTED"
                lw.filed.add((inst.code, code))
                continue
            gen.write_cmp(path, filing)
            version = ingest(path, inst, period, "CMP")
            assert version.status == "ACCEPTED", (key, code, version.status, version.rule_totals, version.failure)
            lw.cmp[inst.code, code] = filing
            lw.filed.add((inst.code, code))
            if key != "D":
                dpath = tmp / f"{inst.code}_{code}_DSC.xlsx"
                gen.write_dsc(dpath, gen.generate_dsc(profile, code))
                assert ingest(dpath, inst, period, "DSC").status == "ACCEPTED"
                lw.dsc.add((inst.code, code))
    _extra_findings(lw)
    return lw


def _extra_findings(lw: LeagueWorld) -> None:
    """Findings the disclosure score must count (open D, holding) and must not count (closed, no
    longer holding, not a D rule), on institution E in 2024Q1."""
    from supervision.extensions import db
    from supervision.findings.models import Finding

    inst, period = lw.inst["E"], lw.periods["2024Q1"]
    for rule, level, status, holds in (("D02", "high", "OPEN", True), ("D03", "medium", "EXPLAINED", True),
                                       ("D05", "low", "CLOSED", True), ("D04", "medium", "OPEN", False),
                                       ("P03", "high", "OPEN", True)):
        db.session.add(Finding(rule=rule, level=level, status=status, institution_id=inst.id, period_id=period,
                               subject=f"league-test-{rule}", message_zh="测试", message_en="test",
                               ruleset_version="1", holds=holds))
    db.session.commit()


@pytest.fixture(scope="session", params=BACKENDS)
def league_live(request, tmp_path_factory):
    """(LeagueWorld) on a fresh committed database per backend, filings ingested for 2024Q1/Q2."""
    tmp = tmp_path_factory.mktemp(f"league-{request.param}")
    app = make_app(request.param, tmp / "instance", TASK_BACKEND="sync", pg_db=f"{PG_TEST_DB}_league")
    app.config["BACKEND"] = request.param
    app.test_client_class = IsolatedClient
    with app.app_context():
        from supervision.extensions import db
        from tests.factories import build_world

        world = build_world(db)
        books = tmp / "books"
        books.mkdir()
        lw = build(app, world, books)
        db.session.remove()
    yield lw
    with app.app_context():
        from supervision.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def lctx(league_live):
    """An app context on the league app for one test (session removed afterwards)."""
    with league_live.app.app_context():
        yield league_live
        from supervision.extensions import db

        db.session.rollback()
        db.session.remove()
