"""USCC helpers for demo data: generated codes that pass the GB 32100-2015 check (spec §1.2).

The check itself lives in :mod:`supervision.rules.uscc` (one copy)."""

from __future__ import annotations

import hashlib

from supervision.rules.uscc import ALPHABET, WEIGHTS, is_valid_uscc, uscc_check_char

__all__ = ["ALPHABET", "WEIGHTS", "generate_uscc", "is_valid_uscc", "uscc_check_char"]


def generate_uscc(seed: int, province: str = "11", org_type: str = "91") -> str:
    """A deterministic *generated* USCC that passes the check (demo data only, never real).

    Layout: registration authority/type (2), administrative division (6), organisation
    code (9 characters derived from ``seed``), check character.
    """
    division = (province + "0100")[:6]
    body = ""
    n = int.from_bytes(hashlib.sha256(f"demo-uscc-{seed}".encode()).digest()[:8], "big")
    for _ in range(9):
        body += ALPHABET[n % 31]
        n //= 31
    first17 = f"{org_type}{division}{body}"
    return first17 + uscc_check_char(first17)
