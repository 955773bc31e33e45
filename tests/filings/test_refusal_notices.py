"""Issue 10: a refused upload notifies the institution's filers with a link to the version; a file
refused before it could be read (F01–F07) offers no annotated workbook; the stages of processing
and the rows read per sheet are shown by name; templates refuse periods the platform does not have."""

from __future__ import annotations

import io

from sqlalchemy import select

from supervision.domain.enums import NotificationKind, VersionStatus
from supervision.extensions import db
from supervision.filings.models import FilingVersion
from supervision.notifications.models import Notification
from tests.conftest import PASSWORD, login
from tests.filings.test_pipeline import _rows, _upload
from tests.filings.workbooks import cmp_workbook


def _notices(user_id: int, kind: str) -> list[Notification]:
    db.session.rollback()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id,
                                                              Notification.kind == kind)))


def test_refused_upload_notifies_the_filers_and_links_the_report(ctx, tmp_path):
    app, world = ctx
    period = world.current
    path = cmp_workbook(tmp_path / "bad.xlsx", code=world.inst_a.code, name=world.inst_a.name, period=period.code,
                        rows=_rows(period.start_date), period_start=period.start_date,
                        summary=[["B14", 2, 2, 1, 0, 0], ["B05", 1, 1, 1, 1, 1], ["合计", 3, 3, 2, 1, 1]])
    client = app.test_client()
    login(client, world.users.filer_a.email, PASSWORD)
    resp = _upload(client, path, period.code)
    vid = int(resp.headers["Location"].split("/")[-1])
    assert db.session.get(FilingVersion, vid).status == VersionStatus.REJECTED
    notices = _notices(world.users.filer_a.id, NotificationKind.FILING_REJECTED)
    assert [n.link for n in notices] == [f"/filings/versions/{vid}"]
    assert "未通过校验" in notices[0].subject_zh and "failed validation" in notices[0].subject_en
    assert _notices(world.users.filer_b.id, NotificationKind.FILING_REJECTED) == []  # not another institution's
    page = client.get(notices[0].link).get_data(as_text=True)
    assert 'id="annotated-link"' in page  # it was read: the annotated workbook marks the cells
    assert "投诉明细：" in page and 'data-sheet="投诉明细"' in page  # rows counted by the sheet's name
    listing = client.get("/notifications/?kind=filing_rejected").get_data(as_text=True)
    assert "报送未通过校验" in listing and f'value="/filings/versions/{vid}"' in listing


def test_a_file_refused_before_reading_has_no_annotated_workbook(ctx, tmp_path):
    app, world = ctx
    period = world.current
    path = tmp_path / "not-a-workbook.xlsx"
    path.write_bytes(b"this is plain text, not an Office Open XML workbook\n" * 20)
    client = app.test_client()
    login(client, world.users.filer_a.email, PASSWORD)
    vid = int(_upload(client, path, period.code).headers["Location"].split("/")[-1])
    v = db.session.get(FilingVersion, vid)
    assert v.status == VersionStatus.REJECTED and "F01" in v.rule_totals
    page = client.get(f"/filings/versions/{vid}").get_data(as_text=True)
    assert 'id="annotated-link"' not in page and 'id="not-annotatable"' in page
    assert "F01" in page  # the error itself is listed
    direct = client.get(f"/filings/versions/{vid}/annotated.xlsx")
    assert direct.status_code == 302  # and the download explains itself on the report


def test_templates_refuse_periods_the_platform_does_not_have(ctx):
    app, world = ctx
    client = app.test_client()
    login(client, world.users.filer_a.email, PASSWORD)
    for bad in ("1999Q9", "garbage", "2099Q1", "<script>"):
        resp = client.get(f"/filings/template/CMP?period={bad}")
        assert resp.status_code == 400, bad
        assert "报告期" in resp.get_data(as_text=True)
    good = client.get(f"/filings/template/CMP?period={world.current.code}")
    assert good.status_code == 200 and good.mimetype.endswith("spreadsheetml.sheet")
    assert client.get("/filings/template/CMP").status_code == 200  # the blank template


def test_the_version_page_names_the_processing_stages(ctx, tmp_path):
    """The stages (guards → reading → validating → storing → checks) are named on the page in the
    reader's language, and the script that moves them shows no word of its own."""
    app, world = ctx
    from supervision.filings import services

    stored = services.store_original(io.BytesIO(b"x" * 100))
    sub = services.submit(world.users.filer_a, world.inst_a, world.current, "DSC", stored, "waiting.xlsx")
    db.session.commit()
    client = app.test_client()
    login(client, world.users.filer_a.email, PASSWORD)
    page = client.get(f"/filings/versions/{sub.version.id}").get_data(as_text=True)
    stages = ["等待开始", "检查文件", "读取工作表", "逐项校验", "保存数据", "交叉核查"]
    positions = [page.index(s) for s in stages]
    assert positions == sorted(positions), "stages in processing order"
    assert 'data-rows-template="已读取 {n} 行"' in page
    english = client.get(f"/filings/versions/{sub.version.id}?lang=en").get_data(as_text=True)
    assert "Reading the sheets" in english and "读取工作表" not in english
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "supervision/static/js/progress.js").read_text(encoding="utf-8")
    assert '" rows"' not in script and "textContent = msg" not in script  # the old English words are gone
