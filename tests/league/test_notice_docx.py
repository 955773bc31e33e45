"""The 通报 document (issue 15): built from the published snapshot, reopened with python-docx —
tables equal the snapshot's 通报 rows and medians value for value, overview figures equal the
snapshot totals, institutions above the sector median are those of the snapshot's exact values,
no field codes or macros; stored in the archive with its SHA-256; the command and the page."""

from __future__ import annotations

import hashlib
import json
import zipfile
from decimal import Decimal
from fractions import Fraction

import pytest
from docx import Document
from sqlalchemy import select

from supervision.exports import services as exports
from supervision.extensions import db
from supervision.league.models import LeagueSnapshot, LeagueSnapshotRow
from supervision.notice.services import NoticeError, build_notice
from tests.conftest import PASSWORD, login, page_token
from tests.league.helpers import ensure_published

SECTOR_NAMES = {"CF": "消费金融公司", "PAY": "非银行支付机构"}


def _snapshot_rows(snap) -> list[dict]:
    return list(db.session.scalars(select(LeagueSnapshotRow.data).where(LeagueSnapshotRow.snapshot_id == snap.id)
                                   .order_by(LeagueSnapshotRow.position)))


def _total(rows, sector) -> int:
    return sum(int(Decimal(r["metrics"]["received"]["value"])) for r in rows
               if r["sector"] == sector and r["notice_rank"] is not None)


def _median(values: list[Decimal]) -> Fraction | None:
    v = sorted(Fraction(x) for x in values)
    if not v:
        return None
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def _no_fields_or_macros(path) -> None:
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert not any("vbaProject" in n or n.endswith(".bin") for n in names)
        assert "macroEnabled" not in z.read("[Content_Types].xml").decode()
        for n in names:
            if n.endswith(".xml"):
                xml = z.read(n).decode("utf-8", "replace")
                for marker in ("w:fldSimple", "w:instrText", "w:fldChar"):
                    assert marker not in xml, f"{marker} in {n}"
        assert any(n.startswith("word/media/") and n.endswith(".png") for n in names), "charts as PNG"


def test_notice_document_equals_the_snapshot(lctx, tmp_path):
    lw = lctx
    prev_snap = ensure_published(lw, "2024Q1")
    snap = ensure_published(lw, "2024Q2")
    period = lw.period("2024Q2")
    exp = build_notice(period, producer="test")
    db.session.commit()
    path = exports.file_path(exp)
    raw = path.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == exp.sha256 and exp.size == len(raw)
    assert exp.kind == "notice" and exp.snapshot_number == snap.number and exports.verify(exp)
    _no_fields_or_macros(path)

    rows = _snapshot_rows(snap)
    prev_rows = _snapshot_rows(prev_snap)
    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"{period.year}年第{period.quarter}季度消费投诉情况通报" in text
    assert f"第 {snap.number} 版" in text
    sectors = [s for s in ("PAY", "CF") if any(r["sector"] == s for r in rows)]
    assert len(doc.tables) == len(sectors)
    grand = sum(_total(rows, s) for s in sectors)
    assert f"共受理消费投诉 {grand:,} 件" in text
    for table, sector in zip(doc.tables, sectors, strict=True):
        listed = sorted((r for r in rows if r["sector"] == sector and r["notice_rank"] is not None),
                        key=lambda r: r["notice_rank"])
        body = [[c.text for c in row.cells] for row in table.rows]
        assert body[0][0] == "序号"
        assert body[1:-1] == [[str(r["notice_rank"]), r["name"], r["metrics"]["received"]["display"],
                               r["share"] or "—", r["metrics"]["per_100m_volume"]["display"] or "—",
                               str(r["metrics"]["per_100m_volume"]["rank_sector"])
                               if r["metrics"]["per_100m_volume"]["rank_sector"] is not None else "—"]
                              for r in listed]
        medians = snap.medians[sector]
        assert body[-1][1:5] == ["行业中位数", medians["received"] or "—", "", medians["per_100m_volume"] or "—"]
        # overview: the sector's total and the change against the previous published quarter
        total, before = _total(rows, sector), _total(prev_rows, sector)
        line = next(p.text for p in doc.paragraphs if p.text.startswith(f"{SECTOR_NAMES[sector]}：{len(listed)} 家"))
        assert (f"共受理消费投诉 {total:,} 件" in line and f"较上季度（{before:,} 件）" in line) or \
            (total == before and f"与上季度（{before:,} 件）持平" in line)
        # institutions above the sector median of per_10k_customers (exact values of the snapshot)
        med = _median([Decimal(r["metrics"]["per_10k_customers"]["value"]) for r in rows
                       if r["sector"] == sector and r["status"] == "ranked"
                       and r["metrics"]["per_10k_customers"]["value"] is not None])
        above = [r["name"] for r in listed if med is not None and r["metrics"]["per_10k_customers"]["value"]
                 is not None and Fraction(Decimal(r["metrics"]["per_10k_customers"]["value"])) > med]
        para = next((p.text for p in doc.paragraphs if p.text.startswith("万人投诉量高于行业中位数")
                     and all(n in p.text for n in above) and (not listed or listed[0]["sector"] == sector)), None)
        if above:
            assert para is not None
            named = [part.split("（")[0] for part in para.split("：", 1)[1].rstrip("。").split("；")]
            assert named == above
            assert medians["per_10k_customers"] in para


def test_notice_command_snapshot_choice_and_refusals(lctx, tmp_path):
    lw = lctx
    ensure_published(lw, "2024Q2")
    runner = lw.app.test_cli_runner()
    out = tmp_path / "notice.docx"
    res = runner.invoke(args=["export", "notice", "--period", "2024Q2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert info["kind"] == "notice" and hashlib.sha256(out.read_bytes()).hexdigest() == info["sha256"]
    first = db.session.scalar(select(LeagueSnapshot).where(LeagueSnapshot.period_id == lw.periods["2024Q2"])
                              .order_by(LeagueSnapshot.number))
    res = runner.invoke(args=["export", "notice", "--period", "2024Q2", "--snapshot", str(first.number),
                              "--out", str(tmp_path / "first.docx")])
    assert res.exit_code == 0 and json.loads(res.output)["snapshot"] == first.number
    res = runner.invoke(args=["export", "notice", "--period", "2024Q2", "--snapshot", "999",
                              "--out", str(tmp_path / "none.docx")])
    assert res.exit_code == 1 and "999" in res.output
    with pytest.raises(NoticeError) as err:
        build_notice(lw.period("2023Q3"), producer="test")  # never published
    assert err.value.status == 409


def test_supervisor_generates_the_notice_from_the_snapshot_page(lctx):
    lw = lctx
    snap = ensure_published(lw, "2024Q2")
    client = lw.app.test_client()
    assert login(client, lw.users["supervisor"], PASSWORD).status_code == 302
    page = client.get(f"/league/{lw.periods['2024Q2']}/snapshots")
    assert f'id="notice-{snap.number}"' in page.get_data(as_text=True)
    token = page_token(client, f"/league/{lw.periods['2024Q2']}/snapshots")
    resp = client.post(f"/notice/{lw.periods['2024Q2']}", data={"csrf_token": token, "snapshot": snap.number})
    assert resp.status_code == 302 and "/exports/download?id=" in resp.headers["Location"]
    got = client.get(resp.headers["Location"])
    head, ctype, status = got.data[:2], got.headers["Content-Type"], got.status_code
    got.close()
    assert status == 200 and head == b"PK" and "wordprocessingml" in ctype
    # a filer cannot generate one
    filer = lw.app.test_client()
    assert login(filer, lw.users["filer_a"], PASSWORD).status_code == 302
    token = page_token(filer, "/account")
    assert filer.post(f"/notice/{lw.periods['2024Q2']}", data={"csrf_token": token}).status_code == 403
