"""The one declarative definition of every template version: ``CMP-1``, ``DSC-1`` and ``REG-1`` (§4, §5, §7).

Validation, the downloadable template and the annotated workbook are all driven by these
definitions. Field codes and labels are the stable identifiers of the spec, kept verbatim.

``required`` means the value may not be empty (V01); ``column_required`` means the column must be
present (V07) even when its value is conditional (``transfer_ref``, ``closed_date``...);
``condition`` describes, for people, when a conditional field is needed (checked by C/D rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from supervision.domain.enums import FilingKind
from supervision.ingest.values import CodeList, fold
from supervision.rules.codes import CODE_LISTS, PROVINCE_ALIASES

TEXT, INTEGER, DECIMAL, DATE, BOOL, CODE, CODES, USCC = (
    "text", "integer", "decimal", "date", "bool", "code", "codes", "uscc")
TYPE_NAMES = {TEXT: ("文本", "text"), INTEGER: ("整数", "integer"), DECIMAL: ("数字", "decimal"),
              DATE: ("日期", "date"), BOOL: ("是/否", "yes/no"), CODE: ("代码", "code"),
              CODES: ("代码（可多个）", "codes"), USCC: ("统一社会信用代码", "USCC")}

#: Code lists with their lookups (code or Chinese name; provinces also by full official name).
CODELISTS: dict[str, CodeList] = {
    name: CodeList(name, codes, PROVINCE_ALIASES if name == "province" else None)
    for name, codes in CODE_LISTS.items()
}

TOTAL_LABEL = "合计"
#: The summary sheet's category column: the business categories plus ``TOTAL`` 合计 for the total row.
CODELISTS["summary_category"] = CodeList("summary_category", {**CODE_LISTS["business_category"],
                                                               "TOTAL": TOTAL_LABEL})


@dataclass(frozen=True)
class Field:
    """One field of a sheet: code, labels, type and rules of presence."""

    code: str
    label_zh: str
    label_en: str
    type: str = TEXT
    required: bool = False
    code_list: str | None = None
    max_length: int | None = None
    help_zh: str = ""
    help_en: str = ""
    condition: str | None = None
    column_required: bool | None = None
    unique: bool = False
    minimum: int | None = 0
    width: int = 14

    @property
    def needs_column(self) -> bool:
        """True when a missing column is blocking (V07)."""
        return self.required if self.column_required is None else self.column_required

    @property
    def codes(self) -> CodeList | None:
        """The field's code list lookup, if it is a code field."""
        return CODELISTS[self.code_list] if self.code_list else None


@dataclass(frozen=True)
class Sheet:
    """One sheet: its Chinese name, layout (``cover`` label/value rows or ``table``) and fields."""

    code: str
    name: str
    name_en: str
    layout: str
    fields: tuple[Field, ...]
    required: bool = True
    _index: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Index the fields by folded label and code for header matching."""
        for f in self.fields:
            self._index.setdefault(fold(f.label_zh), f)
            self._index.setdefault(fold(f.code), f)

    def match(self, header: object) -> Field | None:
        """Return the field a header (or cover label) names: Chinese label or code, NFKC + case-folded."""
        if header is None:
            return None
        return self._index.get(fold(str(header)))

    def get_field(self, code: str) -> Field:
        """Return the field with ``code``."""
        for f in self.fields:
            if f.code == code:
                return f
        raise KeyError(code)


@dataclass(frozen=True)
class Template:
    """One template version: kind, version and sheets in workbook order."""

    version: str
    kind: str
    title_zh: str
    title_en: str
    sheets: tuple[Sheet, ...]

    def sheet(self, code: str) -> Sheet:
        """Return the sheet with ``code`` (``cover``, ``detail``, ...)."""
        for s in self.sheets:
            if s.code == code:
                return s
        raise KeyError(code)


def F(code: str, zh: str, en: str, type: str = TEXT, **kw) -> Field:
    """Shorthand constructor for :class:`Field`."""
    if type in (CODE, CODES) and "code_list" not in kw:
        kw["code_list"] = code
    return Field(code, zh, en, type, **kw)


def _cover(kind: str) -> Sheet:
    cmp_ = kind == FilingKind.CMP
    return Sheet("cover", "封面", "Cover", "cover", (
        F("template_version", "模板版本", "Template version", required=True, help_zh=f"固定为 {kind}-1",
          help_en=f"always {kind}-1"),
        F("institution_code", "机构代码", "Institution code", USCC, required=True, width=22,
          help_zh="统一社会信用代码，须为本机构", help_en="USCC of the uploading institution"),
        F("institution_name", "机构名称", "Institution name", required=True, max_length=200, width=30),
        F("period", "报送期", "Period", required=True, help_zh="如 2024Q1，须为本次报送期", help_en="e.g. 2024Q1"),
        F("active_customers", "期末有效客户数", "Active customers at period end", INTEGER, required=cmp_,
          help_zh="期末有账户/合同有效的客户数", help_en="customers with an active account or contract"),
        F("business_volume", "业务规模(亿元)", "Business volume (100 million yuan)", DECIMAL, required=cmp_,
          help_zh="PAY 本期交易额；CF/BANK/AUTO 期末贷款余额；INS 本期保费收入",
          help_en="PAY transaction value; CF/BANK/AUTO loan balance; INS premium income"),
        F("transactions", "交易笔数", "Transactions", INTEGER, condition="PAY 必填 / required for PAY",
          help_zh="支付机构必填（本期交易笔数）", help_en="required for PAY (transactions in the period)"),
        F("preparer", "填报人", "Preparer", required=True, max_length=100),
        F("phone", "联系电话", "Phone", required=True, max_length=50),
    ))


_CMP_DETAIL = Sheet("detail", "投诉明细", "Complaint detail", "table", (
    F("complaint_id", "投诉编号", "Complaint ID", required=True, max_length=64, unique=True, width=20,
      help_zh="报送内唯一，跨期稳定", help_en="unique in the filing, stable across periods"),
    F("received_date", "受理日期", "Received date", DATE, required=True, width=12, help_zh="不晚于期末"),
    F("source", "投诉来源", "Source", CODE, required=True),
    F("transfer_ref", "转办单号", "Transfer reference", max_length=64, column_required=True,
      condition="source = REGULATOR", help_zh="来源为监管转办时必填", help_en="required when source = REGULATOR"),
    F("channel", "业务办理渠道", "Business channel", CODE, required=True, width=18),
    F("business_category", "业务类别", "Business category", CODE, required=True),
    F("cause", "投诉原因", "Cause", CODE, required=True, width=20),
    F("complaint_type", "投诉类型", "Complaint type", CODE, condition="PAY 必填 / required for PAY",
      help_zh="支付机构必填", help_en="required for PAY"),
    F("transactions_involved", "涉及交易笔数", "Transactions involved", INTEGER, condition="complaint_type = TXN",
      help_zh="仅交易类（TXN）填写", help_en="TXN rows only"),
    F("product_code", "产品编号", "Product code", max_length=64, help_zh="应与信息披露报表的产品编号一致"),
    F("province", "投诉人所在地", "Complainant province", CODE, required=True, help_zh="省级代码或名称"),
    F("customer_group", "特殊群体", "Special group", CODE, required=True),
    F("amount", "涉及金额(元)", "Amount (yuan)", DECIMAL),
    F("status", "处理状态", "Status", CODE, required=True),
    F("closed_date", "办结日期", "Closed date", DATE, column_required=True, width=12, condition="status = CLOSED",
      help_zh="已办结必填，处理中不填", help_en="required iff CLOSED"),
    F("extension", "延期情况", "Extension", CODE, required=True, help_zh="NONE 15 日 / EXT30 / EXT60"),
    F("outcome", "处理结果", "Outcome", CODE, column_required=True, condition="status = CLOSED",
      help_zh="已办结必填，处理中不填", help_en="required iff CLOSED"),
    F("redress", "赔付金额(元)", "Redress (yuan)", DECIMAL),
    F("escalated", "是否升级投诉", "Escalated", BOOL, condition="status = CLOSED",
      help_zh="仅已办结投诉填写", help_en="CLOSED rows only"),
    F("repeat_of", "重复投诉关联编号", "Repeat of", max_length=64, help_zh="所重复的此前投诉的投诉编号"),
    F("summary", "投诉摘要", "Summary", max_length=500, width=40, help_zh="不超过 500 字；手机号、身份证号会被脱敏"),
))

_SUMMARY_COLUMNS = ("received", "closed", "closed_on_time", "open_end", "regulator_transferred")
_CMP_SUMMARY = Sheet("summary", "投诉汇总", "Complaint summary", "table", (
    F("business_category", "业务类别", "Business category", CODE, required=True, unique=True,
      code_list="summary_category",
      help_zh="每个业务类别一行，另加“合计”行", help_en="one row per category plus a 合计 total row"),
    F("received", "本期受理", "Received", INTEGER, required=True, help_zh="不含上期结转"),
    F("closed", "本期办结", "Closed", INTEGER, required=True, help_zh="含上期结转"),
    F("closed_on_time", "按时办结", "Closed on time", INTEGER, required=True),
    F("open_end", "期末未办结", "Open at period end", INTEGER, required=True),
    F("regulator_transferred", "监管转办", "Regulator-transferred", INTEGER, required=True),
))

_DSC_PRODUCTS = Sheet("products", "产品定价", "Product pricing", "table", (
    F("product_code", "产品编号", "Product code", required=True, unique=True, max_length=64),
    F("product_name", "产品名称", "Product name", required=True, max_length=200, width=24),
    F("product_type", "产品类型", "Product type", CODE, required=True),
    F("apr_min", "最低年化利率(%)", "Minimum APR (%)", DECIMAL, help_zh="含全部费用的年化利率，18.25 表示 18.25%"),
    F("apr_max", "最高年化利率(%)", "Maximum APR (%)", DECIMAL, condition="CONSUMER_LOAN / CREDIT_PAY",
      help_zh="消费贷款、信用支付必填（综合融资成本）", help_en="required for CONSUMER_LOAN and CREDIT_PAY"),
    F("fee_items", "收费项目", "Fee items", max_length=500, width=24),
    F("auto_deduction", "是否自动扣费", "Auto-deduction", BOOL, required=True),
    F("deduction_notice", "扣费前提醒", "Notice before deduction", BOOL),
    F("disclosure_channels", "披露渠道", "Disclosure channels", CODES, required=True, code_list="disclosure_channel",
      help_zh="可多个，用“,”或“、”分隔", help_en="one or more, separated by , or 、"),
    F("disclosure_url", "披露网址", "Disclosure URL", max_length=500, width=30),
    F("status", "状态", "Status", CODE, required=True, code_list="product_status"),
))
_DSC_CHANNELS = Sheet("channels", "投诉渠道", "Complaint channels", "table", (
    F("channel_type", "渠道类型", "Channel type", CODE, required=True, code_list="complaint_channel_type"),
    F("contact", "联系方式", "Contact", required=True, max_length=200, width=24),
    F("service_hours", "服务时间", "Service hours", max_length=100),
    F("accessible", "无障碍支持", "Accessible", BOOL, required=True),
    F("elderly_friendly", "适老化", "Elderly-friendly", BOOL, required=True),
))
_DSC_PARTNERS = Sheet("partners", "合作机构", "Partners", "table", (
    F("partner_type", "合作类型", "Partner type", CODE, required=True),
    F("partner_name", "机构名称", "Partner name", required=True, max_length=200, width=24),
    F("partner_code", "统一社会信用代码", "Partner USCC", USCC, required=True, width=22),
    F("contract_start", "合作开始", "Contract start", DATE, required=True, width=12),
    F("contract_end", "合作结束", "Contract end", DATE, width=12),
    F("published", "是否已公示", "Published", BOOL, required=True),
))
_DSC_ACTIVITIES = Sheet("activities", "消保工作", "Consumer-protection work", "table", (
    F("item", "项目", "Item", CODE, required=True, unique=True, code_list="activity_item", width=24),
    F("value", "数值", "Value", INTEGER, required=True),
))

_REG_SHEET = Sheet("register", "监管转办登记", "Regulator register", "table", (
    F("transfer_ref", "转办单号", "Transfer reference", required=True, unique=True, max_length=64),
    F("institution_code", "机构代码", "Institution code", USCC, required=True, width=22),
    F("transferred_date", "转办日期", "Transferred date", DATE, required=True, width=12),
    F("hotline", "来源热线", "Hotline", CODE, required=True),
    F("business_category", "业务类别", "Business category", CODE, required=True),
    F("cause", "投诉原因", "Cause", CODE, required=True),
    F("summary", "投诉摘要", "Summary", max_length=500, width=40),
))

TEMPLATES: dict[str, Template] = {
    "CMP-1": Template("CMP-1", FilingKind.CMP, "投诉数据报表", "Complaint filing",
                      (_cover(FilingKind.CMP), _CMP_DETAIL, _CMP_SUMMARY)),
    "DSC-1": Template("DSC-1", FilingKind.DSC, "信息披露报表", "Disclosure filing",
                      (_cover(FilingKind.DSC), _DSC_PRODUCTS, _DSC_CHANNELS, _DSC_PARTNERS, _DSC_ACTIVITIES)),
    "REG-1": Template("REG-1", "REG", "监管转办登记", "Regulator register", (_REG_SHEET,)),
}
#: Template versions accepted for each filing kind (first = the one generated for download).
SUPPORTED: dict[str, tuple[str, ...]] = {FilingKind.CMP: ("CMP-1",), FilingKind.DSC: ("DSC-1",), "REG": ("REG-1",)}
SUMMARY_COLUMNS = _SUMMARY_COLUMNS


def template_for(kind: str) -> Template:
    """Return the current template of filing ``kind`` (``CMP``, ``DSC`` or ``REG``)."""
    return TEMPLATES[SUPPORTED[kind][0]]
