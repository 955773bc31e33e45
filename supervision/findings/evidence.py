"""Links from a finding to the rows behind it (the drill-down of §6 evidence)."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from supervision.domain.enums import FilingKind
from supervision.extensions import db
from supervision.filings.models import Filing, FilingVersion


def _complaint_ids(evidence) -> list[str]:
    """Every complaint id mentioned in the evidence (lists of ids or of records with complaint_id)."""
    found: list[str] = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "complaint_id" and isinstance(v, str):
                    found.append(v)
                else:
                    walk(v, k)
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, str) and ("complaint" in key or key in ("ids", "missing", "extra")):
                    found.append(item)
                else:
                    walk(item, key)

    walk(evidence or {})
    seen, out = set(), []
    for i in found:
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


def row_links(finding) -> list[dict]:
    """Labelled links to complaint rows of the CMP versions a finding cites."""
    if not finding.versions:
        return []
    from supervision.periods.models import Period

    versions = db.session.execute(
        select(FilingVersion.id, FilingVersion.number, Filing.kind, Period.code).select_from(FilingVersion)
        .join(Filing, Filing.id == FilingVersion.filing_id)
        .join(Period, Period.id == Filing.period_id)
        .where(FilingVersion.id.in_(finding.versions)).order_by(Period.code)).all()
    links = []
    ids = _complaint_ids(finding.evidence)
    for vid, n, kind, period_code in versions:
        if kind != FilingKind.CMP:
            continue
        number = f"{period_code} v{n}"
        if finding.rule == "D07" and finding.subject:
            links.append({"label": f"{number}: C13 · {finding.subject}",
                          "url": url_for("filings.rows", version_id=vid, cause="C13", product_code=finding.subject)})
        elif finding.rule == "D06" and finding.subject:
            links.append({"label": f"{number}: {finding.subject}",
                          "url": url_for("filings.rows", version_id=vid, product_code=finding.subject)})
        elif ids:
            links.append({"label": f"{number}: {len(ids)} complaint(s)",
                          "url": url_for("filings.rows", version_id=vid, ids=",".join(ids[:500]))})
        elif finding.rule in ("X02",):
            links.append({"label": f"{number}: REGULATOR", "url": url_for("filings.rows", version_id=vid,
                                                                           source="REGULATOR")})
        elif finding.rule == "P01":
            links.append({"label": f"{number}: carried over", "url": url_for("filings.rows", version_id=vid,
                                                                              carried_over="1")})
        else:
            links.append({"label": f"{number}", "url": url_for("filings.version", version_id=vid)})
    return links
