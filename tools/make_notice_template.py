"""Write ``supervision/data/notice_template.docx``: the styles of the 通报 document
(A4, CJK body font 仿宋 / headings 黑体, table style) and no content. Run after changing the look:

    .venv/bin/python tools/make_notice_template.py

The template is committed; the platform only reads it (:mod:`supervision.notice.document`).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parents[1] / "supervision" / "data" / "notice_template.docx"


def _font(style, latin: str, east_asia: str, size: float, bold: bool = False) -> None:
    style.font.name = latin
    style.font.size = Pt(size)
    style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asia)


def main() -> None:
    """Build and save the template."""
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)
    _font(doc.styles["Normal"], "Times New Roman", "仿宋", 14)
    doc.styles["Normal"].paragraph_format.first_line_indent = Pt(28)
    doc.styles["Normal"].paragraph_format.line_spacing = Pt(28)
    _font(doc.styles["Title"], "Times New Roman", "方正小标宋简体", 22)
    doc.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for name in ("Heading 1", "Heading 2"):
        _font(doc.styles[name], "Times New Roman", "黑体", 16 if name == "Heading 1" else 14)
        doc.styles[name].font.color.rgb = None
    _font(doc.styles["Caption"], "Times New Roman", "仿宋", 10.5)
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc.save(OUT)
    print(OUT)


if __name__ == "__main__":
    main()
