"""Rule data of spec §10.3 for the vulnerable-group lens and the topics: ``G01``, ``G02``, ``K01``.

Assembled by :mod:`supervision.rules.catalog` beside the other cross-check rules.
"""

from __future__ import annotations

from supervision.rules.defs_cross import LOW, MEDIUM, _finding

RULES = (
    _finding("G01", MEDIUM, (MEDIUM,), ("特殊群体投诉处理明显较差", "A customer group is handled markedly worse"),
             ("特殊群体（非 NONE）已办结投诉不少于 20 件，且其按时办结率比本机构普通客户（NONE）低 10 个百分点以上，"
              "或有利办结率低 15 个百分点以上（阈值可配置）。",
              "A customer group other than NONE with at least 20 closed rows whose on-time rate is more than 10 "
              "points below that of the institution's NONE rows, or whose favourable rate is more than 15 points "
              "below (thresholds configurable)."),
             ("特殊群体{group}：已办结 {closed} 件，按时办结率 {on_time_rate}%（普通客户 {none_on_time_rate}%），"
              "有利办结率 {favourable_rate}%（普通客户 {none_favourable_rate}%）",
              "Customer group {group_en}: {closed} closed, on-time rate {on_time_rate} % (other customers "
              "{none_on_time_rate} %), favourable rate {favourable_rate} % (other customers "
              "{none_favourable_rate} %)")),
    _finding("G02", LOW, (LOW,), ("有老年或残障客户投诉但未披露适老或无障碍投诉渠道",
                                   "Elderly or disabled complainants but no suitable complaint channel"),
             ("本期有老年（ELDERLY）或残障（DISABLED）客户的投诉，而本期已接受的信息披露表未列出适老化"
              "（对老年客户）或无障碍（对残障客户）的投诉渠道；无已接受披露表时不检查。",
              "Rows from ELDERLY or DISABLED complainants were received in the period while the period's accepted "
              "DSC lists no elderly-friendly (for ELDERLY) or accessible (for DISABLED) complaint channel; skipped "
              "without an accepted DSC."),
             ("本期受理特殊群体{group}投诉 {received} 件，信息披露表未列出{channel_kind}的投诉渠道",
              "{received} complaint(s) from {group_en} received, but the disclosure lists no {channel_kind_en} "
              "complaint channel")),
    _finding("K01", MEDIUM, (MEDIUM,), ("投诉主题激增", "Complaint topic surging"),
             ("某一词表主题本期在单一机构被不少于 20 件受理投诉提及，而上期少于 5 件（或上期无已接受的投诉报表），"
              "或上期不少于 5 件且增幅不低于 100%（阈值可配置）。",
              "A lexicon topic is mentioned by at least 20 received rows at one institution in the period where "
              "the previous period had fewer than 5 such rows (or no counting CMP), or at least 5 and the count "
              "rose by at least 100 % (thresholds configurable)."),
             ("主题「{topic_zh}」本期被 {count} 件投诉提及，上期 {previous}",
              "Topic \"{topic_en}\" mentioned by {count} complaint(s) this period, previous period {previous}")),
)
