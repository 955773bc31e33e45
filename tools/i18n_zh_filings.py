"""Chinese translations of the filing pages (merged by tools/i18n_zh.py)."""

ZH = {
    "Complaint rows": "投诉明细行",
    "%(n)s rows": "共 %(n)s 行",
    "first %(n)s shown": "显示前 %(n)s 行",
    "Complaint ID": "投诉编号",
    "Source": "投诉来源",
    "Product": "产品",
    "Closed": "办结日期",
    "Days": "天数",
    "On time": "按时",
    "Outcome": "处理结果",
    "Summary": "投诉摘要",
    "carried over": "上期结转",
}
