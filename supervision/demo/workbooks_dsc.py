"""Generated disclosure filings (``DSC-1``, spec §5) for the demo.

Products, channels and partners are stable per institution (from its seed); what a regulator's
checks look for varies by period: occasionally a product auto-deducts without notice (finding
D03), a collection agency is not published (D04) or no complaint channel is accessible (D05). Some
institutions keep a product priced above the 24 % cap (D02) in every period. Partner names and
USCCs are *generated* (valid check character, not real companies' codes).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from supervision.demo.workbooks_profile import InstitutionProfile, log_uniform, money, rng_for, sample_distinct
from supervision.domain.calendar import QuarterPeriod, parse_period
from supervision.domain.uscc import generate_uscc

#: Product-code prefix per product type (codes are prefix + 3 digits, e.g. ``XFD001``).
PRODUCT_PREFIX = {"CONSUMER_LOAN": "XFD", "CREDIT_PAY": "XYF", "PAYMENT_SERVICE": "ZFF", "PREPAID": "YFK"}
#: Codes from this number on are never disclosed: CMP rows citing them raise finding D06.
LEGACY_NUMBER = 900
AREA_CODES = {"11": "010", "12": "022", "31": "021", "32": "025", "33": "0571", "35": "0591", "37": "0531",
              "42": "027", "43": "0731", "44": "020", "50": "023", "51": "028", "61": "029", "46": "0898"}
CITIES = {"11": "北京", "12": "天津", "31": "上海", "32": "南京", "33": "杭州", "35": "福州", "37": "济南",
          "42": "武汉", "43": "长沙", "44": "广州", "50": "重庆", "51": "成都", "61": "西安", "46": "海口"}
_WORDS = ("恒信", "融通", "安达", "汇诚", "信达", "正源", "泰和", "启明", "博远", "佳合", "中诚", "鼎盛", "瑞丰",
          "华永", "德润", "金桥", "嘉禾", "远航")
_SUFFIXES = {"COLLECTION": ("信息咨询服务有限公司", "商务咨询有限公司", "企业管理咨询有限公司"),
             "GUARANTEE": ("融资担保有限公司", "财产保险股份有限公司"),
             "PLATFORM": ("网络科技有限公司", "信息技术有限公司", "数字科技有限公司")}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲"
_CUT = re.compile(r"消费金融|（|\(|网络|科技|支付|电子|信息|有限|股份|商务")


@dataclass
class DscFiling:
    """One generated ``DSC-1`` filing: cover values and the rows of its four table sheets.

    Rows are dicts keyed by the field codes of ``supervision.ingest.templates`` (``products``,
    ``channels``, ``partners``, ``activities`` sheets); booleans are ``bool`` (``None`` = empty),
    dates ``datetime.date``, rates and money ``Decimal``; ``disclosure_channels`` is written as
    the filer would, e.g. ``官网、App``.
    """

    profile: InstitutionProfile
    period: QuarterPeriod
    cover: dict[str, object]
    products: list[dict[str, object]] = field(default_factory=list)
    channels: list[dict[str, object]] = field(default_factory=list)
    partners: list[dict[str, object]] = field(default_factory=list)
    activities: list[dict[str, object]] = field(default_factory=list)


def short_name(name: str) -> str:
    """A short brand name from a legal name (``招联消费金融股份有限公司`` → ``招联``)."""
    base = re.sub(r"^.{2,3}?[省市](?=.{2,})", "", name)
    m = _CUT.search(base, 2)
    return base[: m.start()] if m else base[:4]


def cover_values(profile: InstitutionProfile, period: QuarterPeriod, kind: str) -> dict[str, object]:
    """The cover values of a ``kind`` (``CMP``/``DSC``) filing, keyed by cover field code."""
    r = rng_for("preparer", profile.seed)
    preparer = r.choice(_SURNAMES) + "".join(r.choice(_GIVEN) for _ in range(r.randint(1, 2)))
    area = AREA_CODES.get(profile.home_province, "0" + str(r.randint(310, 998)))
    return {"template_version": f"{kind}-1", "institution_code": profile.code, "institution_name": profile.name,
            "period": period.code, "active_customers": profile.active_customers,
            "business_volume": profile.business_volume, "transactions": profile.transactions,
            "preparer": preparer, "phone": f"{area}-{r.randint(50_000_000, 89_999_999)}"}


def products_for(profile: InstitutionProfile) -> list[dict[str, object]]:
    """The institution's products, stable across periods (codes are what CMP rows cite)."""
    r = rng_for("products", profile.seed, profile.code)
    brand = short_name(profile.name)
    slug = f"https://inst{profile.code[-6:].lower()}.demo.cn/xxpl"
    channels = r.choice(("官网、App", "官网、App", "官网、App、公众号"))
    out: list[dict[str, object]] = []

    def add(kind: str, name: str, apr: tuple[float, float] | None, fees: str, auto: bool) -> None:
        number = 1 + sum(1 for p in out if p["product_type"] == kind)
        code = f"{PRODUCT_PREFIX[kind]}{number:03d}"
        out.append({"product_code": code, "product_name": name, "product_type": kind,
                    "apr_min": money(apr[0]) if apr else None, "apr_max": money(apr[1]) if apr else None,
                    "fee_items": fees, "auto_deduction": auto, "deduction_notice": True if auto else None,
                    "disclosure_channels": channels, "disclosure_url": f"{slug}/{code}", "status": "ON_SALE"})

    def loan_apr(cap_breach: bool) -> tuple[float, float]:
        low = r.uniform(7.2, 14.0)
        high = r.uniform(24.5, 35.9) if cap_breach else r.uniform(max(low + 3, 18.0), 23.9)
        return low, high

    if profile.sector == "CF":
        breach = r.random() < 0.25
        names = sample_distinct(r, ("循环贷", "分期贷", "商品分期", "信用贷", "安心借", "装修分期", "教育分期"),
                                r.randint(2, 4))
        for i, suffix in enumerate(names):
            fees = r.choice(("利息", "利息、逾期罚息", "利息、提前还款手续费、逾期罚息", "利息、会员服务费、逾期罚息"))
            add("CONSUMER_LOAN", brand + suffix, loan_apr(breach and i == len(names) - 1), fees, True)
    else:
        for suffix in sample_distinct(r, ("网络支付服务", "快捷支付", "扫码支付"), r.randint(1, 2)):
            add("PAYMENT_SERVICE", brand + suffix, None,
                r.choice(("提现手续费0.1%（单笔最低0.1元）", "商户收单手续费0.38%–0.6%", "个人用户免费")), True)
        if r.random() < 0.7:
            add("CREDIT_PAY", brand + r.choice(("先享后付", "信用付", "月付")), loan_apr(r.random() < 0.12),
                "分期手续费、逾期费", True)
        if r.random() < 0.6:
            add("PREPAID", brand + "预付卡", None, r.choice(("无", "超期管理费（按月收取）")), False)
    if len(out) > 2 and r.random() < 0.25:
        out[-1]["status"] = "DISCONTINUED"
    return out


def legacy_code(profile: InstitutionProfile) -> str:
    """A product code the institution's CMP rows may cite but its DSC never discloses (finding D06)."""
    kind = "CONSUMER_LOAN" if profile.sector == "CF" else "PAYMENT_SERVICE"
    return f"{PRODUCT_PREFIX[kind]}{LEGACY_NUMBER + rng_for('legacy', profile.seed).randint(1, 99):03d}"


def _channels(profile: InstitutionProfile, r) -> list[dict[str, object]]:
    brand, slug = short_name(profile.name), profile.code[-6:].lower()
    hotline = r.choice((f"400-{r.randint(600, 999)}-{r.randint(1000, 9999)}", f"95{r.randint(100, 999)}"))
    rows = [{"channel_type": "HOTLINE", "contact": hotline, "service_hours": r.choice(("7×24小时", "09:00-21:00")),
             "accessible": r.random() < 0.5, "elderly_friendly": True},
            {"channel_type": "ONLINE", "contact": r.choice(("App在线客服", "官网在线客服")),
             "service_hours": "7×24小时", "accessible": True, "elderly_friendly": r.random() < 0.5}]
    extra = {"APP": (f"{brand}App“我的-客服与帮助”", "7×24小时"), "WECHAT": (f"微信公众号“{brand}”", "09:00-21:00"),
             "EMAIL": (f"service@inst{slug}.demo.cn", "工作日 09:00-18:00"),
             "LETTER": (f"{CITIES.get(profile.home_province, '北京')}市客户服务中心收", "—")}
    for kind in sample_distinct(r, list(extra), r.randint(1, 3)):
        contact, hours = extra[kind]
        rows.append({"channel_type": kind, "contact": contact, "service_hours": hours,
                     "accessible": kind in ("APP", "WECHAT") and r.random() < 0.6,
                     "elderly_friendly": kind != "EMAIL" and r.random() < 0.5})
    return rows


def _partners(profile: InstitutionProfile, period: QuarterPeriod) -> list[dict[str, object]]:
    r = rng_for("partners", profile.seed, profile.code)
    has_credit = any(p["product_type"] == "CREDIT_PAY" for p in products_for(profile))
    if profile.sector == "CF":
        counts = {"COLLECTION": r.randint(2, 5), "GUARANTEE": r.randint(1, 2), "PLATFORM": r.randint(1, 4)}
    else:
        counts = {"COLLECTION": int(has_credit and r.random() < 0.5), "GUARANTEE": int(has_credit),
                  "PLATFORM": r.randint(0, 2)}
    provinces = [profile.home_province, "44", "31", "11", "33", "51", "42"]
    rows, serial = [], 0
    for kind, count in counts.items():
        for _ in range(count):
            serial += 1
            province = r.choice(provinces)
            start = dt.date(2019, 1, 1) + dt.timedelta(days=r.randint(0, 5 * 365))
            end = None
            if r.random() < 0.5:
                end = start.replace(year=start.year + r.randint(2, 4), day=min(start.day, 28))
                while end < period.end:  # renewed automatically for two more years
                    end = end.replace(year=end.year + 2)
            if start > period.start:
                start = period.start - dt.timedelta(days=30 + serial)
            rows.append({"partner_type": kind,
                         "partner_name": CITIES.get(province, "北京") + r.choice(_WORDS) + r.choice(_SUFFIXES[kind]),
                         "partner_code": generate_uscc(10_000_000 + profile.seed * 100 + serial, province),
                         "contract_start": start, "contract_end": end, "published": True})
    return rows


def _activities(profile: InstitutionProfile, r) -> list[dict[str, object]]:
    events = r.randint(5, 150)
    reach = round(events * log_uniform(r, 100, 20_000))
    return [{"item": "education_events", "value": events}, {"item": "education_reach", "value": reach},
            {"item": "accessibility_improvements", "value": r.randint(0, 12)},
            {"item": "vulnerable_services", "value": r.randint(0, 8)}]


def generate_dsc(profile: InstitutionProfile, period_code: str) -> DscFiling:
    """Generate the ``DSC-1`` filing of ``profile`` for ``period_code``, deterministic from the seed.

    Per period, with small probabilities: one auto-deducting product without notice (D03), one
    collection agency not published (D04, ``CF``), no complaint channel accessible (D05).
    """
    period = parse_period(period_code)
    r = rng_for("dsc", profile.seed, profile.code, period.code)
    products = products_for(profile)
    if r.random() < 0.15:
        auto = [p for p in products if p["auto_deduction"]]
        if auto:
            r.choice(auto)["deduction_notice"] = False
    channels = _channels(profile, rng_for("channels", profile.seed, profile.code))
    if r.random() < 0.1:
        for c in channels:
            c["accessible"] = False
    elif not any(c["accessible"] for c in channels):
        channels[1]["accessible"] = True
    partners = _partners(profile, period)
    collectors = [p for p in partners if p["partner_type"] == "COLLECTION"]
    if collectors and r.random() < 0.15:
        r.choice(collectors)["published"] = False
    return DscFiling(profile, period, cover_values(profile, period, "DSC"), products, channels, partners,
                     _activities(profile, r))
