"""Writing the 通报 ``.docx`` from plain data (pure core: no Flask, no database).

The document starts from the template in ``supervision/data/notice_template.docx`` (styles, page)
and holds: title and number, the overview with totals and quarter-on-quarter change per sector,
the §8 通报 table of each sector (notice rank, institution, received, share, ``per_100m_volume``
and its rank, the sector medians), the institutions above the sector median of
``per_10k_customers``, the vulnerable-group paragraph, the top surging topics and the charts as
PNG images. Every figure is passed in as the published snapshot's display text; nothing here
computes a league figure. No fields, no macros: plain runs, tables and pictures only.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from reports.numbers import display

TEMPLATE = Path(__file__).resolve().parent.parent / "data" / "notice_template.docx"

TABLE_HEADER = ("序号", "机构名称", "受理投诉量（件）", "占本行业比例（%）", "亿元业务投诉量", "亿元业务投诉量排名")


@dataclass(frozen=True)
class NoticeRow:
    """One line of a sector's 通报 table (display texts of the snapshot)."""

    notice_rank: int
    name: str
    received: str
    share: str | None
    per_100m_volume: str | None
    per_100m_rank: int | None


@dataclass(frozen=True)
class SectorNotice:
    """One sector of the notice."""

    sector: str
    sector_name: str
    total: int
    previous_total: int | None
    rows: tuple[NoticeRow, ...]
    medians: dict[str, str | None]
    above_median: tuple[tuple[str, str], ...] = ()
    others: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupLine:
    """A customer group's received complaints in a sector, and the institutions with a ``G01`` finding."""

    sector_name: str
    group_name: str
    received: int
    share: str | None
    flagged: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicLine:
    """A surging topic: name, count, previous count, change in percent (text), institutions (``K01``)."""

    name: str
    count: int
    previous: int | None
    change_pct: str | None
    institutions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Surge:
    """A topic surging at one institution (a holding ``K01`` finding): counts now and before."""

    topic: str
    institution: str
    count: int
    previous: int


@dataclass(frozen=True)
class Chart:
    """A chart image with its caption."""

    caption: str
    png: bytes


@dataclass(frozen=True)
class NoticeData:
    """Everything the document shows."""

    year: int
    quarter: int
    period_code: str
    number: str
    snapshot: int
    published_on: str
    issuer: str
    sectors: tuple[SectorNotice, ...]
    groups: tuple[GroupLine, ...] = ()
    topics: tuple[TopicLine, ...] = ()
    surges: tuple[Surge, ...] = ()
    charts: tuple[Chart, ...] = field(default=())


@dataclass(frozen=True)
class Written:
    """SHA-256 and size of the written file."""

    sha256: str
    size: int


def change_text(total: int, previous: int | None) -> str:
    """``较上季度增加 12 件（增长 5.00%）`` and the like (no previous: says so)."""
    if previous is None:
        return "上季度无已发布数据，不作比较"
    diff = total - previous
    if previous == 0:
        return f"上季度为 0 件，本季度{'增加' if diff else '持平'}"
    pct = display(abs(Fraction(diff * 100, previous)), 2)
    if diff > 0:
        return f"较上季度（{previous:,} 件）增加 {diff:,} 件，增长 {pct}%"
    if diff < 0:
        return f"较上季度（{previous:,} 件）减少 {-diff:,} 件，下降 {pct}%"
    return f"与上季度（{previous:,} 件）持平"


def overview_sentence(s: SectorNotice) -> str:
    """The overview sentence of one sector."""
    return (f"{s.sector_name}：{len(s.rows)} 家机构报送，共受理消费投诉 {s.total:,} 件，"
            f"{change_text(s.total, s.previous_total)}。")


def _table(doc, s: SectorNotice) -> None:
    table = doc.add_table(rows=1, cols=len(TABLE_HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, TABLE_HEADER, strict=True):
        cell.text = text
    for r in s.rows:
        cells = table.add_row().cells
        values = (str(r.notice_rank), r.name, r.received, r.share or "—", r.per_100m_volume or "—",
                  str(r.per_100m_rank) if r.per_100m_rank is not None else "—")
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    cells = table.add_row().cells
    med = s.medians
    values = ("", "行业中位数", med.get("received") or "—", "", med.get("per_100m_volume") or "—", "")
    for cell, text in zip(cells, values, strict=True):
        cell.text = text
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.first_line_indent = 0


def write_notice(target, data: NoticeData) -> Written:
    """Write the document to ``target`` (path) and return its SHA-256 and size."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = Document(str(TEMPLATE))
    doc.add_paragraph(f"{data.year}年第{data.quarter}季度消费投诉情况通报", style="Title")
    num = doc.add_paragraph(data.number)
    num.alignment = WD_ALIGN_PARAGRAPH.CENTER
    num.paragraph_format.first_line_indent = 0

    doc.add_heading("一、总体情况", level=1)
    total = sum(s.total for s in data.sectors)
    doc.add_paragraph(f"{data.year}年第{data.quarter}季度，纳入通报的机构共受理消费投诉 {total:,} 件。"
                      f"本通报数据取自第 {data.snapshot} 版已发布排行榜（{data.published_on} 发布）。")
    for s in data.sectors:
        doc.add_paragraph(overview_sentence(s))

    doc.add_heading("二、各行业投诉情况", level=1)
    for n, s in enumerate(data.sectors, start=1):
        doc.add_heading(f"（{'一二三四五六七八九十'[n - 1] if n <= 10 else n}）{s.sector_name}", level=2)
        doc.add_paragraph(f"按受理投诉量由多到少排列（相同时亿元业务投诉量较高者在前）。行业受理投诉量中位数 "
                          f"{s.medians.get('received') or '—'} 件，亿元业务投诉量中位数 "
                          f"{s.medians.get('per_100m_volume') or '—'}，万人投诉量中位数 "
                          f"{s.medians.get('per_10k_customers') or '—'}。")
        _table(doc, s)
        if s.others:
            doc.add_paragraph("未纳入排序（无已接受报表）：" + "、".join(s.others) + "。")
        if s.above_median:
            doc.add_paragraph(f"万人投诉量高于行业中位数（{s.medians.get('per_10k_customers') or '—'}）的机构：" +
                              "；".join(f"{name}（{value}）" for name, value in s.above_median) + "。")
        else:
            doc.add_paragraph("无万人投诉量高于行业中位数的机构。")

    doc.add_heading("三、特殊群体消费者投诉情况", level=1)
    if data.groups:
        for g in data.groups:
            text = (f"{g.sector_name}受理{g.group_name}投诉 {g.received:,} 件，占本行业投诉的 {g.share or '—'}%。")
            if g.flagged:
                text += f"{'、'.join(g.flagged)}对{g.group_name}投诉的处理明显差于其他客户，请予以整改。"
            doc.add_paragraph(text)
    else:
        doc.add_paragraph("本季度无特殊群体消费者投诉数据。")

    doc.add_heading("四、投诉新热点", level=1)
    if data.surges:
        lines = [f"{s.institution}“{s.topic}”相关投诉 {s.count:,} 件（上季度 {s.previous:,} 件）" for s in data.surges]
        doc.add_paragraph("以下机构的投诉主题较上季度明显上升，请予以关注：" + "；".join(lines) + "。")
    if data.topics:
        for t in data.topics:
            prev = "上季度无数据" if t.previous is None else f"上季度 {t.previous:,} 件"
            pct = f"，增长 {t.change_pct}%" if t.change_pct is not None else ""
            text = f"“{t.name}”相关投诉 {t.count:,} 件（{prev}{pct}）"
            if t.institutions:
                text += f"，集中于{'、'.join(t.institutions)}"
            doc.add_paragraph(text + "。")
    elif not data.surges:
        doc.add_paragraph("本季度未发现明显上升的投诉主题。")

    if data.charts:
        doc.add_heading("五、附图", level=1)
        for chart in data.charts:
            doc.add_picture(io.BytesIO(chart.png), width=Cm(15.5))
            cap = doc.add_paragraph(chart.caption, style="Caption")
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER

    sign = doc.add_paragraph(data.issuer)
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    date = doc.add_paragraph(data.published_on)
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    core = doc.core_properties
    core.title = f"{data.year}年第{data.quarter}季度消费投诉情况通报"
    core.author = data.issuer
    core.comments = f"period {data.period_code}, snapshot {data.snapshot}"
    buf = io.BytesIO()
    doc.save(buf)
    raw = buf.getvalue()
    Path(target).write_bytes(raw)
    return Written(hashlib.sha256(raw).hexdigest(), len(raw))


def chart_rows(rows: Sequence[NoticeRow], limit: int = 15) -> list[NoticeRow]:
    """The first ``limit`` rows of a sector table (the chart shows the most complaints)."""
    return list(rows[:limit])
