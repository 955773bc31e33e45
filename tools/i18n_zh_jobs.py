"""Chinese translations of the scheduler, export archive and notification pages (merged by
tools/i18n_zh.py)."""

ZH = {
    # exports
    "Exports": "导出",
    "Export archive": "导出归档",
    "Export": "导出内容",
    "Summary workbook (.xlsx)": "汇总工作簿（.xlsx）",
    "Feedback sheet of one institution (.xlsx)": "机构反馈表（.xlsx）",
    "League table (.csv)": "排行榜（.csv）",
    "League table (.json)": "排行榜（.json）",
    "Institution USCC (feedback sheets)": "机构统一社会信用代码（机构反馈表）",
    "Give the USCC of an institution in your scope.": "请填写您权限范围内机构的统一社会信用代码。",
    "Choose an export and a period.": "请选择导出内容和报送期。",
    "Export %(name)s generated (SHA-256 %(sha)s).": "已生成导出文件 %(name)s（SHA-256 %(sha)s）。",
    "Every generated file is kept with its SHA-256, who or what produced it, when, and from which league table "
    "(a published snapshot, or the draft when none is published).":
        "每个生成的文件均连同其 SHA-256、生成者（用户或定时任务）、生成时间及所用排行榜"
        "（已发布版本；尚未发布时为草稿）一并归档。",
    "Generate": "生成",
    "Feedback sheets are made from published league tables only.": "机构反馈表仅根据已发布的排行榜生成。",
    "No league table has been published yet.": "尚无已发布的排行榜。",
    "Filter exports": "筛选导出文件",
    "All kinds": "全部类型",
    "Generated at": "生成时间",
    "Scope": "数据范围",
    "Produced by": "生成者",
    "No exports in your view yet.": "您的权限范围内暂无导出文件。",
    # scheduler
    "Scheduler": "定时任务",
    "Period locking": "报送期锁定",
    "Periods past their lock date are closed for filing (open = no); audited.":
        "已过锁定日的报送期关闭报送（记入审计日志）。",
    "Overdue marking": "逾期标记",
    "Rule T01 (late / missing filings) for every period past its due date.":
        "对已过截止日的报送期执行规则 T01（逾期 / 未报送）。",
    "Post-deadline run": "截止后批处理",
    "The day after a due date: every cross-check of the period, the league table draft and the summary workbook "
    "into the export archive.": "截止日次日：执行该报送期全部交叉核查，计算排行榜草稿，并将汇总工作簿存入导出归档。",
    "Filing reminders": "报送提醒",
    "Days before a due date: filers whose institution has nothing accepted for the period and kind.":
        "截止日前若干天：提醒该报送期该类报表尚无已采纳版本的机构的填报人。",
    "Period (optional)": "报送期（可选）",
    "All due periods (calendar)": "按日历确定的全部报送期",
    "Run of %(job)s requested; the scheduler starts it within a few seconds.":
        "已请求运行 %(job)s，定时任务进程将在数秒内开始执行。",
    "%(job)s paused.": "%(job)s 已暂停。",
    "%(job)s resumed.": "%(job)s 已恢复。",
    "Running": "运行中",
    "Retrying": "重试中",
    "Succeeded": "成功",
    "Run failed": "运行失败",
    "Skipped": "已跳过",
    "scheduled": "定时",
    "caught up": "补运行",
    "run now": "立即运行",
    "console": "命令行",
    "Output": "输出",
    "Error": "错误",
    "Job": "任务",
    "Scheduled for": "计划时间",
    "Trigger": "触发方式",
    "Attempts": "尝试次数",
    "Duration (s)": "耗时（秒）",
    "Process": "进程",
    "Details": "详情",
    "All runs": "全部运行记录",
    "The scheduler process is running.": "定时任务进程正在运行。",
    'No scheduler process has been seen recently: scheduled jobs and "run now" requests wait until one runs '
    "(supervision scheduler).":
        "近期未检测到定时任务进程：定时任务和“立即运行”请求将等待进程启动（supervision scheduler）。",
    "Times are Asia/Shanghai. Each run is recorded once; a failed run is retried as configured.":
        "时间均为北京时间。每次运行只记录一次；失败的运行按配置重试。",
    "Paused": "已暂停",
    "Schedule": "计划",
    "Next run": "下次运行",
    "paused": "已暂停",
    "Run requested at %(t)s": "已于 %(t)s 请求运行",
    "Run now": "立即运行",
    "Resume": "恢复",
    "Pause": "暂停",
    "No runs yet.": "暂无运行记录。",
    "Scheduler processes": "定时任务进程",
    "Started": "启动时间",
    "Last seen": "最近心跳",
    "Stopped": "停止时间",
    '"Run now" requests are picked up every %(n)s seconds.': "“立即运行”请求每 %(n)s 秒处理一次。",
    "Job runs": "任务运行记录",
    "All jobs": "全部任务",
    # notifications
    "Notifications": "通知",
    "Mark all read": "全部标为已读",
    "New": "新",
    "Mark read": "标为已读",
    "Go to page": "前往查看",
    "No notifications.": "暂无通知。",
}
