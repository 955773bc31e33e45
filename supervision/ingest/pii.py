"""Masking of personal data in free text (W-PII): 11-digit mobile numbers and 18-character ID numbers."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")
_ID = re.compile(r"(?<![0-9])([0-9]{3})([0-9]{11})([0-9]{3}[0-9Xx])(?![0-9])")


def mask_pii(text: str) -> tuple[str, int]:
    """Mask 18-character ID numbers and 11-digit mobile numbers (first 3 and last 4 kept); return the count."""
    text, ids = _ID.subn(lambda m: m.group(1) + "*" * 11 + m.group(3), text)
    text, mobiles = _MOBILE.subn(lambda m: m.group(1) + "****" + m.group(3), text)
    return text, ids + mobiles
