"""Property tests (hypothesis) of ranking and of the whole league computation."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.league import METRICS, Better, InstitutionFigures, compute_league, serialize_league
from reports.league.ranking import competition_ranks

SMALL_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=6),
    st.fractions(min_value=0, max_value=6, max_denominator=4),
    st.decimals(min_value=0, max_value=6, places=1),
)
DIRECTIONS = st.sampled_from(list(Better))


def _better(a: Fraction, b: Fraction, better: Better) -> bool:
    return a < b if better is Better.LOWER else a > b


@given(st.dictionaries(st.text(max_size=3), SMALL_VALUES, max_size=12), DIRECTIONS, st.randoms())
def test_ranks_are_permutation_invariant_function_of_values(values, better, rnd):
    ranks = competition_ranks(values, better)
    items = list(values.items())
    rnd.shuffle(items)
    assert competition_ranks(dict(items), better) == ranks
    present = {k: Fraction(v) for k, v in values.items() if v is not None}
    assert set(ranks) == set(present)
    for key, value in present.items():
        # Independent definition: 1 + the number of items strictly better.
        assert ranks[key] == 1 + sum(_better(other, value, better) for other in present.values())
        for other_key, other in present.items():
            if other == value:
                assert ranks[other_key] == ranks[key]


@given(
    st.dictionaries(st.text(max_size=3), SMALL_VALUES, min_size=1, max_size=12),
    DIRECTIONS,
    st.data(),
)
def test_improving_a_value_never_worsens_its_rank(values, better, data):
    key = data.draw(st.sampled_from(sorted(values)))
    before = competition_ranks(values, better).get(key)
    old = values[key]
    step = data.draw(st.fractions(min_value=0, max_value=5, max_denominator=3))
    if old is None:
        return
    improved = Fraction(old) - step if better is Better.LOWER else Fraction(old) + step
    after = competition_ranks({**values, key: improved}, better)[key]
    assert after <= before


SECTORS = st.sampled_from(["PAY", "CF", "BANK"])


@st.composite
def institution(draw, code: str, eligible: bool | None = None) -> InstitutionFigures:
    """Consistent figures with small ranges (so ties are frequent)."""
    sector = draw(SECTORS)
    state = "accepted" if eligible else draw(st.sampled_from(["accepted"] * 4 + ["filed", "absent"]))
    opening = draw(st.integers(0, 4))
    received = draw(st.integers(0, 12))
    closed = draw(st.integers(0, opening + received))
    if eligible:
        customers = draw(st.sampled_from([10_000, 20_000, 40_000]))
    elif eligible is False:
        state = draw(st.sampled_from(["accepted", "filed", "absent"]))
        customers = draw(st.one_of(st.none(), st.integers(0, 9_999)))
    else:
        customers = draw(st.one_of(st.none(), st.sampled_from([5_000, 10_000, 20_000, 40_000])))
    return InstitutionFigures(
        code=code,
        name=f"机构{code}",
        sector=sector,
        filed_cmp=state != "absent",
        accepted_cmp=state == "accepted",
        opening=opening,
        received=received,
        closed=closed,
        open_end=opening + received - closed,
        on_time=draw(st.integers(0, closed)),
        favourable=draw(st.integers(0, closed)),
        escalated=draw(st.integers(0, closed)),
        regulator=draw(st.integers(0, received)),
        txn_received=0,
        txn_involved=draw(st.integers(0, 5)),
        active_customers=customers,
        business_volume=draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=5, places=1))),
        transactions=draw(st.one_of(st.none(), st.sampled_from([0, 1_000, 3_000]))),
        has_accepted_dsc=draw(st.booleans()),
        open_d_high=draw(st.integers(0, 2)),
        open_d_medium=draw(st.integers(0, 2)),
        open_d_low=draw(st.integers(0, 2)),
    )


@st.composite
def institutions(draw, min_size: int = 0) -> list[InstitutionFigures]:
    n = draw(st.integers(min_size, 9))
    return [draw(institution(f"I{i:02d}")) for i in range(n)]


def _ranks(result) -> dict:
    """Every rank and composite figure of every row (not the 通报 fields)."""
    return {
        row.code: (
            row.status,
            row.composite_exact,
            row.composite,
            row.grade,
            row.rank_composite,
            tuple((code, m.rank_sector, m.rank_all, m.score) for code, m in row.metrics.items()),
        )
        for row in result.rows
    }


@settings(deadline=None)
@given(institutions(), st.randoms())
def test_league_is_independent_of_input_order(figures, rnd):
    shuffled = list(figures)
    rnd.shuffle(shuffled)
    previous = {f.code: i + 1 for i, f in enumerate(figures[:3])}
    first = serialize_league(compute_league(figures, None, previous), period="2024Q1", snapshot=1)
    second = serialize_league(compute_league(shuffled, None, previous), period="2024Q1", snapshot=1)
    assert first == second


@settings(deadline=None)
@given(institutions(), st.data())
def test_adding_an_ineligible_institution_changes_no_rank(figures, data):
    extra = data.draw(institution("ZZ-NEW", eligible=False))
    before = compute_league(figures)
    after = compute_league([*figures, extra])
    ranks_after = _ranks(after)
    assert ranks_after.pop("ZZ-NEW")[4] is None
    assert ranks_after == _ranks(before)
    assert {s: dict(m) for s, m in after.medians.items() if s in before.medians} == {
        s: dict(m) for s, m in before.medians.items()
    }


@settings(deadline=None)
@given(institutions(min_size=1), st.data())
def test_fewer_complaints_never_worsen_rank(figures, data):
    target = data.draw(st.sampled_from(figures))
    if target.received == 0:
        return
    better = dataclasses.replace(
        target,
        received=target.received - 1,
        regulator=min(target.regulator, target.received - 1),
    )
    before = {row.code: row for row in compute_league(figures).rows}[target.code]
    improved = [better if f.code == target.code else f for f in figures]
    after = {row.code: row for row in compute_league(improved).rows}[target.code]
    for code in ("received", "per_10k_customers", "per_100m_volume"):
        for attr in ("rank_sector", "rank_all"):
            old, new = getattr(before.metrics[code], attr), getattr(after.metrics[code], attr)
            assert (old is None) == (new is None)
            if old is not None:
                assert new <= old, (code, attr)
    # per_10k_customers is the only composite metric that moved, and only in its favour.
    if before.rank_composite is not None:
        assert after.rank_composite <= before.rank_composite
        assert after.composite_exact >= before.composite_exact


@settings(deadline=None)
@given(institutions(min_size=1), st.data())
def test_more_on_time_never_worsens_rank(figures, data):
    target = data.draw(st.sampled_from(figures))
    if target.on_time >= target.closed:
        return
    better = dataclasses.replace(target, on_time=target.on_time + 1)
    improved = [better if f.code == target.code else f for f in figures]
    before = compute_league(figures).row(target.code)
    after = compute_league(improved).row(target.code)
    for attr in ("rank_sector", "rank_all"):
        old = getattr(before.metrics["on_time_rate"], attr)
        if old is not None:
            assert getattr(after.metrics["on_time_rate"], attr) <= old
    if before.rank_composite is not None:
        assert after.rank_composite <= before.rank_composite


@settings(deadline=None)
@given(institutions())
def test_table_invariants(figures):
    result = compute_league(figures)
    ranked = [row for row in result.rows if row.status == "ranked"]
    for metric in METRICS:
        values = [row.metrics[metric.code].value for row in ranked]
        ranks = [row.metrics[metric.code].rank_all for row in ranked]
        assert [v is None for v in values] == [r is None for r in ranks]
        if metric.code == "txn_bp":
            assert all(r is None for row, r in zip(ranked, ranks, strict=True) if row.sector != "PAY")
    for row in result.rows:
        if row.composite is not None:
            assert Decimal(0) <= row.composite <= Decimal(100)
            assert row.composite == row.composite.quantize(Decimal("0.01"))
