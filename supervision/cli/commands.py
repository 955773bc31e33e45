"""Thin click commands registered in the factory; each calls services and commits once."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from supervision.domain.enums import Role, Sector
from supervision.extensions import db


def _fail(message: str, code: int = 1):
    click.echo(message, err=True)
    sys.exit(code)


def register(app: Flask) -> None:
    """Add every operator command to ``app.cli``."""
    from supervision.cli.analytics import analytics, analytics_backfill
    from supervision.cli.backup import backup_cmd, restore_cmd
    from supervision.cli.checks import check, findings_group, rules_group
    from supervision.cli.dbrole import db_app_role
    from supervision.cli.exports import export
    from supervision.cli.filings import filings, ingest, worker
    from supervision.cli.jobs import jobs
    from supervision.cli.league import league
    from supervision.cli.register import register as register_group
    from supervision.cli.topics import topics_cmd

    for cmd in (create_admin, load_reference_cmd, institutions, periods, users, demo_cmd, ingest, filings, worker,
                register_group, check, findings_group, rules_group, league, jobs, export, backup_cmd, restore_cmd,
                analytics, analytics_backfill, topics_cmd, db_app_role):
        app.cli.add_command(cmd)


@click.command("create-admin")
@with_appcontext
@click.argument("email")
@click.option("--name", default="", help="Display name (the user can set it later on the account page).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              envvar="SUPERVISION_ADMIN_PASSWORD", help="Password (or SUPERVISION_ADMIN_PASSWORD).")
def create_admin(email: str, name: str, password: str):
    """Create a platform administrator."""
    from supervision.accounts.services import AccountError, create_user

    try:
        user = create_user(None, email=email, role=Role.ADMIN, password=password, name=name)
    except AccountError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"admin created: {user.email}")


@click.command("load-reference")
@with_appcontext
def load_reference_cmd():
    """Load agencies (§1.1), the default sharing agreement (§1.4) and the code lists (§4.5)."""
    from supervision.reference.services import load_reference

    stats = load_reference(None)
    db.session.commit()
    click.echo(json.dumps(stats, ensure_ascii=False))


@click.group("institutions", cls=AppGroup)
def institutions():
    """Add and list institutions."""


@institutions.command("add")
@click.option("--code", required=True, help="USCC (18 characters, check character verified).")
@click.option("--name", required=True)
@click.option("--sector", required=True, type=click.Choice(Sector.values(), case_sensitive=False))
@click.option("--agency", default=None, help="Lead agency code (default by sector: PAY→PBOC, else NFRA).")
@click.option("--short-name", default=None)
@click.option("--province", default=None, help="2-digit GB/T 2260 code.")
@click.option("--licence-no", default=None)
@click.option("--alias", "aliases", multiple=True)
@click.option("--active-from", default=None, help="First quarter it is expected to file (default: the current "
                                                   "quarter; an earlier one back-fills history).")
def institutions_add(code, name, sector, agency, short_name, province, licence_no, aliases, active_from):
    """Add an institution."""
    from supervision.orgs.services import OrgError, create_institution

    try:
        inst = create_institution(None, code=code, name=name, sector=sector.upper(), agency_code=agency,
                                  short_name=short_name, province=province, licence_no=licence_no,
                                  aliases=list(aliases), active_from=active_from)
    except OrgError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"institution added: {inst.code} {inst.name} ({inst.sector}, {inst.lead_agency.code}), expected from "
               f"{inst.active_from}")


@institutions.command("set-active")
@click.argument("code")
@click.option("--from", "active_from", default=None, help="First quarter it is expected to file (e.g. 2024Q1).")
@click.option("--until", "active_until", default=None, help="Last quarter it is expected to file.")
@click.option("--open-ended", is_flag=True, help="No last quarter (expected from --from on).")
def institutions_set_active(code, active_from, active_until, open_ended):
    """Set the quarters institution CODE is expected to file (back-filling; audited)."""
    from supervision.orgs.services import OrgError, get_institution, set_active_quarters

    inst = get_institution(code)
    if inst is None:
        _fail(f"机构不存在 / institution not found: {code}", 2)
    if not (active_from or active_until or open_ended):
        _fail("需要 --from、--until 或 --open-ended / give --from, --until or --open-ended", 2)
    try:
        set_active_quarters(None, inst, active_from, active_until, clear_until=open_ended)
    except OrgError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"{inst.code} expected {inst.active_from}–{inst.active_until or ''}")


@institutions.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--sector", default=None)
def institutions_list(fmt, sector):
    """List institutions."""
    from supervision.orgs.models import Institution

    q = select(Institution).order_by(Institution.sector, Institution.code)
    if sector:
        q = q.where(Institution.sector == sector.upper())
    rows = db.session.scalars(q).all()
    data = [{"code": i.code, "name": i.name, "short_name": i.short_name, "sector": i.sector,
             "agency": i.lead_agency.code, "province": i.province, "licence_no": i.licence_no,
             "aliases": [a.alias for a in i.aliases], "active": i.active, "code_generated": i.code_generated,
             "active_from": i.active_from, "active_until": i.active_until}
            for i in rows]
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for d in data:
        click.echo(f"{d['code']}  {d['sector']:<4} {d['agency']:<8} {d['name']}")
    click.echo(f"{len(data)} institutions")


@click.group("periods", cls=AppGroup)
def periods():
    """Add, list, lock and unlock reporting periods."""


@periods.command("add")
@click.argument("code")
def periods_add(code):
    """Add a quarter, e.g. 2024Q1 (due = end + DUE_DAYS, lock = end + LOCK_DAYS)."""
    from supervision.periods.services import PeriodError, add_period

    try:
        p = add_period(None, code)
    except PeriodError as exc:
        _fail(str(exc))
    db.session.commit()
    from supervision.periods.services import lock_state

    click.echo(f"period added: {p.code} due {p.due_date} lock {p.lock_date}")
    click.echo(f"  {lock_state(p)}")


def _period_or_fail(code: str):
    from supervision.periods.services import get_period

    period = get_period(code)
    if period is None:
        _fail(f"报送期不存在 / period not found: {code}", 2)
    return period


@periods.command("lock")
@click.argument("code")
@click.option("--reason", default=None, help="Why the period is closed now (audited).")
def periods_lock(code, reason):
    """Close period CODE for filing now (the web's lock; audited as the console operator)."""
    from supervision.periods.services import PeriodError, lock_period, lock_state

    period = _period_or_fail(code)
    try:
        lock_period(None, period, reason)
    except PeriodError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"period locked: {period.code}  {lock_state(period)}")


@periods.command("unlock")
@click.argument("code")
@click.option("--until", "until", default=None, help="Last day late versions are taken (YYYY-MM-DD; default: "
                                                      "30 days from today).")
@click.option("--reason", default=None, help="Why the period is reopened (audited).")
def periods_unlock(code, until, reason):
    """Unlock period CODE for late versions until a day (spec §2; the web's unlock; audited)."""
    from datetime import date, timedelta

    from supervision.domain.calendar import today_local
    from supervision.periods.services import PeriodError, lock_state, unlock_period

    period = _period_or_fail(code)
    try:
        day = date.fromisoformat(until) if until else today_local() + timedelta(days=30)
    except ValueError:
        _fail(f"日期格式应为 YYYY-MM-DD / --until must be a date YYYY-MM-DD: {until!r}", 2)
    try:
        unlock_period(None, period, day, reason)
    except PeriodError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"period unlocked: {period.code}  {lock_state(period)}")


@periods.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def periods_list(fmt):
    """List periods with due and lock dates."""
    from supervision.domain.calendar import today_local
    from supervision.periods.models import Period

    today = today_local()
    rows = db.session.scalars(select(Period).order_by(Period.code)).all()
    data = [{"code": p.code, "start": p.start_date.isoformat(), "end": p.end_date.isoformat(),
             "due_date": p.due_date.isoformat(), "lock_date": p.lock_date.isoformat(),
             "locked": p.is_locked(today),
             "unlocked_until": p.unlocked_until.isoformat() if p.unlocked_until else None} for p in rows]
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for d in data:
        click.echo(f"{d['code']}  {d['start']}..{d['end']}  due {d['due_date']}  lock {d['lock_date']}"
                   f"{'  (locked)' if d['locked'] else ''}")


@click.group("users", cls=AppGroup)
def users():
    """Add and list user accounts."""


@users.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(Role.values()))

@click.option("--institution", default=None, help="USCC of the filer's institution.")
@click.option("--agency", default=None, help="Agency code of a regulator user.")
@click.option("--name", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              envvar="SUPERVISION_USER_PASSWORD", help="Password (or SUPERVISION_USER_PASSWORD).")
def users_add(email, role, institution, agency, name, password):
    """Add a user with a role and membership."""
    from supervision.accounts.services import AccountError, create_user
    from supervision.orgs.services import get_agency, get_institution

    inst = get_institution(institution) if institution else None
    if institution and inst is None:
        _fail(f"机构不存在 / institution not found: {institution}", 2)
    ag = get_agency(agency) if agency else None
    if agency and ag is None:
        _fail(f"监管机构不存在 / agency not found: {agency}", 2)
    try:
        user = create_user(None, email=email, role=role, password=password, name=name,
                           institution_id=inst.id if inst else None, agency_id=ag.id if ag else None)
    except AccountError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"user added: {user.email} ({user.role})")


@users.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def users_list(fmt):
    """List users."""
    from supervision.accounts.models import User

    rows = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    data = [{"email": u.email, "role": u.role, "active": u.active,
             "institution": u.institution.code if u.institution else None,
             "agency": u.agency.code if u.agency else None} for u in rows]
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for d in data:
        click.echo(f"{d['role']:<10} {d['email']:<40} {d['institution'] or d['agency'] or ''}")


@click.command("demo")
@with_appcontext
@click.option("--password", default="demo-Pass-2024", show_default=True, help="Password of every demo user.")
@click.option("--no-filings", is_flag=True, help="Only master data, users and periods.")
@click.option("--limit", type=int, default=None, help="Generate filings for the first N institutions only.")
def demo_cmd(password, no_filings, limit):
    """Load reference data and the demo world (agencies, real institution names with generated USCCs,
    one user per role, the last 4 quarters, generated filings). Needs nothing outside the package.
    Safe to run twice."""
    from supervision.accounts.services import AccountError
    from supervision.demo.services import load_demo
    from supervision.orgs.services import OrgError

    try:
        info = load_demo(password=password, shared_dir=current_app.config.get("SHARED_DATA_DIR") or None,
                         filings=not no_filings, limit=limit)
    except (OrgError, AccountError) as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(json.dumps(info, ensure_ascii=False, indent=2))
