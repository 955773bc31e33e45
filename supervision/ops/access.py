"""Who may read ``/metrics``: an address in the allow-list (``SUPERVISION_METRICS_ALLOW``, addresses or
networks, loopback by default) or a caller showing ``Authorization: Bearer <SUPERVISION_METRICS_TOKEN>``."""

from __future__ import annotations

import hmac
import ipaddress


def metrics_allowed(remote_addr: str | None, authorization: str, allow: str | None, token: str | None) -> bool:
    """Whether this caller may read the metrics."""
    if token and authorization.startswith("Bearer ") and hmac.compare_digest(authorization[7:].encode(),
                                                                             token.encode()):
        return True
    try:
        addr = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    for entry in (a.strip() for a in str(allow or "").split(",")):
        if not entry:
            continue
        try:
            if addr in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
