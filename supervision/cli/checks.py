"""Check commands: ``check``, ``findings list`` and ``rules list`` (spec §6)."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from supervision.domain.enums import FindingStatus
from supervision.extensions import db


def _usage(message: str):
    click.echo(message, err=True)
    sys.exit(2)


@click.command("check")
@with_appcontext
@click.option("--period", "period_code", required=True)
@click.option("--rule", "rules", multiple=True, help="Only these rule IDs (repeatable), e.g. --rule S01.")
@click.option("--institution", "institution_code", default=None)
def check(period_code, rules, institution_code):
    """Run the cross-checks of a period (all institutions, or one) with a progress bar."""
    from supervision.checks.engine import ALL_RULES, run_period
    from supervision.orgs.services import get_institution
    from supervision.periods.services import get_period

    period = get_period(period_code)
    if period is None:
        _usage(f"报送期不存在 / period not found: {period_code}")
    bad = [r for r in rules if r not in ALL_RULES]
    if bad:
        _usage(f"不是交叉核查规则 / not a cross-check rule: {', '.join(bad)} (one of {', '.join(ALL_RULES)})")
    inst = None
    if institution_code:
        inst = get_institution(institution_code)
        if inst is None:
            _usage(f"机构不存在 / institution not found: {institution_code}")
    with click.progressbar(length=100, label=f"checks {period.code}", file=sys.stderr) as bar:
        state = {"done": 0}

        def progress(n, total):
            pct = int(n * 100 / total)
            bar.update(pct - state["done"])
            state["done"] = pct

        counts = run_period(period, rules or None, inst, trigger="cli", progress=progress)
    db.session.commit()
    click.echo(json.dumps({"period": period.code, "counts": counts}, ensure_ascii=False))


@click.group("findings", cls=AppGroup)
def findings_group():
    """Supervisory findings."""


@findings_group.command("list")
@click.option("--period", "period_code", default=None)
@click.option("--rule", default=None)
@click.option("--institution", "institution_code", default=None)
@click.option("--status", default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def findings_list(period_code, rule, institution_code, status, fmt):
    """List findings; JSON: a list of {id, rule, level, status, institution_code, period, subject, evidence,
    message}."""
    from supervision.findings.models import Finding
    from supervision.orgs.models import Institution
    from supervision.periods.models import Period

    q = select(Finding).join(Institution).join(Period).order_by(Period.code, Finding.rule, Institution.code,
                                                                Finding.subject)
    if period_code:
        q = q.where(Period.code == period_code)
    if rule:
        q = q.where(Finding.rule == rule)
    if institution_code:
        q = q.where(Institution.code == institution_code)
    if status:
        q = q.where(Finding.status == status)
    data = [{"id": f.id, "rule": f.rule, "level": f.level, "status": f.status,
             "institution_code": f.institution.code, "period": f.period.code, "subject": f.subject,
             "evidence": f.evidence, "message": f"{f.message_zh} / {f.message_en}"} for f in db.session.scalars(q)]
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    for d in data:
        click.echo(f"{d['id']:>6} {d['period']} {d['rule']} {d['level']:<6} {d['status']:<11} {d['institution_code']} "
                   f"{d['subject'] or ''}  {d['message'][:80]}")


@click.group("rules", cls=AppGroup)
def rules_group():
    """The rule catalogue (§6)."""


@rules_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def rules_list(fmt):
    """Every rule with its severity, level, description and open findings."""
    from sqlalchemy import func

    from supervision.findings.models import Finding
    from supervision.rules import catalog

    open_counts = dict(db.session.execute(select(Finding.rule, func.count())
                                          .where(Finding.status != FindingStatus.CLOSED)
                                          .group_by(Finding.rule)).all())
    data = [{"id": r.id, "severity": r.severity, "level": r.level, "levels": list(r.levels or []),
             "title": f"{r.title_zh} / {r.title_en}", "description": f"{r.description_zh} / {r.description_en}",
             "open_findings": open_counts.get(r.id, 0), "version": catalog.RULESET_VERSION}
            for r in catalog.all_rules()]
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    for d in data:
        click.echo(f"{d['id']:<6} {d['severity']:<9} {(d['level'] or '/'.join(d['levels']) or ''):<11} "
                   f"{d['open_findings']:>5}  {d['title']}")
