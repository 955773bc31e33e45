"""UX review items 11, 9 and 2: code values and agency names in the reader's language; one English word
with several Chinese readings kept apart by message contexts."""

from __future__ import annotations

from flask_babel import force_locale, pgettext

from supervision.rules.codes import CODE_LISTS
from tests.conftest import login


def test_english_pages_show_english_code_and_agency_names(client, world):
    """Province of an institution, agency of the user (home role line, account) in English."""
    login(client, world.users.analyst_nfra.email, world.password)
    home = client.get("/?lang=en").get_data(as_text=True)
    assert "National Financial Regulatory Administration" in home
    assert "国家金融监督管理总局" not in home
    orgs_page = client.get("/institutions/?lang=en").get_data(as_text=True)
    beijing = f"<td>{CODE_LISTS['province']['11']}</td>"
    assert "<td>Beijing</td>" in orgs_page and beijing not in orgs_page
    chinese = client.get("/institutions/?lang=zh").get_data(as_text=True)
    assert beijing in chinese


def test_refer_dropdown_and_users_list_use_english_agency_names(client, world):
    """The admin's users list names agencies in English for an English reader."""
    login(client, world.users.admin.email, world.password)
    users = client.get("/admin/users?lang=en").get_data(as_text=True)
    assert "People's Bank of China" in users or "People&#39;s Bank of China" in users
    assert "中国人民银行" not in users


def test_rows_page_reads_received_date_and_complainant_province(client, world):
    """/filings/versions/N/rows: 受理日期 (not the filing status 已接收), 办结日期 for the date column."""
    login(client, world.users.analyst_nfra.email, world.password)
    version = world.filing_a.versions[0]
    html = client.get(f"/filings/versions/{version.id}/rows?lang=zh").get_data(as_text=True)
    assert "受理日期" in html and "办结日期" in html
    assert ">已接收<" not in html


def test_contexts_keep_counts_dates_and_rates_apart(app):
    """A count of closed complaints is 办结量, the date column 办结日期; on-time closure is 按时办结率,
    on-time filing 按时报送率; received count 受理, date 受理日期; complainant province 投诉人所在地."""
    with app.test_request_context("/"), force_locale("zh"):
        assert pgettext("count", "Closed") == "办结量"
        assert pgettext("complaint column", "Closed") == "办结日期"
        assert pgettext("closure", "On-time rate") == "按时办结率"
        assert pgettext("filing", "On-time rate") == "按时报送率"
        assert pgettext("complaint column", "Received") == "受理日期"
        assert pgettext("complaint column", "Province") == "投诉人所在地"
