"""Chinese translations of the interface (source strings are English; 中文 is the default locale).

``python tools/i18n_zh.py`` re-extracts the strings, merges them into
``supervision/translations/zh/LC_MESSAGES/messages.po`` and fills in the entries below; a
string without a translation here is reported so nothing visible stays untranslated.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "supervision" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
POT = ROOT / "supervision" / "translations" / "messages.pot"

ZH = {
    "Please log in to see this page.": "请先登录。",
    "Platform version %(version)s": "平台版本 %(version)s",
    "E-mail": "电子邮箱",
    "Password": "密码",
    "Keep me signed in on this computer": "在此电脑上保持登录",
    "Current password": "当前密码",
    "New password": "新密码",
    "Repeat new password": "再次输入新密码",
    "Passwords do not match": "两次输入的密码不一致",
    "E-mail or password is incorrect, or the account is not active.": "邮箱或密码不正确，或账户未启用。",
    "You have been logged out.": "您已退出登录。",
    "Your password has been changed. Other sessions have been signed out.": "密码已修改，其他会话已全部退出。",
    "PAY · payment institutions": "PAY · 非银行支付机构",
    "CF · consumer finance": "CF · 消费金融公司",
    "BANK · banks": "BANK · 银行",
    "INS · insurers": "INS · 保险公司",
    "AUTO · auto finance": "AUTO · 汽车金融公司",
    "Filer (institution)": "填报人（机构）",
    "Analyst (regulator)": "分析员（监管）",
    "Supervisor (regulator)": "审核员（监管）",
    "Administrator": "系统管理员",
    "Filings": "报送",
    "Findings": "监管发现",
    "League tables": "排行榜",
    "Code": "代码",
    "Name": "名称",
    "English name": "英文名称",
    "Parent agency": "上级监管机构",
    "USCC (统一社会信用代码)": "统一社会信用代码",
    "Legal name": "法定名称",
    "Short name": "简称",
    "Sector": "行业",
    "Lead agency": "主监管机构",
    "Province code": "省份代码",
    "Licence number": "许可证编号",
    "Active": "启用",
    "Alias": "别名",
    "Role": "角色",
    "Institution (filers)": "所属机构（填报人）",
    "Agency (regulators)": "所属监管机构（监管用户）",
    "Initial password": "初始密码",
    "Sharing agency": "共享方",
    "Receiving agency": "接收方",
    "Sectors": "行业",
    "Data kinds": "数据类别",
    "Note": "备注",
    "Agency saved.": "监管机构已保存。",
    "Institution saved.": "机构已保存。",
    "Alias added.": "别名已添加。",
    "User created.": "用户已创建。",
    "User updated.": "用户已更新。",
    "Sharing agreement saved.": "共享协议已保存。",
    "Sharing agreement ended.": "共享协议已终止。",
    "Form expired": "表单已过期",
    "The form's security token is missing or expired. Go back, reload the page and try again.":
        "表单的安全令牌缺失或已过期。请返回、刷新页面后重试。",
    "Bad request": "请求无效",
    "The request could not be understood.": "无法理解该请求。",
    "Forbidden": "无权访问",
    "You do not have permission to open this page.": "您没有打开此页面的权限。",
    "Not found": "未找到",
    "The page or record does not exist, or you cannot see it.": "页面或记录不存在，或您无权查看。",
    "Method not allowed": "不允许的请求方式",
    "This address does not accept that kind of request.": "此地址不接受该类请求。",
    "File too large": "文件过大",
    "The upload is larger than the platform accepts.": "上传文件超过平台允许的大小。",
    "Too many attempts": "尝试次数过多",
    "Too many attempts. Wait a minute and try again.": "尝试次数过多，请稍候一分钟再试。",
    "Server error": "服务器错误",
    "Something went wrong on our side. Quote this reference when you contact support.":
        "平台内部出错。联系技术支持时请提供以下参考编号。",
    "Filer": "填报人",
    "Analyst": "分析员",
    "Supervisor": "审核员",
    "CMP complaint data": "CMP 投诉数据报表",
    "DSC disclosure": "DSC 信息披露报表",
    "Received": "已接收",
    "Validating": "校验中",
    "Rejected": "已拒收",
    "Validated": "校验通过",
    "Accepted": "已采纳",
    "Returned": "已退回",
    "Superseded": "已被替代",
    "Failed": "处理失败",
    "Period code": "报送期代码",
    "Use the form 2024Q1": "格式应为 2024Q1",
    "Unlocked until": "解锁至",
    "Period %(code)s added.": "报送期 %(code)s 已添加。",
    "Period %(code)s unlocked.": "报送期 %(code)s 已解锁。",
    "Give a valid date.": "请输入有效日期。",
    "Filter": "筛选",
    "Filter rows…": "筛选行…",
    "Consumer Protection Filing Platform": "金融消费者权益保护报送平台",
    "大消保": "大消保",
    "Skip to content": "跳到正文",
    "Main navigation": "主导航",
    "大消保 Filing Platform": "大消保报送平台",
    "Toggle navigation": "展开导航",
    "Periods": "报送期",
    "Institutions": "机构",
    "Agencies": "监管机构",
    "Users": "用户",
    "Sharing": "数据共享",
    "Audit log": "审计日志",
    "Log out": "退出登录",
    "Times are shown in Asia/Shanghai.": "时间均为北京时间（Asia/Shanghai）。",
    "Filing specification v1 (CMP-1 / DSC-1).": "报送规范第1版（CMP-1 / DSC-1）。",
    "My account": "我的账户",
    "Institution": "机构",
    "Agency": "监管机构",
    "Last login": "上次登录",
    "Change password": "修改密码",
    "Log in": "登录",
    "Accounts are issued by the platform administrator.": "账户由平台管理员开立。",
    "No agencies yet.": "暂无监管机构。",
    "New agency": "新建监管机构",
    "Save": "保存",
    "Action": "操作",
    "Actor": "操作人",
    "Time": "时间",
    "Object": "对象",
    "Result": "结果",
    "Request": "请求",
    "Administration": "系统管理",
    "Sharing agreements": "数据共享协议",
    "New institution": "新建机构",
    "USCC": "统一社会信用代码",
    "Aliases": "别名",
    "New alias": "新别名",
    "Add alias": "添加别名",
    "An agency shares the institutions it leads (and those of its local offices) in the chosen sectors "
    "with the receiving agency, for the chosen kinds of data.":
        "共享方将其（及其派出机构）主监管的所选行业机构的所选类别数据共享给接收方。",
    "Actions": "操作",
    "End": "终止",
    "No agreements.": "暂无共享协议。",
    "New or updated agreement": "新建或更新协议",
    "Institution / agency": "机构 / 监管机构",
    "Yes": "是",
    "No": "否",
    "Deactivate (ends all sessions)": "停用（并结束其全部会话）",
    "Activate": "启用",
    "Set new password": "设置新密码",
    "New user": "新建用户",
    "Filers need an institution; analysts and supervisors need an agency. Passwords: at least 10 "
    "characters with letters and digits.":
        "填报人须选择所属机构；分析员和审核员须选择所属监管机构。密码至少10个字符，且同时包含字母和数字。",
    "Create": "创建",
    "Reference": "参考编号",
    "Back to the home page": "返回首页",
    "Filing": "报送",
    "Version": "版本",
    "State": "状态",
    "File": "文件",
    "Size (bytes)": "大小（字节）",
    "Uploaded at": "上传时间",
    "Period": "报送期",
    "All periods": "全部报送期",
    "Show": "显示",
    "Kind": "报表类型",
    "Versions": "版本数",
    "Latest state": "最新状态",
    "No filings in your view yet.": "您的权限范围内暂无报送。",
    "Home": "首页",
    "Welcome, %(name)s": "欢迎，%(name)s",
    "Institutions in view": "可见机构",
    "Open list": "打开列表",
    "Filings in view": "可见报送",
    "Recent periods": "最近报送期",
    "Due date": "报送截止日",
    "No periods yet.": "暂无报送期。",
    "generated demo code, not the real USCC": "演示用生成代码，非真实统一社会信用代码",
    "Province": "省份",
    "Edit": "编辑",
    "Sector filter": "行业筛选",
    "All sectors": "全部行业",
    "Generated demo code, not the real USCC": "演示用生成代码，非真实统一社会信用代码",
    "generated": "生成",
    "No institutions in your view.": "您的权限范围内没有机构。",
    "%(n)s institutions": "共 %(n)s 家机构",
    "Reporting periods": "报送期",
    "Due date: period end + %(d)s calendar days, end of that day (Asia/Shanghai). Locked %(l)s days "
    "after the period end.":
        "截止日：期末后第 %(d)s 个自然日当日结束（北京时间）。期末后 %(l)s 天锁定。",
    "Start date": "开始日",
    "End date": "结束日",
    "Lock date": "锁定日",
    "Locked": "已锁定",
    "Past due": "已过截止日",
    "Open": "开放",
    "unlocked until %(d)s": "解锁至 %(d)s",
    "Unlock": "解锁",
    "Add a period": "添加报送期",
    "Add": "添加",
    'Workbook (.xlsx)': '工作簿（.xlsx）',
    'Dry run: validate only, store nothing': '试校验：只校验，不保存任何内容',
    'Note to the institution': '给机构的说明',
    'The file is larger than the platform accepts (F05): %(e)s': '文件超过平台允许的大小（F05）：%(e)s',
    'Received. Validation runs now; this page shows its progress.': '已接收。正在校验，本页显示进度。',
    'This exact file was uploaded before (same SHA-256): showing that version.':
        '该文件此前已上传（SHA-256 相同），显示已有版本。',
    'This file was refused before it could be read, so it cannot be annotated; see the list of errors.':
        '该文件在读取前即被拒收，无法生成批注工作簿；请查看错误列表。',
    'Version accepted.': '版本已采纳。',
    'A note is required to return a filing.': '退回须填写说明。',
    'Version returned to the institution.': '版本已退回机构。',
    'Only a failed version can be re-run.': '只有处理失败的版本可以重新处理。',
    'Processing restarted.': '已重新开始处理。',
    'Blocking': '阻断',
    'Warning': '警告',
    'Finding': '监管发现',
    'Validation results': '校验结果',
    'Rule': '规则',
    'Severity': '级别',
    'Sheet': '工作表',
    'Row': '行',
    'Column': '列',
    'Value seen': '填报值',
    'Message': '说明',
    'No errors or warnings.': '没有错误或警告。',
    'Errors / warnings': '错误 / 警告',
    'Dry run': '试校验',
    'No blocking error': '无阻断性错误',
    'Would be rejected': '将被拒收',
    'Could not be checked': '无法校验',
    'Nothing was stored.': '未保存任何内容。',
    'Back to upload': '返回上传',
    'Upload a filing': '上传报表',
    'Drag the workbook here, or choose it:': '将工作簿拖到此处，或选择文件：',
    'Size': '大小',
    'Up to %(n)s MiB. The original is kept byte for byte with its SHA-256.':
        '最大 %(n)s MiB。原始文件按字节原样保存，并记录 SHA-256。',
    'Upload': '上传',
    'Templates': '模板',
    'Download the official template; the cover is prefilled for your institution and the chosen period.':
        '下载官方模板；封面已按本机构和所选报送期预填。',
    'CMP complaint template': 'CMP 投诉数据模板',
    'DSC disclosure template': 'DSC 信息披露模板',
    'on time': '按时',
    'late': '逾期',
    'Validation progress': '校验进度',
    'Waiting for the validator…': '等待校验…',
    'bytes': '字节',
    'download original': '下载原始文件',
    'Rows': '行数',
    'Accept': '采纳',
    'Return': '退回',
    'Re-run processing': '重新处理',
    'Results by rule': '按规则汇总',
    'Annotated workbook': '批注工作簿',
    'Description': '说明',
    'Total': '合计',
    'First cells': '首批单元格',
    '%(n)s listed': '列出 %(n)s 条',
    'row': '行',
    'All listed results': '全部列出的结果',
    'show all': '显示全部',
    'Register imported: %(c)s new, %(u)s updated, %(n)s unchanged.':
        '登记已导入：新增 %(c)s 条，更新 %(u)s 条，未变 %(n)s 条。',
    'Register rejected; nothing was imported. See the errors below.':
        '登记被拒收，未导入任何内容。请查看下方错误。',
    'Choose a file.':
        '请选择文件。',
    'Register':
        '转办登记',
    'Regulator register':
        '监管转办登记',
    'Regulator register (监管转办登记)':
        '监管转办登记',
    'Register file (.xlsx or .csv)':
        '登记文件（.xlsx 或 .csv）',
    'Import':
        '导入',
    'Transfer reference':
        '转办单号',
    'Transferred date':
        '转办日期',
    'Hotline':
        '来源热线',
    'Business category':
        '业务类别',
    'Cause':
        '投诉原因',
    'No entries in your view.':
        '您的权限范围内没有登记。',
}


def all_translations() -> dict[str, str]:
    """This file's entries plus those of every ``tools/i18n_zh_*.py`` (one per feature, ``ZH = {...}``)."""
    import importlib.util

    merged = dict(ZH)
    for extra in sorted(Path(__file__).parent.glob("i18n_zh_*.py")):
        spec = importlib.util.spec_from_file_location(extra.stem, extra)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        merged.update(module.ZH)
    return merged


def main() -> int:
    """Extract, update the zh catalogue, fill translations, report what is missing."""
    POT.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "--no-location", "--omit-header", "-o", str(POT), str(ROOT)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if PO.exists():
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "update", "-i", str(POT),
                        "-d", str(PO.parents[2]), "-l", "zh", "--no-fuzzy-matching", "--ignore-obsolete"],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "init", "-i", str(POT),
                        "-d", str(PO.parents[2]), "-l", "zh"],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    missing = []
    translations = all_translations()
    for msg in catalog:
        if not msg.id:
            continue
        if msg.id in translations:
            msg.string = translations[msg.id]
        elif not msg.string:
            missing.append(msg.id)
    with PO.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, no_location=True, width=110)
    for m in missing:
        print("untranslated:", m)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
