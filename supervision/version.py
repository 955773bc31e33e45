"""The platform's one version number: ``version`` in ``setup.cfg``.

A source checkout reads it from ``setup.cfg`` (so a changed number shows at once, without
reinstalling); an installed wheel reads its own metadata, which the build took from the same line.
Shown in the page footer, by ``supervision --version``, in the 说明 sheet (and metadata) of every
export and in the audit event of every schema upgrade.
"""

from __future__ import annotations

import configparser
from functools import lru_cache
from importlib import metadata
from pathlib import Path

DIST_NAME = "supervision"
SOURCE_ROOT = Path(__file__).resolve().parent.parent


def source_checkout() -> bool:
    """True when the package runs from its source tree (``setup.cfg`` of this project beside it)."""
    return _setup_cfg_version(SOURCE_ROOT / "setup.cfg") is not None


def _setup_cfg_version(path: Path) -> str | None:
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        return None
    if parser.get("metadata", "name", fallback=None) != DIST_NAME:
        return None
    return parser.get("metadata", "version", fallback=None)


@lru_cache(maxsize=1)
def platform_version() -> str:
    """The version of the running platform (``0+unknown`` only if neither source is there)."""
    found = _setup_cfg_version(SOURCE_ROOT / "setup.cfg")
    if found:
        return found
    try:
        return metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        return "0+unknown"
