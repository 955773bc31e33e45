"""Reading the topic facts (§10.2) within the reader's scope, from the versions that count.

``user`` None means every institution (the console and jobs); otherwise :mod:`supervision.scope`
decides (``filings`` data kind: topics are read from complaint rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import and_, func, or_, select, true

from supervision.domain.enums import FilingKind
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow
from supervision.filings.counting import counting_versions
from supervision.filings.models import Filing, FilingVersion
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import institution_condition
from supervision.topics.lexicon import topics
from supervision.topics.models import TopicCount, TopicRow, TopicTerm

#: rows of a drill-down or search page
PAGE_SIZE = 50


def scope_condition(user):
    """Institutions ``user`` may read topics of (every one for None)."""
    return true() if user is None else institution_condition(user, "filings")


def period_by_code(code: str) -> Period | None:
    """The period of ``code``."""
    return db.session.scalar(select(Period).where(Period.code == code))


def previous_period(period: Period) -> Period | None:
    """The period before ``period`` (None when it was never opened)."""
    return period_by_code(period.quarter_period.previous().code)


def _counting(period_id: int):
    return counting_versions(period_id=period_id, kind=FilingKind.CMP).subquery()


def counts_by_institution(user, period: Period, institution_id: int | None = None) -> dict[str, dict[str, int]]:
    """Topic code → {institution code → rows mentioning it} over the counting CMPs in scope."""
    cv = _counting(period.id)
    q = (select(TopicCount.topic, Institution.code, TopicCount.count)
         .join(cv, cv.c.version_id == TopicCount.version_id)
         .join(Institution, Institution.id == cv.c.institution_id)
         .where(scope_condition(user)))
    if institution_id is not None:
        q = q.where(Institution.id == institution_id)
    out: dict[str, dict[str, int]] = {}
    for code, inst, n in db.session.execute(q):
        out.setdefault(code, {})[inst] = n
    return out


def has_counting_cmp(user, period: Period | None, institution_id: int | None = None) -> bool:
    """Whether any institution in scope has a counting CMP with topic facts in ``period``."""
    if period is None:
        return False
    cv = _counting(period.id)
    q = (select(func.count()).select_from(TopicCount).join(cv, cv.c.version_id == TopicCount.version_id)
         .join(Institution, Institution.id == cv.c.institution_id).where(scope_condition(user)))
    if institution_id is not None:
        q = q.where(Institution.id == institution_id)
    return bool(db.session.scalar(q))


@dataclass
class TopicLine:
    """One lexicon topic of a period within a scope."""

    code: str
    name_zh: str
    name_en: str
    count: int
    previous: int | None
    institutions: list[tuple[str, int]]

    @property
    def qoq(self) -> int | None:
        """count − previous (None without a previous count)."""
        return None if self.previous is None else self.count - self.previous

    @property
    def qoq_pct(self) -> Fraction | None:
        """qoq ÷ previous × 100 (None when previous is empty or 0, §10.1)."""
        return None if not self.previous else Fraction((self.count - self.previous) * 100, self.previous)


def period_topics(user, period: Period, institution_id: int | None = None) -> list[TopicLine]:
    """Every lexicon topic of ``period`` in scope (optionally one institution): count, P−1 count
    (None without a counting CMP in P−1) and the institutions by count (most first, then code)."""
    now = counts_by_institution(user, period, institution_id)
    prev_period = previous_period(period)
    has_prev = has_counting_cmp(user, prev_period, institution_id)
    before = counts_by_institution(user, prev_period, institution_id) if has_prev else {}
    out = []
    for t in topics():
        insts = sorted(((c, n) for c, n in now.get(t.code, {}).items() if n), key=lambda x: (-x[1], x[0]))
        out.append(TopicLine(t.code, t.name_zh, t.name_en, sum(now.get(t.code, {}).values()),
                             sum(before.get(t.code, {}).values()) if has_prev else None, insts))
    return out


def as_json(period: Period, lines: list[TopicLine]) -> dict:
    """The §10.4 ``supervision topics`` object (:class:`~supervision.topics.schemas.TopicsReportSchema`)."""
    from supervision.topics.schemas import TopicsReportSchema

    return TopicsReportSchema().dump(
        {"period": period.code,
         "topics": [{"code": t.code, "count": t.count, "previous": t.previous,
                     "institutions": [{"institution_code": c, "count": n} for c, n in t.institutions]}
                    for t in lines]})


def institution_terms(user, period: Period, institution_id: int) -> list[tuple[str, int]]:
    """The most frequent other terms of the institution's counting CMP (empty outside the scope)."""
    cv = _counting(period.id)
    return [(t, n) for t, n in db.session.execute(
        select(TopicTerm.term, TopicTerm.count).join(cv, cv.c.version_id == TopicTerm.version_id)
        .join(Institution, Institution.id == cv.c.institution_id)
        .where(Institution.id == institution_id, scope_condition(user)).order_by(TopicTerm.rank))]


def scope_terms(user, period: Period, limit: int = 30) -> list[tuple[str, int]]:
    """Terms over the scope: the sum of each institution's top-term counts (terms outside an
    institution's top 50 are not stored, so this is a lower bound for each term)."""
    cv = _counting(period.id)
    total = func.sum(TopicTerm.count)
    return [(t, int(n)) for t, n in db.session.execute(
        select(TopicTerm.term, total).join(cv, cv.c.version_id == TopicTerm.version_id)
        .join(Institution, Institution.id == cv.c.institution_id).where(scope_condition(user))
        .group_by(TopicTerm.term).order_by(total.desc(), TopicTerm.term).limit(limit))]


#: a search counts its matches up to this many (the page says "more than …" beyond)
SEARCH_COUNT_CAP = 10_000
#: shortest text the trigram index can serve
TRIGRAM = 3


@dataclass
class RowPage:
    """One page of complaint rows (masked summaries) with the total (``capped``: at least ``total``)."""

    rows: list
    total: int
    page: int
    pages: int
    capped: bool = False


def _bounds(count_q, page: int) -> tuple[int, int, int]:
    """(total, the asked page kept within the pages, number of pages) for ``count_q``'s count."""
    total = db.session.scalar(count_q) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    return total, min(max(1, page), pages), pages


def _page(q, count_q, page: int) -> RowPage:
    total, page, pages = _bounds(count_q, page)
    rows = db.session.execute(q.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return RowPage(rows, total, page, pages)


_ROW_COLUMNS = (ComplaintRow.id, ComplaintRow.complaint_id, ComplaintRow.received_date, ComplaintRow.cause,
                ComplaintRow.customer_group, ComplaintRow.status, ComplaintRow.summary, Institution.id.label("inst_id"),
                Institution.code.label("inst_code"), Institution.name.label("inst_name"))


def scoped_versions(user, period: Period, institution_id: int | None = None) -> list[int]:
    """Ids of the counting CMP versions of ``period`` of the institutions in scope (one per
    institution at most): resolved first, so the row queries touch ``complaint_row`` by version."""
    cv = _counting(period.id)
    q = select(cv.c.version_id).join(Institution, Institution.id == cv.c.institution_id).where(scope_condition(user))
    if institution_id is not None:
        q = q.where(Institution.id == institution_id)
    return list(db.session.scalars(q))


def topic_rows(user, period: Period, topic: str, institution_id: int | None = None, page: int = 1) -> RowPage:
    """Received rows of the counting CMPs in scope that mention ``topic`` (by institution, sheet order).

    The page's mentions are picked from ``topic_row`` alone (its primary key, the versions'
    institutions joined for the order), then those rows are read by ``(version_id, row_no)``: two
    look-ups, not one join, which SQLite's planner would drive from every row of the versions."""
    versions = scoped_versions(user, period, institution_id) or [-1]
    count_q = select(func.count()).select_from(TopicRow).where(TopicRow.topic == topic,
                                                               TopicRow.version_id.in_(versions))
    total, page, pages = _bounds(count_q, page)
    picked = db.session.execute(
        select(TopicRow.version_id, TopicRow.row_no)
        .join(FilingVersion, FilingVersion.id == TopicRow.version_id).join(Filing, Filing.id == FilingVersion.filing_id)
        .join(Institution, Institution.id == Filing.institution_id)
        .where(TopicRow.topic == topic, TopicRow.version_id.in_(versions))
        .order_by(Institution.code, TopicRow.row_no).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    if not picked:
        return RowPage([], total, page, pages)
    by_version: dict[int, list[int]] = {}
    for vid, row_no in picked:
        by_version.setdefault(vid, []).append(row_no)
    found = {(r.version_id, r.row_no): r for r in db.session.execute(
        select(*_ROW_COLUMNS, ComplaintRow.version_id, ComplaintRow.row_no)
        .join(Institution, Institution.id == ComplaintRow.institution_id)
        .where(or_(*(and_(ComplaintRow.version_id == vid, ComplaintRow.row_no.in_(numbers))
                     for vid, numbers in by_version.items()))))}
    return RowPage([found[key] for key in map(tuple, picked) if key in found], total, page, pages)


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards escaped (escape character ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_rows(user, period: Period, text: str, institution_id: int | None = None, page: int = 1) -> RowPage:
    """Rows of the counting CMPs in scope whose (masked) summary contains ``text`` — on PostgreSQL a
    trigram GIN index on ``complaint_summary`` serves the LIKE (§10.2 search); a version whose
    summaries are not there yet (they are filled just after its commit) is searched in
    ``complaint_row`` itself, so the result is the same either way (:mod:`supervision.topics.search`).
    One pass per source collects the ids of the matches and stops after :data:`SEARCH_COUNT_CAP` (no
    sort of every match: a frequent word's rows are not all read); the count and the pages come from
    those ids, in id order, and the page's rows are then read by id. Beyond the cap the page says
    "more than 10,000" (refine the search)."""
    from supervision.topics.models import ComplaintSummary
    from supervision.topics.search import indexed_versions

    versions = scoped_versions(user, period, institution_id) or [-1]
    pattern = like_pattern(text)
    # a text shorter than a trigram has none to look up: every version's rows are walked in id order
    # in complaint_row (its primary key), stopping at the cap
    short = len(text) < TRIGRAM
    indexed = set() if short else indexed_versions(db.session, versions)
    queries = []
    if indexed:
        queries.append(select(ComplaintSummary.row_id.label("id"))
                       .where(ComplaintSummary.summary.like(pattern, escape="\\"),
                              ComplaintSummary.version_id.in_(sorted(indexed))))
    rest = [v for v in versions if v not in indexed]
    if rest:
        queries.append(select(ComplaintRow.id).where(ComplaintRow.summary.like(pattern, escape="\\"),
                                                     ComplaintRow.version_id.in_(rest)))
    found: set[int] = set()
    for q in queries:
        q = q.limit(SEARCH_COUNT_CAP + 1)
        if short:
            q = q.order_by(ComplaintRow.id)
        found.update(db.session.scalars(q))
    ids = sorted(found)
    capped = len(ids) > SEARCH_COUNT_CAP
    ids = ids[:SEARCH_COUNT_CAP]
    pages = max(1, -(-len(ids) // PAGE_SIZE))
    page = min(max(1, page), pages)
    chosen = ids[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    rows = db.session.execute(select(*_ROW_COLUMNS).select_from(ComplaintRow)
                              .join(Institution, Institution.id == ComplaintRow.institution_id)
                              .where(ComplaintRow.id.in_(chosen or [-1])).order_by(ComplaintRow.id)).all()
    return RowPage(rows, len(ids), page, pages, capped)
