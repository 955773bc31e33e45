"""Check that a built wheel holds everything an installed platform needs (issue 17).

    python tools/check_wheel.py dist/supervision-<version>-<tags>.whl

Required: the compiled catalogues (``.mo`` of every ``.po``), every static file a template loads
(``url_for('static', filename=...)``: Bootstrap, ECharts, our CSS/JS), every template, the whole
Alembic history, the spec's code lists (``supervision/rules/codes.py``), the shipped reference
data, the WSGI module and the packages ``reports`` and ``scheduler``; nothing from ``tests/`` or an
``instance/`` folder, no build marker; a platform wheel (not ``py3-none-any``) also holds the two
compiled modules (the guards' and the sheet reader's). Prints what is missing and exits 1, else
prints a summary.
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "supervision"
STATIC_REF = re.compile(r"""url_for\(\s*['"]static['"]\s*,\s*filename\s*=\s*['"]([^'"]+)['"]""")


def required_members() -> set[str]:
    """Archive names the wheel must contain, derived from the source tree."""
    need = {"supervision/wsgi.py", "supervision/rules/codes.py", "supervision/version.py",
            "supervision/data/reference/institutions.csv", "supervision/data/reference/SOURCES.md",
            "supervision/migrations/env.py", "supervision/migrations/alembic.ini",
            "supervision/migrations/script.py.mako", "reports/__init__.py", "scheduler/__init__.py",
            "supervision/static/vendor/bootstrap/css/bootstrap.min.css",
            "supervision/static/vendor/bootstrap/js/bootstrap.bundle.min.js",
            "supervision/static/vendor/echarts/echarts.min.js"}
    for path in PKG.joinpath("migrations", "versions").glob("*.py"):
        need.add(path.relative_to(ROOT).as_posix())
    for po in PKG.joinpath("translations").glob("*/LC_MESSAGES/*.po"):
        need.add(po.with_suffix(".mo").relative_to(ROOT).as_posix())
    for template in PKG.joinpath("templates").rglob("*.html"):
        need.add(template.relative_to(ROOT).as_posix())
        for ref in STATIC_REF.findall(template.read_text(encoding="utf-8")):
            need.add(f"supervision/static/{ref}")
    for asset in PKG.joinpath("static").rglob("*"):
        if asset.is_file() and asset.name != ".done":
            need.add(asset.relative_to(ROOT).as_posix())
    return need


def problems(wheel: Path) -> list[str]:
    """Every reason ``wheel`` is incomplete or holds what it must not (empty when fine)."""
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    out = [f"missing: {name}" for name in sorted(required_members() - names)]
    if not wheel.name.endswith("-py3-none-any.whl"):  # built with the machine's compiler
        for module in ("_cscan", "_csheet"):
            if not any(re.fullmatch(rf"supervision/ingest/{module}\.[^/]+\.so", n) for n in names):
                out.append(f"missing: supervision/ingest/{module}.*.so (was a C compiler at hand?)")
    out += [f"must not ship: {name}" for name in sorted(names)
            if name.startswith(("tests/", "instance/", "supervision/instance/")) or name.endswith("/.done")]
    return out


def main(argv: list[str]) -> int:
    """Check the wheel named on the command line."""
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip())
        return 2
    wheel = Path(argv[0])
    found = problems(wheel)
    for line in found:
        print(line)
    if found:
        return 1
    print(f"{wheel.name}: complete ({len(required_members())} required members present)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
