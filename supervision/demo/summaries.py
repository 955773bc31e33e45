"""Generated complaint summaries (投诉摘要) for the demo filings: templates × slots, pure and seeded.

A summary is built from the row's codes (spec §4.2, §4.5): who complained (by ``customer_group``),
where the business was done (``channel``), what it concerned (``business_category``), what went wrong
(``cause``), what the complainant asks for, and optional details (a date, the amount, an earlier
contact, a regulator transfer, a repeat). Every slot has several fragments and there are several
sentence skeletons, so the summaries of one quarter read like different people wrote them; no real
complaint text is copied (real texts may be used instead, see :func:`supervision.demo.workbooks.load_texts`).

**Topics (spec §10.2).** Each fragment is tagged with the lexicon topics whose terms it contains
(``T_COLLECTION_ABUSE`` 暴力催收, ``T_AUTO_DEDUCTION`` 自动扣费, …; untagged fragments contain no
lexicon term). ``topic_weights`` (topic code → factor, default 1) scale the draw of every tagged
fragment by the product of its topics' factors, and :func:`cause_weights` / :func:`category_weights`
scale the draw of causes and categories by the expected factor of their fragments, so a caller can
make one institution's quarter mention a topic far more (factor 6) or never (factor 0). With no
weights every draw is exactly the unweighted one.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

COLLECTION = "T_COLLECTION_ABUSE"
AUTO_DEDUCTION = "T_AUTO_DEDUCTION"
HIDDEN_FEES = "T_HIDDEN_FEES"
CREDIT_REPORT = "T_CREDIT_REPORT"
EARLY_REPAYMENT = "T_EARLY_REPAYMENT"
MIS_SELLING = "T_MIS_SELLING"
FROZEN = "T_ACCOUNT_FROZEN"
FRAUD = "T_FRAUD"
PRIVACY = "T_PRIVACY"
SERVICE = "T_SERVICE_ACCESS"
REFUND = "T_REFUND"
#: The §10.2 lexicon topic codes the fragments are tagged with.
TOPICS = (COLLECTION, AUTO_DEDUCTION, HIDDEN_FEES, CREDIT_REPORT, EARLY_REPAYMENT, MIS_SELLING, FROZEN, FRAUD,
          PRIVACY, SERVICE, REFUND)

TopicWeights = Mapping[str, float]


@dataclass(frozen=True)
class Fragment:
    """A piece of a summary: text (may hold ``{amount}``, ``{fee}``, ``{age}``), topics, base weight."""

    text: str
    topics: frozenset[str] = frozenset()
    weight: float = 1.0


def _f(text: str, *topics: str, weight: float = 1.0) -> Fragment:
    return Fragment(text, frozenset(topics), weight)


#: Who complained, by ``customer_group``.
WHO: dict[str, tuple[Fragment, ...]] = {
    "NONE": (_f("客户", weight=3), _f("投诉人", weight=3), _f("消费者", weight=2), _f("该客户"), _f("来电人")),
    "ELDERLY": (_f("老年客户", weight=2), _f("客户（{age}岁）", weight=2), _f("一位退休客户"),
                _f("年过七旬的客户")),
    "MINOR": (_f("投诉人（未成年人家长）"), _f("一位家长"), _f("客户")),
    "DISABLED": (_f("视障客户"), _f("听障客户"), _f("一位残障客户")),
    "FOREIGN": (_f("外籍客户", SERVICE), _f("在华工作的外国客户"), _f("持护照办理业务的客户")),
}
#: A clause about the special group (added after the issue for every group other than ``NONE``).
GROUP_NOTES: dict[str, tuple[Fragment, ...]] = {
    "ELDERLY": (_f("客户年纪较大，不熟悉手机上的操作步骤"), _f("客户称自己是老年人，看不清页面上的小字", SERVICE),
                _f("由其子女陪同反映")),
    "MINOR": (_f("系其未成年子女用家长手机操作所致"), _f("涉及未成年子女在家长不知情时的消费")),
    "DISABLED": (_f("页面不支持读屏软件，只能请人代为操作"), _f("营业场所没有无障碍通道", SERVICE),
                 _f("无法完成语音验证")),
    "FOREIGN": (_f("无法使用护照完成实名认证"), _f("App没有英文界面，只能请朋友帮忙")),
}
#: Where the business was done, by ``channel`` (A09/A99 usually say nothing).
VIA: dict[str, tuple[Fragment, ...]] = {
    "A01": (_f("在营业网点"), _f("到营业厅")),
    "A02": (_f("在自助机具上"), _f("使用自助设备")),
    "A03": (_f("在网页端"), _f("通过官网")),
    "A04": (_f("通过电话"), _f("致电机构")),
    "A05": (_f("在手机App上", weight=2), _f("通过App"), _f("在App内")),
    "A06": (_f("通过微信小程序"), _f("在公众号上"), _f("通过生活号")),
    "A07": (_f("按短信提示"), _f("通过短信链接")),
    "A08": (_f("通过合作的第三方平台"), _f("在电商平台上")),
    "A09": (_f(""),),
    "A99": (_f(""), _f("通过其他渠道")),
}
#: What the complaint concerned, by ``business_category``.
PRODUCT: dict[str, tuple[Fragment, ...]] = {
    "B01": (_f("借记卡"),), "B02": (_f("信用卡"),), "B07": (_f("理财产品"),), "B08": (_f("保险"),),
    "B09": (_f("代理业务"),),
    "B03": (_f("贷款"), _f("个人贷款")),
    "B04": (_f("转账"), _f("收款"), _f("商户结算")),
    "B05": (_f("借款"), _f("分期借款")),
    "B06": (_f("借款申请"), _f("账户注册")),
    "B10": (_f("支付账户"), _f("余额账户")),
    "B11": (_f("网络支付"), _f("线上付款"), _f("扫码付款")),
    "B12": (_f("预付卡"), _f("储值卡")),
    "B13": (_f("先享后付"), _f("信用支付")),
    "B14": (_f("消费贷款", weight=2), _f("信用借款"), _f("分期贷款")),
    "B99": (_f("相关业务"),),
}
#: What went wrong, by ``cause``: at least one untagged fragment each.
ISSUE: dict[str, tuple[Fragment, ...]] = {
    "C01": (_f("办理流程繁琐，多次补交材料仍未办结"), _f("申请注销账户时被告知须满足额外条件"),
            _f("规则调整前未收到任何通知"), _f("调整还款日只能线下办理"), _f("账户被临时限额后无法正常使用", FROZEN)),
    "C02": (_f("被收取会员费{fee}元", HIDDEN_FEES), _f("借款到账前被先行扣除服务费", HIDDEN_FEES),
            _f("实际借款成本明显高于页面展示的利率", weight=2), _f("被搭售权益卡", HIDDEN_FEES),
            _f("提前结清时仍被收取全部利息", EARLY_REPAYMENT), _f("提现被收取手续费，事先没有提示", HIDDEN_FEES),
            _f("综合年化成本超过24%", HIDDEN_FEES), _f("每期还款金额与签约时的说明不一致")),
    "C03": (_f("App频繁闪退，无法按时还款"), _f("系统升级期间交易失败"), _f("页面长时间无响应，付款状态不明"),
            _f("迟迟收不到验证码，无法登录")),
    "C04": (_f("客服态度生硬，答复敷衍", SERVICE), _f("热线电话长时间打不通", SERVICE),
            _f("多次反映问题始终无人处理", SERVICE), _f("在线咨询迟迟无法转人工", SERVICE),
            _f("工作人员前后解释不一致", weight=2), _f("承诺的回电一直没有兑现", weight=2)),
    "C05": (_f("逾期后每天接到多个催收电话", COLLECTION), _f("催收人员联系家人和同事", COLLECTION),
            _f("催收人员言语辱骂并威胁上门", COLLECTION), _f("通讯录中的朋友收到催款短信", COLLECTION),
            _f("还款提醒过于频繁，一天来电十余次", weight=2), _f("第三方机构以律师函名义施压", weight=2)),
    "C06": (_f("产品页面未载明全部收费项目"), _f("借款合同未明示年化利率"), _f("签约时未告知须购买保险", MIS_SELLING),
            _f("费用说明字体过小，难以看清")),
    "C07": (_f("账户资金被盗刷{amount}元", FRAUD), _f("遭遇冒充平台工作人员的诈骗", FRAUD),
            _f("账户被冻结，余额无法提现", FROZEN), _f("付款后资金长时间未入账", weight=2),
            _f("账户被他人冒用开通支付", FRAUD)),
    "C08": (_f("频繁接到营销电话", MIS_SELLING), _f("宣传的低息与实际不符，涉嫌虚假宣传", MIS_SELLING),
            _f("被诱导开通信用借款", MIS_SELLING), _f("推销短信过多，退订无效", weight=2)),
    "C09": (_f("个人信息疑似被泄露", PRIVACY), _f("未经授权被查询征信", CREDIT_REPORT),
            _f("注销后仍被要求人脸识别", PRIVACY), _f("资料被提供给合作方，事先未征得同意", weight=2)),
    "C10": (_f("合同条款对其明显不公平"), _f("格式条款限制了其解约权利"), _f("合同约定的还款方式与口头说明不同"),
            _f("签约时未告知关键条款", MIS_SELLING)),
    "C11": (_f("开通服务时被默认勾选附加项目"), _f("无法自主选择还款方式"), _f("被要求绑定指定的支付方式")),
    "C12": (_f("产品收益与宣传不符"), _f("实际收益低于页面展示")),
    "C13": (_f("在未收到提醒的情况下被自动扣费{amount}元", AUTO_DEDUCTION),
            _f("开通免密支付后被连续扣款", AUTO_DEDUCTION), _f("会员到期后被自动续费", AUTO_DEDUCTION),
            _f("已解除代扣协议仍被划款", AUTO_DEDUCTION), _f("同一笔订单被划走两次款项", weight=2),
            _f("未经确认即从绑定银行卡划款", weight=2)),
    "C14": (_f("按时还款后系统仍显示逾期", weight=2), _f("还款失败后产生罚息", weight=2),
            _f("提前还款申请迟迟未处理", EARLY_REPAYMENT), _f("银行卡扣款失败后被记为逾期", AUTO_DEDUCTION),
            _f("还款失败导致上征信", CREDIT_REPORT)),
    "C99": (_f("对此前的处理结果不满意"), _f("对机构的答复有异议"), _f("反映的问题与业务办理有关，诉求尚未明确")),
}
#: What the complainant asks for: by cause, plus generic requests.
DEMAND: dict[str, tuple[Fragment, ...]] = {
    "": (_f("要求机构核实处理", weight=3), _f("要求给予合理解释", weight=2), _f("要求尽快答复"), _f("希望妥善解决")),
    "C01": (_f("要求简化流程"),),
    "C02": (_f("要求退还多收的费用"), _f("要求退费", REFUND), _f("要求重新核算费用")),
    "C03": (_f("要求修复系统问题"), _f("要求免除因此产生的罚息")),
    "C04": (_f("要求机构改进服务"), _f("要求明确答复期限")),
    "C05": (_f("要求停止骚扰"), _f("要求规范催收行为", COLLECTION), _f("要求机构约束合作机构")),
    "C06": (_f("要求说明全部费用"), _f("要求退费", REFUND)),
    "C07": (_f("要求协助追回资金"), _f("要求解除账户冻结", FROZEN), _f("要求赔偿损失")),
    "C08": (_f("要求停止推销"), _f("要求撤销借款")),
    "C09": (_f("要求删除其信息"), _f("要求说明信息用途")),
    "C10": (_f("要求解除合同"), _f("要求修改相关条款")),
    "C11": (_f("要求取消附加项目"),),
    "C12": (_f("要求按宣传收益补足差额"),),
    "C13": (_f("要求退款", REFUND), _f("要求退回已划走的款项"), _f("要求关闭相关服务")),
    "C14": (_f("要求消除逾期记录", CREDIT_REPORT), _f("要求减免罚息")),
}
#: Optional details: an earlier contact with the institution.
FOLLOWUP = (_f("此前已多次联系机构，问题未获解决", weight=2), _f("曾向机构反映但未得到答复"),
            _f("已通过在线渠道反映两次"), _f("称已联系客服三次", SERVICE))
#: Share of summaries that carry a (generated) mobile number, which the platform masks (warning W-PII).
PHONE_SHARE = 0.004
#: Sentence skeletons; ``{note}``, ``{followup}`` and ``{prefix}`` may be empty.
SKELETONS = (
    "{prefix}{who}反映，其{date}{via}办理{product}时{issue}{note}，{demand}。",
    "{prefix}{who}称{via}使用{product}过程中{issue}{note}。{followup}{demand}。",
    "{prefix}{who}投诉：{issue}（{product}）{note}。{followup}{demand}。",
    "{prefix}关于{product}，{who}表示{issue}{note}，{demand}。",
    "{prefix}{who}就{product}来电反映{date}{issue}{note}。{followup}{demand}。",
)


def _weight(fragment: Fragment, weights: TopicWeights | None) -> float:
    w = fragment.weight
    for topic in fragment.topics if weights else ():
        w *= weights.get(topic, 1.0)
    return w


def choose(rng: random.Random, fragments: tuple[Fragment, ...], weights: TopicWeights | None = None) -> Fragment:
    """Draw one fragment, each with its base weight times its topics' factors (untagged ones when
    the factors leave nothing to draw)."""
    ws = [_weight(f, weights) for f in fragments]
    if sum(ws) <= 0:
        plain = [f for f in fragments if not f.topics] or list(fragments)
        return rng.choice(plain)
    return rng.choices(fragments, weights=ws)[0]


def issue_factor(cause: str, weights: TopicWeights | None) -> float:
    """The expected topic factor of ``cause``'s issue fragments (1 without weights)."""
    fragments = ISSUE.get(cause)
    if not weights or not fragments:
        return 1.0
    return sum(_weight(f, weights) for f in fragments) / sum(f.weight for f in fragments)


def cause_weights(base: Mapping[str, float], weights: TopicWeights | None) -> Mapping[str, float]:
    """Cause draw weights scaled by :func:`issue_factor` (``base`` itself without weights)."""
    if not weights:
        return base
    return {cause: w * issue_factor(cause, weights) for cause, w in base.items()}


def category_weights(base: Mapping[str, float], causes: Mapping[str, Mapping[str, float]],
                     weights: TopicWeights | None) -> Mapping[str, float]:
    """Category draw weights scaled by the expected factor of their causes (``base`` without weights)."""
    if not weights:
        return base
    out = {}
    for category, w in base.items():
        dist = causes.get(category, {})
        total = sum(dist.values())
        factor = sum(p * issue_factor(c, weights) for c, p in dist.items()) / total if total else 1.0
        out[category] = w * factor
    return out


def _amount_text(amount: Decimal | None, rng: random.Random) -> str:
    if amount is None:
        return f"{rng.randint(2, 90) * 10}"
    text = f"{amount:.2f}"
    return text[:-3] if text.endswith(".00") else text


def generate_summary(row: Mapping[str, object], rng: random.Random, topic_weights: TopicWeights | None = None,
                     hotline: str | None = None) -> tuple[str, frozenset[str]]:
    """A summary for one complaint ``row`` (its codes, ``received_date``, ``amount``, ``source``,
    ``repeat_of``) and the lexicon topics it mentions; deterministic for a given ``rng`` state."""
    group = str(row.get("customer_group") or "NONE")
    cause = str(row["cause"])
    parts = {
        "who": choose(rng, WHO.get(group, WHO["NONE"]), topic_weights),
        "via": choose(rng, VIA.get(str(row.get("channel")), VIA["A99"]), topic_weights),
        "product": choose(rng, PRODUCT.get(str(row["business_category"]), PRODUCT["B99"]), topic_weights),
        "issue": choose(rng, ISSUE.get(cause, ISSUE["C99"]), topic_weights),
        "demand": choose(rng, DEMAND.get(cause, ()) + DEMAND[""], topic_weights),
    }
    note = choose(rng, GROUP_NOTES[group], topic_weights) if group in GROUP_NOTES else None
    skeleton = rng.choice(SKELETONS)
    followup = choose(rng, FOLLOWUP, topic_weights) if "{followup}" in skeleton and rng.random() < 0.4 else None
    received = row.get("received_date")
    date = ""
    if isinstance(received, dt.date) and rng.random() < 0.5:
        day = received - dt.timedelta(days=rng.randint(0, 12))
        date = f"于{day.month}月{day.day}日"
    prefix = ""
    if row.get("repeat_of"):
        prefix = "（重复投诉）"
    elif row.get("source") == "REGULATOR" and hotline and rng.random() < 0.6:
        prefix = f"经{hotline}热线转办："
    contact = ""
    if rng.random() < PHONE_SHARE:  # a filer who forgot to remove a phone number (masked on ingest, W-PII)
        contact = f"（联系电话1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}）"
    text = skeleton.format(
        prefix=prefix, who=parts["who"].text, via=parts["via"].text, product=parts["product"].text,
        issue=parts["issue"].text, demand=parts["demand"].text + contact, date=date,
        note=f"，{note.text}" if note else "", followup=f"{followup.text}，" if followup else "",
    ).format(amount=_amount_text(row.get("amount"), rng), fee=rng.choice((29, 59, 99, 199, 299, 399, 699)),
             age=rng.randint(65, 86))
    topics = frozenset().union(*(f.topics for f in (*parts.values(), note, followup) if f is not None))
    return text, topics
