"""A user review of findings and referrals (unit uxa): rounded evidence and one label per field
(items 4, 12), only allowed decisions offered (6), one word for accepting a referral and agency
names instead of codes (7), rule names beside codes (14), no regulator staff addresses shown to
institutions (22), referral replies in the work queues (23), an attachment allow-list (5)."""

from __future__ import annotations

import io
import re
import zipfile

from supervision.domain.enums import FindingStatus
from supervision.findings import services
from tests.api.helpers import bearer, token_for
from tests.conftest import csrf_from, login, page_token

MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def _evidence(db, finding, evidence: dict) -> None:
    finding.evidence = evidence
    db.session.commit()


def test_evidence_numbers_are_rounded_half_up(client, world, db):
    _evidence(db, world.finding_c, {"received": 5, "previous_received": 74,
                                    "received_change_pct": "-93.2432432432432",
                                    "active_customers_change_pct": "38196.5686274510",
                                    "z": "3.505", "threshold": "3.5", "period": "2024Q2"})
    login(client, world.users.analyst_nfra.email, world.password)
    html = client.get(f"/findings/{world.finding_c.id}").get_data(as_text=True)
    assert "-93.24" in html and "38196.57" in html and "3.51" in html  # half-up: 3.505 → 3.51
    assert "-93.2432432432432" not in html and "38196.5686274510" not in html
    assert "2024Q2" in html


def test_one_label_per_field_and_no_field_codes_in_messages(client, world, db):
    _evidence(db, world.finding_a, {"product_code": "XFD003", "apr_max": "28.3600", "cap": "24"})
    from supervision.rules.catalog import render

    _, en = render("D02", product_code="XFD003", apr_max="28.3600", cap="24")
    assert "apr_max" not in en and "maximum APR" in en
    for rule in ("P02", "X02", "D03", "D06"):
        rendered = render(rule, complaint_id="A1", received_date="2024-04-01", previous_date="2024-03-01",
                          transfer_ref="T1", product_code="P1", count=2)[1]
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", rendered), rendered
    login(client, world.users.analyst_nfra.email, world.password)
    en_page = client.get(f"/findings/{world.finding_a.id}?lang=en").get_data(as_text=True)
    assert "Maximum APR (%)" in en_page and "Highest annualised rate" not in en_page
    assert "28.36" in en_page and "28.3600" not in en_page
    zh_page = client.get(f"/findings/{world.finding_a.id}?lang=zh").get_data(as_text=True)
    assert "最高年化利率(%)" in zh_page


def _decision_options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*id="decision-to_status".*?</select>', html, re.S).group(0)
    return re.findall(r'<option[^>]*value="([A-Z]+)"', select)


def test_decision_form_offers_only_allowed_moves(client, world, db):
    login(client, world.users.analyst_nfra.email, world.password)
    assert world.finding_a.status == FindingStatus.OPEN
    options = _decision_options(client.get(f"/findings/{world.finding_a.id}").get_data(as_text=True))
    assert sorted(options) == sorted([FindingStatus.CLOSED, FindingStatus.REMEDIATION])
    services.transition(world.users.analyst_nfra, world.finding_a, FindingStatus.CLOSED, note="已核实 / verified")
    db.session.commit()
    options = _decision_options(client.get(f"/findings/{world.finding_a.id}").get_data(as_text=True))
    assert options == [FindingStatus.OPEN]


def test_referral_is_accepted_with_one_word_and_named_agencies(client, world, db):
    login(client, world.users.analyst_pboc.email, world.password)
    ref = world.referral_c
    html = client.get(f"/findings/{world.finding_c.id}").get_data(as_text=True)
    button = re.search(rf'id="accept-referral-{ref.id}">([^<]+)</button>', html).group(1)
    assert button == "受理" and "采纳" not in html
    token = csrf_from(html)
    client.post(f"/findings/referrals/{ref.id}/accept", data={"csrf_token": token, "text": ""})
    html = client.get(f"/findings/{world.finding_c.id}").get_data(as_text=True)
    assert "已受理" in html
    history = re.search(r'<ol[^>]*id="history".*?</ol>', html, re.S).group(0)
    accepted = re.search(r'data-action="referral_accepted">(.*?)</li>', history, re.S).group(1)
    assert "中国人民银行" in accepted and not re.search(r"<div>\s*PBOC\s*</div>", accepted)
    assert "→ 中国人民银行: " in history  # the referral line names the agency, not its code
    en = client.get(f"/findings/{world.finding_c.id}?lang=en").get_data(as_text=True)
    assert "People&#39;s Bank of China" in en or "People's Bank of China" in en


def test_rule_codes_come_with_their_names(client, world):
    login(client, world.users.analyst_nfra.email, world.password)
    dash = client.get(f"/findings/dashboard?period={world.period.code}").get_data(as_text=True)
    table = re.search(r'id="findings-by-rule".*?</table>', dash, re.S).group(0)
    assert "D05 投诉渠道不完善" in table
    listing = client.get("/findings/").get_data(as_text=True)
    assert "D05 投诉渠道不完善" in listing and "<code>D05</code>" not in listing
    en = client.get("/findings/?lang=en").get_data(as_text=True)
    assert "D05 Complaint channels incomplete" in en


def test_institutions_never_see_regulator_staff_addresses(client, world, db):
    services.open_to_institution(world.users.analyst_nfra, world.finding_a)
    services.transition(world.users.supervisor, world.finding_a, FindingStatus.REMEDIATION,
                        note="请整改 / fix it", remediation_due=world.period.due_date)
    filer_token = token_for(world.users.filer_a, "submit")
    db.session.commit()
    login(client, world.users.filer_a.email, world.password)
    html = client.get(f"/findings/{world.finding_a.id}").get_data(as_text=True)
    history = re.search(r'<ol[^>]*id="history".*?</ol>', html, re.S).group(0)
    assert "@" not in history and world.users.analyst_nfra.agency.name in history
    body = client.get(f"/api/v1/findings/{world.finding_a.id}", headers=bearer(filer_token)).get_json()
    actors = {e["actor"] for e in body["events"]}
    assert not any("@" in a for a in actors) and world.users.analyst_nfra.agency.name in actors
    client.post("/logout", data={"csrf_token": page_token(client)})
    login(client, world.users.analyst_nfra.email, world.password)
    html = client.get(f"/findings/{world.finding_a.id}").get_data(as_text=True)
    assert world.users.supervisor.email in html  # regulators may see who acted


def test_league_publisher_is_an_agency_for_institutions(app, world, db):
    from types import SimpleNamespace

    from flask_login import login_user

    from supervision.league.schemas import publisher_shown

    snap = SimpleNamespace(published_by_label=world.users.supervisor.email, published_by_id=world.users.supervisor.id)
    with app.test_request_context("/"):
        login_user(world.users.filer_a)
        assert publisher_shown(snap) == world.users.supervisor.agency.name
    with app.test_request_context("/"):
        login_user(world.users.analyst_pboc)
        assert publisher_shown(snap) == world.users.supervisor.email


def _queue_count(html: str, key: str) -> int:
    return int(re.search(rf'id="queue-{key}"[^>]*data-count="(\d+)"', html).group(1))


def test_referral_reply_is_in_the_referrers_work_queue(client, world, db):
    login(client, world.users.analyst_nfra.email, world.password)
    assert _queue_count(client.get("/").get_data(as_text=True), "referral_replies") == 0
    services.referral_answer(world.users.analyst_pboc, world.referral_c, "已核查 / checked")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert _queue_count(html, "referral_replies") == 1
    assert f'/findings/{world.finding_c.id}#referrals' in html
    services.transition(world.users.analyst_nfra, world.finding_c, FindingStatus.CLOSED, note="已处理 / handled")
    db.session.commit()
    assert _queue_count(client.get("/").get_data(as_text=True), "referral_replies") == 0
    client.post("/logout", data={"csrf_token": page_token(client)})
    login(client, world.users.analyst_pboc.email, world.password)  # the answering agency: nothing back
    assert _queue_count(client.get("/").get_data(as_text=True), "referral_replies") == 0


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _answer(client, finding_id: int, data: bytes, name: str):
    html = client.get(f"/findings/{finding_id}").get_data(as_text=True)
    return client.post(f"/findings/{finding_id}/answer", content_type="multipart/form-data",
                       data={"csrf_token": csrf_from(html), "text": "我们的说明 / our answer",
                             "attachment": (io.BytesIO(data), name)})


def test_answer_attachments_are_allow_listed(client, world, db):
    services.open_to_institution(world.users.analyst_nfra, world.finding_a)
    filer_token = token_for(world.users.filer_a, "submit")
    db.session.commit()
    login(client, world.users.filer_a.email, world.password)
    fid = world.finding_a.id
    for data, name in ((MZ, "evil.exe"), (MZ, "evil.pdf"), (MZ, "notes.txt"), (b"PK\x03\x04junk", "a.zip"),
                       (b"<script>x</script>", "page.html")):
        resp = _answer(client, fid, data, name)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 415, name
        assert "不予接受" in html or "不被接受" in html, name
        assert "我们的说明 / our answer" in html  # the form keeps the text
    db.session.expire_all()
    assert world.finding_a.status == FindingStatus.OPEN
    api = client.post(f"/api/v1/findings/{fid}/answer", headers=bearer(filer_token),
                      data={"text": "说明 / answer", "attachment": (io.BytesIO(MZ), "evil.pdf")},
                      content_type="multipart/form-data")
    assert api.status_code == 415 and "不符" in api.get_json()["message_zh"]
    resp = _answer(client, fid, _docx(), "说明.docx")
    assert resp.status_code == 302
    db.session.expire_all()
    assert world.finding_a.status == FindingStatus.EXPLAINED


def test_sniffing_accepts_what_a_regulator_reads():
    from supervision.findings.attachments import AttachmentRefused, check_attachment

    good = {"a.pdf": b"%PDF-1.7\n...", "b.png": b"\x89PNG\r\n\x1a\n....", "c.JPG": b"\xff\xd8\xff\xe0..",
            "d.csv": "机构,数量\n甲,1\n".encode("gb18030"), "e.txt": "说明".encode(), "f.docx": _docx()}
    for name, data in good.items():
        check_attachment(io.BytesIO(data), name)
    for name, data in {"g.docm": _docx(), "h.xlsx": _docx(), "i.png": b"%PDF-1.7", "j": b"text"}.items():
        try:
            check_attachment(io.BytesIO(data), name)
        except AttachmentRefused as exc:
            assert exc.zh and exc.en
        else:
            raise AssertionError(name)
