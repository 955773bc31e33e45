"""Status labels as the pages show them (issue 10 item 5) and the CHECK constraints derived from
the enums, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from supervision.domain.enums import (
    FilingKind,
    FindingLevel,
    FindingStatus,
    ReferralStatus,
    Role,
    Sector,
    VersionStatus,
)
from supervision.findings.services import transition
from tests.conftest import login


def _close(world, db):
    transition(world.users.analyst_nfra, world.finding_a, FindingStatus.CLOSED, note="已核实 / verified")
    db.session.commit()


def test_closed_finding_reads_closed_not_the_date_column(client, world, db):
    _close(world, db)
    login(client, world.users.analyst_nfra.email, world.password)
    html = client.get(f"/findings/{world.finding_a.id}").get_data(as_text=True)
    assert "已关闭" in html
    assert "办结日期" not in html  # the complaint date column's word (issue 10 item 5)
    listing = client.get("/findings/?status=CLOSED").get_data(as_text=True)
    assert '<option value="CLOSED" selected>已关闭</option>' in listing
    english = client.get(f"/findings/{world.finding_a.id}?lang=en").get_data(as_text=True)
    assert "Closed" in english and "已关闭" not in english


def test_complaint_rows_keep_the_closed_date_column(client, world):
    login(client, world.users.analyst_nfra.email, world.password)
    version = world.filing_a.versions[0]
    html = client.get(f"/filings/versions/{version.id}/rows").get_data(as_text=True)
    assert "办结日期" in html and "已关闭" not in html


def test_referral_state_is_shown_by_its_label(client, world):
    login(client, world.users.analyst_pboc.email, world.password)
    html = client.get(f"/findings/{world.finding_c.id}").get_data(as_text=True)
    assert f'data-status="{ReferralStatus.SENT}">待受理</span>' in html
    assert "<code>SENT</code>" not in html


def _refused(db, sql: str, **params) -> bool:
    try:
        with db.session.begin_nested():
            db.session.execute(text(sql), params)
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(("table", "column", "enum"), [
    ("filing_version", "status", VersionStatus),
    ("filing", "kind", FilingKind),
    ("finding", "status", FindingStatus),
    ("finding", "level", FindingLevel),
    ("referral", "status", ReferralStatus),
    ("institution", "sector", Sector),
])
def test_database_accepts_every_enum_value_and_nothing_else(world, db, table, column, enum):
    row_id = db.session.execute(text(f"SELECT min(id) FROM {table}")).scalar()
    for value in enum:
        assert not _refused(db, f"UPDATE {table} SET {column} = :v WHERE id = :id", v=value.value, id=row_id), value
    assert _refused(db, f"UPDATE {table} SET {column} = :v WHERE id = :id", v="ZZ", id=row_id)


def test_database_roles_follow_the_enum(world, db):
    admin_id = world.users.admin.id
    assert not _refused(db, "UPDATE user_account SET role = :v WHERE id = :id", v=Role.ADMIN.value, id=admin_id)
    assert _refused(db, "UPDATE user_account SET role = :v WHERE id = :id", v="root", id=admin_id)
    # membership: a filer needs an institution, so the admin cannot simply become one
    assert _refused(db, "UPDATE user_account SET role = :v WHERE id = :id", v=Role.FILER.value, id=admin_id)


def test_a_long_summary_is_cut_visibly_and_kept_whole_in_its_title(client, world, db):
    """The rows page cuts a summary to 80 characters and says so (…); the whole text is the cell's title."""
    import datetime as dt

    from supervision.filings.content_models import ComplaintRow

    login(client, world.users.analyst_nfra.email, world.password)
    version = world.filing_a.versions[0]
    row = ComplaintRow(version_id=version.id, institution_id=world.filing_a.institution_id,
                       period_id=world.filing_a.period_id, row_no=2, complaint_id="LONG-1",
                       received_date=dt.date(2024, 1, 5), source="DIRECT", channel="A05", business_category="B14",
                       cause="C02", status="OPEN", carried_over=False, summary="长" * 79 + "尾巴在此")
    db.session.add(row)
    db.session.commit()
    html = client.get(f"/filings/versions/{version.id}/rows").get_data(as_text=True)
    assert f'title="{row.summary}"' in html and "长" * 79 + "…<" in html
