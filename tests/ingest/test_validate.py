"""One test per validation rule (F08, F09, V01–V07, C01–C09, D01, W-*), each at its exact sheet/row/column."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.ingest.helpers import (
    CMP,
    build_cmp,
    build_dsc,
    cover_values,
    detail_row,
    product_row,
    summary_from,
    validated,
    where,
)

D = "投诉明细"
S = "投诉汇总"
COVER = "封面"


def rules(result):
    return sorted(result.issues.rules())


def test_clean_filing_has_no_issue(tmp_path):
    rows = [detail_row(), detail_row(complaint_id="CMP-0002", status="OPEN", closed_date=None, outcome=None,
                                     escalated=None),
            detail_row(complaint_id="CMP-0003", received_date=dt.date(2023, 12, 20), source="REGULATOR",
                       transfer_ref="ZB-1", business_category="B13")]
    with validated(build_cmp(tmp_path / "ok.xlsx", rows)) as result:
        assert result.ok and not list(result.issues), [i.message_en for i in result.issues]
        assert result.row_counts == {"detail": 3, "summary": 3}
        # the carried-over row took 23 days against a 15-day deadline
        assert result.derived == {"received": 2, "closed": 2, "on_time": 1, "favourable": 2, "open_end": 1,
                                  "opening": 1}


def test_f08_required_sheet_missing(tmp_path):
    with validated(build_cmp(tmp_path / "f08.xlsx", skip_sheets=("投诉汇总",))) as result:
        assert rules(result) == ["F08"] and where(result, "F08") == [(S, None, None)]


@pytest.mark.parametrize(("version", "fragment"), [(None, "no template version"), ("CMP-9", "CMP-9 is not supported"),
                                                   ("DSC-1", "DSC-1 is not supported")])
def test_f09_template_version(tmp_path, version, fragment):
    path = build_cmp(tmp_path / "f09.xlsx", cover=cover_values(template_version=version))
    with validated(path) as result:
        assert rules(result) == ["F09"] and where(result, "F09") == [(COVER, 1, "B")]
        assert fragment in result.issues.issues[0].message_en


def test_v01_required_value(tmp_path):
    with validated(build_cmp(tmp_path / "v01.xlsx", [detail_row(cause=None)])) as result:
        assert where(result, "V01") == [(D, 2, "G")]
        assert "“Cause” (cause) is required" in result.issues.issues[0].message_en


def test_v01_cover_item_missing(tmp_path):
    with validated(build_cmp(tmp_path / "v01c.xlsx", cover=cover_values(preparer=None))) as result:
        assert where(result, "V01") == [(COVER, 8, "B")]


def test_v02_unparseable(tmp_path):
    rows = [detail_row(received_date="2024-13-01"), detail_row(complaint_id="CMP-2", amount="1e3")]
    with validated(build_cmp(tmp_path / "v02.xlsx", rows, summary={})) as result:
        assert where(result, "V02") == [(D, 2, "B"), (D, 3, "M")]
        assert "2024-13-01" in result.issues.issues[0].message_en
        assert "C06: " in result.skipped[0]


def test_v03_code_not_in_list(tmp_path):
    with validated(build_cmp(tmp_path / "v03.xlsx", [detail_row(channel="A10")])) as result:
        assert rules(result) == ["V03"] and where(result, "V03") == [(D, 2, "E")]


def test_v04_duplicate_complaint_id(tmp_path):
    rows = [detail_row(), detail_row(business_category="B13")]
    with validated(build_cmp(tmp_path / "v04.xlsx", rows)) as result:
        assert rules(result) == ["V04"] and where(result, "V04") == [(D, 3, "A")]
        assert "first seen in row 2" in result.issues.issues[0].message_en


def test_v05_bad_uscc(tmp_path):
    path = build_cmp(tmp_path / "v05.xlsx", cover=cover_values(institution_code="91350100M000100Y44"))
    with validated(path) as result:
        assert where(result, "V05") == [(COVER, 2, "B")]
        assert "should be 3" in result.issues.issues[0].message_en


def test_v06_cover_differs(tmp_path):
    path = build_cmp(tmp_path / "v06.xlsx", cover=cover_values(institution_code="914403001922038216", period="2024Q2"))
    with validated(path) as result:
        assert rules(result) == ["V06"] and where(result, "V06") == [(COVER, 2, "B"), (COVER, 4, "B")]


def test_v07_missing_column_and_w_col_unknown_column(tmp_path):
    headers = [f.label_zh for f in CMP.sheet("detail").fields if f.code != "received_date"] + ["备注"]
    with validated(build_cmp(tmp_path / "v07.xlsx", headers=headers)) as result:
        assert where(result, "V07") == [(D, 1, None)]
        assert where(result, "W-COL") == [(D, 1, "U")]


def test_headers_match_codes_width_and_case(tmp_path):
    headers = [f.code.upper() if i % 2 else f"  {f.label_zh} " for i, f in enumerate(CMP.sheet("detail").fields)]
    headers[0] = "ｃｏｍｐｌａｉｎｔ＿ｉｄ"
    headers = headers[::-1]
    with validated(build_cmp(tmp_path / "hdr.xlsx", headers=headers)) as result:
        assert result.ok and not list(result.issues), [i.message_en for i in result.issues]


@pytest.mark.parametrize(("row", "column", "fragment"), [
    (detail_row(closed_date=dt.date(2024, 1, 2)), "O", "before received_date"),
    (detail_row(closed_date=dt.date(2024, 4, 2)), "O", "outside period 2024Q1"),
    (detail_row(received_date=dt.date(2024, 4, 1), status="OPEN", closed_date=None, outcome=None), "B",
     "after the period end"),
])
def test_c01_dates(tmp_path, row, column, fragment):
    with validated(build_cmp(tmp_path / "c01.xlsx", [row])) as result:
        assert where(result, "C01") == [(D, 2, column)] and fragment in result.issues.issues[0].message_en


def test_c02_status_fields(tmp_path):
    rows = [detail_row(outcome=None), detail_row(complaint_id="CMP-2", status="OPEN", outcome=None, escalated=None)]
    with validated(build_cmp(tmp_path / "c02.xlsx", rows)) as result:
        assert where(result, "C02") == [(D, 2, "Q"), (D, 3, "O")]


def test_c03_regulator_without_reference(tmp_path):
    with validated(build_cmp(tmp_path / "c03.xlsx", [detail_row(source="监管转办")])) as result:
        assert rules(result) == ["C03"] and where(result, "C03") == [(D, 2, "D")]


def test_c04_carried_over_row_closed_before_period(tmp_path):
    row = detail_row(received_date=dt.date(2023, 12, 1), closed_date=dt.date(2023, 12, 20))
    with validated(build_cmp(tmp_path / "c04.xlsx", [row], summary={"B14": {"closed": 1, "closed_on_time": 0}})) \
            as result:
        assert where(result, "C04") == [(D, 2, "O")]


def test_c05_total_row(tmp_path):
    path = build_cmp(tmp_path / "c05.xlsx", total={"received": 2, "closed": 1, "closed_on_time": 1})
    with validated(path) as result:
        assert rules(result) == ["C05"] and where(result, "C05") == [(S, 3, "B")]
        assert "Total “Received” is 2; the categories sum to 1" in result.issues.issues[0].message_en


def test_c06_summary_differs_from_detail(tmp_path):
    rows = [detail_row(), detail_row(complaint_id="CMP-2", business_category="B13")]
    summary = summary_from(rows)
    summary["B13"]["closed_on_time"] = 0
    summary["B02"] = {"received": 0}
    del summary["B14"]
    with validated(build_cmp(tmp_path / "c06.xlsx", rows, summary=summary)) as result:
        assert rules(result) == ["C06"]
        got = {(i.sheet, i.row, i.column, i.field) for i in result.issues}
        assert (S, 2, "D", "closed_on_time") in got
        assert (S, None, None, "received") in got  # B14 omitted although the detail has a row
        assert len(got) == 4  # B13 closed_on_time; B14 received, closed, closed_on_time
        assert any("B14" in i.message_en and "gives 1" in i.message_en for i in result.issues)


def test_c07_closed_after_60_days_is_a_warning(tmp_path):
    row = detail_row(received_date=dt.date(2024, 1, 2), closed_date=dt.date(2024, 3, 20), extension="EXT60")
    with validated(build_cmp(tmp_path / "c07.xlsx", [row])) as result:
        assert result.ok and where(result, "C07") == [(D, 2, "O")]
        assert "78 days" in result.issues.issues[0].message_en


def test_c08_pay_filing(tmp_path):
    path = build_cmp(tmp_path / "c08.xlsx", [detail_row(complaint_type=None)])
    with validated(path, sector="PAY") as result:
        assert where(result, "C08") == [(COVER, 7, "B"), (D, 2, "H")]
    with validated(path, sector="CF") as result:
        assert result.ok


def test_c09_repeat_of_unknown(tmp_path):
    rows = [detail_row(repeat_of="CMP-0001"), detail_row(complaint_id="CMP-2", repeat_of="CMP-0999")]
    with validated(build_cmp(tmp_path / "c09.xlsx", rows)) as result:
        assert result.ok and where(result, "C09") == [(D, 3, "T")]


def test_d01_loan_product_apr(tmp_path):
    products = [product_row(apr_max=None), product_row(product_code="P2", apr_min="30", apr_max="24"),
                product_row(product_code="P3", product_type="PREPAID", apr_min=None, apr_max=None)]
    with validated(build_dsc(tmp_path / "d01.xlsx", products), kind="DSC") as result:
        assert rules(result) == ["D01"] and where(result, "D01") == [("产品定价", 2, "E"), ("产品定价", 3, "D")]
        missing = next(i for i in result.issues if i.rule == "D01")
        # the product type by its name in each language, never the raw code
        from supervision.domain.code_names_en import CODE_NAMES_EN
        from supervision.rules.codes import CODE_LISTS

        assert CODE_LISTS["product_type"]["CONSUMER_LOAN"] in missing.message_zh
        assert CODE_NAMES_EN["product_type"]["CONSUMER_LOAN"] in missing.message_en
        assert "CONSUMER_LOAN" not in missing.message_en + missing.message_zh


def test_dsc_clean_and_v05_partner(tmp_path):
    with validated(build_dsc(tmp_path / "dsc.xlsx"), kind="DSC") as result:
        assert result.ok and not list(result.issues), [i.message_en for i in result.issues]
        assert result.row_counts == {"products": 1, "channels": 2, "partners": 1, "activities": 4}
        assert next(iter(result.rows("products")))["disclosure_channels"] == ("WEB", "APP")


def test_w_pii_masks_summary(tmp_path):
    row = detail_row(summary="客户13812345678，身份证110101199003071234，要求退款")
    with validated(build_cmp(tmp_path / "pii.xlsx", [row])) as result:
        assert result.ok and where(result, "W-PII") == [(D, 2, "U")]
        issue = result.issues.issues[0]
        assert "13812345678" not in (issue.value or "") and "2 mobile/ID" in issue.message_en
        stored = next(result.rows("detail"))["summary"]
        # text is NFKC-normalised (§3), so the full-width commas become ASCII ones
        assert stored == "客户138****5678,身份证110***********1234,要求退款"


def test_w_esc_escalated_on_open_row(tmp_path):
    row = detail_row(status="OPEN", closed_date=None, outcome=None, escalated="是")
    with validated(build_cmp(tmp_path / "esc.xlsx", [row])) as result:
        assert result.ok and where(result, "W-ESC") == [(D, 2, "S")]
        assert next(result.rows("detail"))["escalated"] is None


def test_w_name_differs_from_register(tmp_path):
    path = build_cmp(tmp_path / "name.xlsx", cover=cover_values(institution_name="别的公司"))
    with validated(path, names=["测试消费金融有限公司", "测试消金"]) as result:
        assert result.ok and where(result, "W-NAME") == [(COVER, 3, "B")]


def test_every_failure_is_collected_and_capped(tmp_path):
    rows = [detail_row(complaint_id=f"C{i}", channel="A77") for i in range(120)]
    path = build_cmp(tmp_path / "many.xlsx", rows, summary={})
    with validated(path, cap_per_rule=25) as result:
        assert result.issues.totals["V03"] == 120
        assert len([i for i in result.issues if i.rule == "V03"]) == 25
        assert result.issues.capped() == {"V03": 95}
        assert [i.row for i in result.issues if i.rule == "V03"][:3] == [2, 3, 4]


def test_long_values_are_truncated_with_a_marker(tmp_path):
    row = detail_row(complaint_id="X" * 300)
    with validated(build_cmp(tmp_path / "long.xlsx", [row])) as result:
        issue = next(i for i in result.issues if i.rule == "V02")
        assert issue.truncated and issue.value_length == 300 and "truncated, 300 chars" in issue.value


def test_summary_too_long_never_echoes_personal_data(tmp_path):
    row = detail_row(summary="手机13812345678 " + "长" * 600)
    with validated(build_cmp(tmp_path / "long.xlsx", [row])) as result:
        issue = next(i for i in result.issues if i.rule == "V02")
        assert (issue.sheet, issue.row, issue.column) == (D, 2, "U")
        assert "13812345678" not in issue.value and "138****5678" in issue.value


def test_engines_agree_on_validation(tmp_path):
    from supervision.ingest.reader import open_workbook
    from supervision.ingest.validate import validate
    from tests.ingest.helpers import END, INST, PERIOD, START

    rows = [detail_row(), detail_row(complaint_id="CMP-2", channel="bad", received_date="2024/02/01"),
            detail_row(complaint_id="CMP-3", status="OPEN", closed_date=None, outcome=None, escalated=True)]
    path = build_cmp(tmp_path / "agree.xlsx", rows, summary={})
    seen = []
    for engine in ("calamine", "stream"):
        with open_workbook(path, engine=engine) as book:
            result = validate(book, kind="CMP", institution_code=INST, period=PERIOD, period_start=START,
                              period_end=END, sector="CF")
            seen.append(([i.as_dict() for i in result.issues], list(result.rows("detail")), result.derived))
    assert seen[0] == seen[1]


def test_regulator_register(tmp_path):
    import openpyxl

    from supervision.ingest.templates import template_for

    sheet = template_for("REG").sheet("register")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "监管转办登记"
    ws.append([f.label_zh for f in sheet.fields])
    ws.append(["ZB-1", "91350100M000100Y43", dt.date(2024, 2, 1), "12378", "B14", "C13", "扣费"])
    ws.append(["ZB-1", "91350100M000100Y44", "2024-02-02", 12363, "消费贷款", "定价收费", None])
    path = tmp_path / "reg.xlsx"
    wb.save(path)
    with validated(path, kind="REG") as result:
        assert where(result, "V04") == [("监管转办登记", 3, "A")]
        assert where(result, "V05") == [("监管转办登记", 3, "B")]
        rows = list(result.rows("register"))
        assert rows[1]["hotline"] == "12363" and rows[1]["business_category"] == "B14"
