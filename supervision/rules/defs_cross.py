"""Rule data for cross-checks: periods (P), register (X), disclosure (D), sector statistics (S), timeliness (T),
handling speed (O, spec §10.3).

Only ``D01`` is checked at ingest (blocking); the findings are produced by the cross-check jobs.
Assembled by :mod:`supervision.rules.catalog`.
"""

from __future__ import annotations

from supervision.domain.enums import FindingLevel
from supervision.rules.catalog import BLOCKING, FINDING, Rule, Variant

HIGH, MEDIUM, LOW = FindingLevel.HIGH, FindingLevel.MEDIUM, FindingLevel.LOW


def _finding(rid: str, level: str | None, levels: tuple[str, ...], title: tuple[str, str],
             desc: tuple[str, str], msg: tuple[str, str], **variants: tuple[str, str]) -> Rule:
    return Rule(rid, FINDING, level, levels, title[0], title[1], desc[0], desc[1], msg[0], msg[1],
                tuple(Variant(k, zh, en) for k, (zh, en) in variants.items()))


RULES = (
    _finding("P01", MEDIUM, (MEDIUM,), ("结转投诉与上期不符", "Carried-over rows differ from the previous period"),
             ("上期结转的投诉应等于上一期已受理投诉报表中期末处理中（OPEN）的投诉。",
              "Carried-over rows must equal the rows still open in the previous accepted complaint filing."),
             ("期初结转投诉与上期期末未办结投诉不一致：缺少 {missing}；多出 {extra}",
              "Carried-over rows differ from the previous period's open rows: missing {missing}; extra {extra}")),
    _finding("P02", LOW, (LOW,), ("投诉受理日期前后不一致", "Complaint ID reappears with another received date"),
             ("同一投诉编号在不同报送中的受理日期不同。", "A complaint ID reappears with a different received date."),
             ("投诉编号 {complaint_id} 的受理日期 {received_date} 与此前报送的 {previous_date} 不同",
              "Complaint ID {complaint_id} has received date {received_date}, previously {previous_date}")),
    _finding("P03", HIGH, (HIGH,), ("受理量骤降（可能少报）", "Received fell sharply (possible under-reporting)"),
             ("本期受理量较上期下降超过 50%，而期末有效客户数下降不到 10%（或上升）。",
              "Complaints received fell by more than 50 % from the previous period while active customers fell by "
              "less than 10 % (or rose)."),
             ("本期受理 {received} 件，较上期 {previous} 件下降 {drop}%，而有效客户数仅下降 {customer_drop}%",
              "Complaints received {received}, down {drop} % from {previous}, while active customers fell only "
              "{customer_drop} %"),
             customers_rose=("本期受理 {received} 件，较上期 {previous} 件下降 {drop}%，而有效客户数反而上升 "
                             "{customer_rise}%",
                             "Complaints received {received}, down {drop} % from {previous}, while active customers "
                             "rose {customer_rise} %"),
             customers_same=("本期受理 {received} 件，较上期 {previous} 件下降 {drop}%，而有效客户数与上期持平",
                             "Complaints received {received}, down {drop} % from {previous}, while active customers "
                             "are unchanged")),
    _finding("X01", HIGH, (HIGH,), ("监管转办投诉未报送", "Regulator-transferred complaint missing"),
             ("监管转办登记中本机构本期的转办投诉未出现在投诉明细中。",
              "A complaint in the regulator register for this institution and period is missing from the "
              "detail sheet."),
             ("监管转办单 {transfer_ref}（{transferred_date}）未出现在投诉明细中",
              "Regulator transfer {transfer_ref} ({transferred_date}) is missing from the detail sheet")),
    _finding("X02", LOW, (LOW,), ("转办单号不在登记中", "Transfer reference not in the register"),
             ("来源为监管转办的投诉，其转办单号不在监管转办登记中。",
              "A regulator-transferred row's transfer reference is not in the regulator register."),
             ("转办单号 {transfer_ref} 不在监管转办登记中",
              "Transfer reference {transfer_ref} is not in the register")),
    Rule("D01", BLOCKING, None, (), "贷款类产品利率缺失或矛盾", "Loan product APR missing or inconsistent",
         "消费贷款、信用支付产品须填写最高年化利率，且最低年化利率不得高于最高年化利率。",
         "Consumer-loan and credit-payment products need a maximum APR, and the minimum APR may not exceed it.",
         "产品 {product_code} 为{product_type_name}，缺少最高年化利率",
         "Product {product_code} ({product_type_name_en}) has no maximum APR",
         (Variant("min_gt_max", "产品 {product_code} 最低年化利率 {apr_min}% 高于最高年化利率 {apr_max}%",
                  "Product {product_code}: minimum APR {apr_min} % is above the maximum APR {apr_max} %"),)),
    _finding("D02", HIGH, (HIGH,), ("年化利率超过上限", "APR above the cap"),
             ("最高年化利率（综合融资成本）超过 24%（可配置）。",
              "The maximum APR (comprehensive financing cost) exceeds 24 % (configurable)."),
             ("产品 {product_code} 最高年化利率 {apr_max}% 超过综合融资成本上限 {cap}%",
              "Product {product_code}: maximum APR {apr_max} % exceeds the financing-cost cap of {cap} %")),
    _finding("D03", MEDIUM, (MEDIUM,), ("自动扣费无提醒", "Auto-deduction without notice"),
             ("自动扣费的产品未设置扣费前提醒。", "A product with automatic deduction has no notice before deduction."),
             ("产品 {product_code} 自动扣费，但未设置扣费前提醒",
              "Product {product_code} deducts automatically without a prior notice")),
    _finding("D04", MEDIUM, (MEDIUM,), ("催收机构未公示", "Collection partner not published"),
             ("合作类型为催收机构（COLLECTION）的合作机构未公示。", "A debt-collection partner is not published."),
             ("催收合作机构 {partner_name}（{partner_code}）未公示",
              "Collection partner {partner_name} ({partner_code}) is not published")),
    _finding("D05", LOW, (LOW,), ("投诉渠道不完善", "Complaint channels incomplete"),
             ("没有支持无障碍的投诉渠道，或没有投诉热线（HOTLINE）。",
              "No complaint channel is marked accessible, or there is no complaint hotline."),
             ("没有任何投诉渠道支持无障碍", "No complaint channel is marked accessible"),
             no_hotline=("未提供投诉热线（HOTLINE）", "No complaint hotline is given")),
    _finding("D06", MEDIUM, (MEDIUM,), ("投诉产品未披露", "Complained-about product not disclosed"),
             ("投诉明细引用的产品编号不在同期信息披露报表中。",
              "Complaints cite a product code absent from the same period's disclosure filing."),
             ("{count} 件投诉引用的产品编号 {product_code} 未在本期信息披露报表中披露",
              "{count} complaint(s) cite product code {product_code}, absent from this period's disclosure filing")),
    _finding("D07", HIGH, (HIGH,), ("自动扣费投诉与披露矛盾", "Auto-deduction complaints contradict disclosure"),
             ("原因为自动扣费与代扣（C13）的投诉涉及披露为不自动扣费的产品。",
              "Complaints with cause C13 (auto-deduction) concern a product disclosed without automatic deduction."),
             ("{count} 件自动扣费与代扣（C13）投诉涉及产品 {product_code}，而该产品披露为不自动扣费",
              "{count} auto-deduction (C13) complaint(s) concern product {product_code}, disclosed as not "
              "auto-deducting")),
    _finding("S01", HIGH, (HIGH,), ("万人投诉量异常偏高", "Complaints per 10k customers: high outlier"),
             ("万人投诉量在同业中为高异常值：修正 z 分数 0.6745·(x − 中位数)/MAD > 3.5（n ≥ 5，MAD > 0）。",
              "Complaints per 10k customers is a high outlier in the sector: modified z-score "
              "0.6745·(x − median)/MAD > 3.5 (n ≥ 5, MAD > 0)."),
             ("万人投诉量 {value} 为同业高异常值（修正 z 分数 {z}，中位数 {median}，n = {n}）",
              "Complaints per 10k customers {value} is a high outlier (modified z-score {z}, median {median}, "
              "n = {n})")),
    _finding("S02", MEDIUM, (MEDIUM,), ("万人投诉量异常偏低", "Complaints per 10k customers: low outlier"),
             ("万人投诉量在同业中为低异常值（修正 z 分数 < −3.5）：可能少报。",
              "Complaints per 10k customers is a low outlier in the sector (modified z-score < −3.5): "
              "possible under-reporting."),
             ("万人投诉量 {value} 为同业低异常值（修正 z 分数 {z}，中位数 {median}，n = {n}），可能少报",
              "Complaints per 10k customers {value} is a low outlier (modified z-score {z}, median {median}, "
              "n = {n}): possible under-reporting")),
    _finding("S03", MEDIUM, (MEDIUM,), ("按时办结率异常偏低", "On-time rate: low outlier"),
             ("按时办结率在同业中为低异常值（修正 z 分数 < −3.5）。",
              "The on-time rate is a low outlier in the sector (modified z-score < −3.5)."),
             ("按时办结率 {value}% 为同业低异常值（修正 z 分数 {z}，中位数 {median}%，n = {n}）",
              "On-time rate {value} % is a low outlier (modified z-score {z}, median {median} %, n = {n})")),
    _finding("T01", None, (LOW, MEDIUM), ("逾期报送或未报送", "Filing late or missing"),
             ("报表晚于截止时间报送（低），或截止时仍未报送（中）。",
              "The filing arrived after the due date (low), or was missing at the due date (medium)."),
             ("{kind} 报表于 {received_at} 报送，晚于截止时间 {due}",
              "The {kind} filing arrived at {received_at}, after the due date {due}"),
             missing=("截至 {due}，{period} 的 {kind} 报表仍未报送",
                      "The {kind} filing for {period} was missing at {due}")),
    _finding("O01", MEDIUM, (MEDIUM,), ("期末超期未办结投诉", "Complaints open past their deadline"),
             ("期末仍为处理中（OPEN）的投诉，其受理日期加办理时限（按延期情况 15/30/60 个自然日）早于期末日期"
              "（含上期结转的投诉）。",
              "Rows still open at period end whose received date + deadline (15/30/60 calendar days by extension) is "
              "before the period end date, carried-over rows included."),
             ("截至期末 {period_end}，{count} 件投诉已超过办理时限仍未办结：{ids}",
              "Complaints still open past their deadline at the period end {period_end}: {count} ({ids})")),
)

#: The finding level of each T01 variant.
T01_LEVELS = {None: LOW, "missing": MEDIUM}
