"""统一社会信用代码 (USCC) check character, GB 32100-2015 (spec §1.2)."""

from __future__ import annotations

import hashlib

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28


def uscc_check_char(first17: str) -> str:
    """Return the check character for the first 17 characters of a USCC.

    Raises ValueError when a character is not in the USCC alphabet.
    """
    if len(first17) != 17:
        raise ValueError("需要17位 / need 17 characters")
    total = 0
    for ch, w in zip(first17, WEIGHTS, strict=True):
        idx = ALPHABET.find(ch)
        if idx < 0:
            raise ValueError(f"非法字符 / invalid character {ch!r}")
        total += idx * w
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str | None) -> bool:
    """True when ``code`` is 18 upper-case USCC characters with the right check character."""
    if not code or len(code) != 18:
        return False
    try:
        return uscc_check_char(code[:17]) == code[17]
    except ValueError:
        return False


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
