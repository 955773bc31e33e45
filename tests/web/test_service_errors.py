"""One service error (supervision/errors.py) and one place that answers it: a refused action
flashes its bilingual reason and redirects, or re-renders the form with the user's input and the
error's HTTP status; a forbidden one (403) is the error page; API clients get JSON. No view catches
a service error itself."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest

from supervision.accounts.services import AccountError
from supervision.errors import ServiceError
from supervision.exports.services import ExportError
from supervision.filings.services import FilingError
from supervision.findings.services import FindingError
from supervision.jobs.services import JobError
from supervision.league.services import LeagueError
from supervision.orgs.services import OrgError
from supervision.periods.services import PeriodError
from supervision.register.services import RegisterError
from tests.conftest import csrf_from, login

ROOT = Path(__file__).resolve().parents[2] / "supervision"
ERRORS = (FilingError, FindingError, LeagueError, OrgError, ExportError, AccountError, RegisterError, PeriodError,
          JobError)


def test_one_error_type_with_a_bilingual_message_and_a_status():
    assert all(issubclass(e, ServiceError) for e in ERRORS)
    e = FilingError("只有校验通过的版本可以采纳 / only VALIDATED versions can be accepted", 409)
    assert (e.message_zh, e.message_en) == ("只有校验通过的版本可以采纳", "only VALIDATED versions can be accepted")
    assert e.status == 409
    assert str(e) == "只有校验通过的版本可以采纳 / only VALIDATED versions can be accepted"
    assert str(OrgError("中文", message_en="English")) == "中文 / English" and OrgError("x").status == 400


def _service_error_names() -> set[str]:
    return {e.__name__ for e in ERRORS} | {"ServiceError"}


@pytest.mark.parametrize("views", sorted(ROOT.rglob("views.py")), ids=lambda p: p.parent.name)
def test_no_view_catches_a_service_error(views):
    names = _service_error_names()
    tree = ast.parse(views.read_text(encoding="utf-8"))
    caught = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            for n in ast.walk(node.type):
                name = n.attr if isinstance(n, ast.Attribute) else n.id if isinstance(n, ast.Name) else None
                if name in names or name == "ValueError":
                    caught.append((node.lineno, name))
    assert not caught, f"{views}: answer refusals with supervision.errors.answer_errors_with, not except: {caught}"


def test_only_the_app_factory_imports_views():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path.name == "app.py" and path.parent == ROOT:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            if any(m.startswith("supervision.") and m.split(".")[-1] == "views" for m in modules):
                offenders.append(str(path.relative_to(ROOT.parent)))
    assert not offenders, f"shared helpers belong in queries/services/helpers modules, not views: {offenders}"


def _version_page_token(client, version_id):
    return csrf_from(client.get(f"/filings/versions/{version_id}").get_data(as_text=True))


def test_refusal_redirects_with_the_reason(client, world):
    login(client, world.users.supervisor.email, world.password)
    version = world.filing_a.versions[0]  # ACCEPTED: not acceptable again
    token = _version_page_token(client, version.id)
    resp = client.post(f"/filings/versions/{version.id}/accept", data={"csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/filings/versions/{version.id}")
    page = client.get(f"/filings/versions/{version.id}").get_data(as_text=True)
    # the state by its name, never its code
    assert "只有校验通过的版本可以采纳（该版本为“已采纳”） / only validated versions can be accepted " \
           "(this one is “Accepted”)" in page
    assert "Version accepted" not in page and "版本已采纳" not in page


def test_api_clients_get_the_refusal_as_json(client, world):
    login(client, world.users.supervisor.email, world.password)
    version = world.filing_a.versions[0]
    token = _version_page_token(client, version.id)
    resp = client.post(f"/filings/versions/{version.id}/accept", data={"csrf_token": token},
                       headers={"Accept": "application/json"})
    assert resp.status_code == 409
    assert "only validated versions can be accepted" in resp.get_json()["error"]["message"]


def test_forbidden_refusal_is_the_error_page(client, world):
    """A referral to PBOC cannot be accepted by NFRA, which sent it (403, nothing changed)."""
    login(client, world.users.analyst_nfra.email, world.password)
    page = client.get(f"/findings/{world.finding_c.id}")
    token = csrf_from(page.get_data(as_text=True))
    resp = client.post(f"/findings/referrals/{world.referral_c.id}/accept", data={"csrf_token": token})
    assert resp.status_code == 403
    assert "只有接收机构可以处理该转办" in resp.get_data(as_text=True)


def test_refused_upload_re_renders_the_form_with_the_status(client, world, db):
    """2024Q1 is locked (§2): the upload is refused with 409 and the form keeps the user's choices;
    the refusal comes before the file is stored, so no file without a version is left (issue 11)."""
    login(client, world.users.filer_a.email, world.password)
    token = csrf_from(client.get("/filings/upload").get_data(as_text=True))
    body = b"PK\x03\x04 not really a workbook"
    resp = client.post("/filings/upload", content_type="multipart/form-data", data={
        "csrf_token": token, "period": world.period.code, "kind": "DSC",
        "file": (io.BytesIO(body), "dsc.xlsx")})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert f"报送期 {world.period.code} 已于" in html and "a supervisor must unlock it" in html
    assert '<option selected value="DSC">' in html or '<option value="DSC" selected>' in html
    import hashlib

    from supervision.filings.services import upload_root

    sha = hashlib.sha256(body).hexdigest()
    assert not (upload_root() / sha[:2] / f"{sha}.xlsx").exists()


def test_refused_form_keeps_its_audit_when_asked(client, world, db):
    """A wrong current password is refused (400) and the failed attempt stays audited."""
    from sqlalchemy import func, select

    from supervision.audit.models import AuditEvent

    login(client, world.users.analyst_nfra.email, world.password)
    token = csrf_from(client.get("/account").get_data(as_text=True))
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    resp = client.post("/account/password", data={"csrf_token": token, "current": "wrong-Pass-0000",
                                                   "new": "New-pass-123456", "confirm": "New-pass-123456"})
    assert resp.status_code == 400 and "当前密码不正确 / current password is wrong" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) > before
