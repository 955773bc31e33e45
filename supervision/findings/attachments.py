"""Which files an answer to a finding may carry (item 5): an allow-list checked by the file's
extension AND by its content, so an executable renamed ``report.pdf`` is refused as surely as
``evil.exe``. Pure: no Flask or database imports.

Allowed (docs/decisions.md, "Attachments to finding answers"): PDF; PNG and JPEG images; Office
Open XML workbooks and documents (``.xlsx``, ``.docx``); plain text and CSV (UTF-8 or GB18030, no
NUL bytes). Archives (``.zip``, ``.rar``, ``.7z``), legacy Office files with macros, executables,
scripts and HTML are refused: a regulator's reviewer must be able to open the evidence without
unpacking or running anything.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath
from typing import BinaryIO

#: extension → kind of content it must have
ALLOWED = {".pdf": "pdf", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".xlsx": "xlsx", ".docx": "docx",
           ".txt": "text", ".csv": "text"}
#: how much of a text file is read to decide that it is text
TEXT_SAMPLE = 64 * 1024


class AttachmentRefused(ValueError):
    """The file is not an allowed attachment; ``zh`` and ``en`` say why."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


def allowed_text() -> tuple[str, str]:
    """The allow-list as people read it (Chinese, English)."""
    return ("PDF、PNG/JPG 图片、Excel（.xlsx）、Word（.docx）、文本或 CSV（.txt、.csv）",
            "PDF, PNG/JPG images, Excel (.xlsx), Word (.docx), text or CSV (.txt, .csv)")


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the sample's end
                return True
    return False


def _ooxml_kind(stream: BinaryIO) -> str | None:
    """``xlsx`` / ``docx`` for an Office Open XML package (macro-free), else ``None``."""
    try:
        with zipfile.ZipFile(stream) as z:
            names = set(z.namelist())
            if "[Content_Types].xml" not in names:
                return None
            types = z.read("[Content_Types].xml")
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    if b"macroEnabled" in types or "xl/vbaProject.bin" in names or "word/vbaProject.bin" in names:
        return None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return None


def sniff(stream: BinaryIO) -> str | None:
    """The kind of content the stream holds (``pdf``, ``png``, ``jpeg``, ``xlsx``, ``docx``, ``text``)
    or ``None``; the stream is rewound."""
    stream.seek(0)
    head = stream.read(TEXT_SAMPLE)
    stream.seek(0)
    kind = None
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif head.startswith(b"PK\x03\x04"):
        kind = _ooxml_kind(stream)
        stream.seek(0)
    elif head and _is_text(head):
        kind = "text"
    return kind


def check_attachment(stream: BinaryIO, filename: str) -> None:
    """Refuse (:class:`AttachmentRefused`) a file whose extension is not allowed or whose content is
    not what the extension says; the stream is rewound for storing."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    ok_zh, ok_en = allowed_text()
    expected = ALLOWED.get(suffix)
    if expected is None:
        raise AttachmentRefused(f"附件“{filename}”的类型（{suffix or '无扩展名'}）不被接受；可上传：{ok_zh}",
                                f"the attachment “{filename}” ({suffix or 'no extension'}) is not an accepted "
                                f"type; accepted: {ok_en}")
    found = sniff(stream)
    if found != expected:
        raise AttachmentRefused(f"附件“{filename}”的内容与其扩展名 {suffix} 不符（可能是可执行文件或其他类型），"
                                f"不予接受；可上传：{ok_zh}",
                                f"the content of the attachment “{filename}” does not match its extension "
                                f"{suffix} (it may be a program or another type of file); accepted: {ok_en}")
