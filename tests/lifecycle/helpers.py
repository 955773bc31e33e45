"""Helpers of the lifecycle tests: ingest generated workbooks, log in, read back."""

from __future__ import annotations

import itertools
from pathlib import Path

from sqlalchemy import select

from supervision.demo import workbooks as gen
from supervision.extensions import db
from tests.checks.helpers import ingest, profile
from tests.conftest import PASSWORD, csrf_from, login
from tests.factories import make_institution

_seeds = itertools.count(4000)


def new_institution(name: str, sector: str = "CF", agency: str | None = None):
    """A fresh committed institution (expected from 2015Q1)."""
    inst = make_institution(name, sector, agency or ("PBOC" if sector == "PAY" else "NFRA"), next(_seeds), "44")
    db.session.commit()
    return inst


def file_cmp(tmp: Path, inst, period, seed: int, name: str, customers: int = 2_000_000, uploaded_at=None,
             filing=None):
    """Generate and ingest a valid CMP workbook; returns the version (committed)."""
    filing = filing or gen.generate_cmp(profile(inst, seed, active_customers=customers), period.code)
    return ingest(tmp, inst, period, "CMP", filing, name, uploaded_at=uploaded_at)


def client_as(app, user):
    """A test client logged in as ``user``."""
    client = app.test_client()
    assert login(client, user.email, PASSWORD).status_code == 302
    return client


def post_form(client, page_url: str, url: str, **data):
    """POST ``data`` (with the CSRF token of ``page_url``) to ``url``."""
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def findings_of(inst, period, rule: str | None = None):
    """The findings of an institution and period (fresh read)."""
    from supervision.findings.models import Finding

    db.session.rollback()
    q = select(Finding).where(Finding.institution_id == inst.id, Finding.period_id == period.id)
    if rule:
        q = q.where(Finding.rule == rule)
    return db.session.scalars(q.order_by(Finding.rule, Finding.subject)).all()


def audit(action: str, object_id=None):
    """Audit events of an action (optionally on one object), oldest first."""
    from supervision.audit.models import AuditEvent

    q = select(AuditEvent).where(AuditEvent.action == action)
    if object_id is not None:
        q = q.where(AuditEvent.object_id == str(object_id))
    return db.session.scalars(q.order_by(AuditEvent.id)).all()
