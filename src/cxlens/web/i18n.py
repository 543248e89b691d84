"""The web app's words in Chinese and English, and how a request's language is chosen.

The language is, in order: ``?lang=zh|en`` on the URL (which also sets the ``cxlens_lang`` cookie, so
the toggle sticks), the cookie, the browser's ``Accept-Language`` (by quality, RFC 9110 §12.5.4), and
English. Page modules add their own words with :func:`add_messages` at import time.

>>> translate("nav.overview", "zh")
'总览'
>>> negotiate(None, None, "en-GB,zh-CN;q=0.8")
'en'
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LANGS", "MESSAGES", "add_messages", "negotiate", "translate"]

LANGS = ("zh", "en")
COOKIE = "cxlens_lang"

#: key → (zh, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "app.name": ("cxlens 客户体验分析", "cxlens customer experience"),
    "lang.other": ("English", "中文"),
    "nav.overview": ("总览", "Overview"),
    "nav.distributions": ("评分分布", "Distributions"),
    "nav.service": ("服务绩效", "Service"),
    "nav.text": ("文本洞察", "Text"),
    "nav.import": ("数据导入", "Import"),
    "nav.users": ("用户", "Users"),
    "nav.tokens": ("API 令牌", "API tokens"),
    "nav.audit": ("审计日志", "Audit log"),
    "nav.api": ("API 文档", "API docs"),
    "auth.signin": ("登录", "Sign in"),
    "auth.signout": ("退出", "Sign out"),
    "auth.username": ("用户名或邮箱", "Username or e-mail"),
    "auth.password": ("密码", "Password"),
    "auth.failed": ("用户名或密码不正确", "Wrong username or password"),
    "auth.throttled": ("登录尝试过多,请 {minutes} 分钟后再试", "Too many attempts; try again in {minutes} min"),
    "auth.signed_in_as": ("当前用户", "Signed in as"),
    "role.admin": ("管理员", "admin"),
    "role.analyst": ("分析师", "analyst"),
    "role.agent": ("客服", "agent"),
    "role.viewer": ("只读", "viewer"),
    "error.title": ("出错了", "Something went wrong"),
    "error.403": ("您的角色无权访问此页面", "Your role may not open this page"),
    "error.404": ("找不到此页面", "There is no such page"),
    "error.csrf": (
        "表单已过期或来源不明(CSRF 校验失败),请刷新页面后重试",
        "The form expired or did not come from this site (CSRF check failed); reload the page and retry",
    ),
    "error.back": ("返回总览", "Back to the overview"),
    "filter.apply": ("应用", "Apply"),
    "filter.every": ("周期", "Period"),
    "filter.start": ("开始(含)", "From (inclusive)"),
    "filter.end": ("结束(不含)", "To (exclusive)"),
    "filter.by": ("细分维度", "Slice by"),
    "filter.none": ("(无)", "(none)"),
    "filter.all": ("全部", "all"),
    "filter.not_applicable": ("筛选条件 {names} 不适用于此指标,已忽略", "filter {names} does not apply here; ignored"),
    "every.day": ("日", "day"),
    "every.week": ("周", "week"),
    "every.month": ("月", "month"),
    "every.quarter": ("季度", "quarter"),
    "every.year": ("年", "year"),
    "dim.segment": ("客户细分", "segment"),
    "dim.region": ("地区", "region"),
    "dim.industry": ("行业", "industry"),
    "dim.channel": ("渠道", "channel"),
    "dim.agent": ("客服人员", "agent"),
    "dim.team": ("团队", "team"),
    "dim.survey": ("问卷", "survey"),
    "dim.question": ("题目", "question"),
    "dim.priority": ("优先级", "priority"),
    "dim.category": ("类别", "category"),
    "kpi.latest": ("最近周期", "latest period"),
    "kpi.change": ("较上期", "vs previous"),
    "kpi.significant": ("显著", "significant"),
    "kpi.not_significant": ("不显著", "not significant"),
    "kpi.target": ("目标", "target"),
    "kpi.attained": ("已达成", "attained"),
    "kpi.missed": ("未达成", "missed"),
    "kpi.no_data": ("无数据", "no data"),
    "metric.nps": ("净推荐值 NPS", "NPS"),
    "metric.csat": ("满意度 CSAT", "CSAT"),
    "metric.csat_mean": ("平均满意度", "mean CSAT"),
    "metric.ces": ("费力度 CES", "CES"),
    "metric.ces_easy": ("省力比例", "CES easy share"),
    "metric.complaint_rate": ("投诉率", "complaint rate"),
    "metric.first_response_time": ("首次响应时间", "first response time"),
    "metric.resolution_rate": ("问题解决率", "resolution rate"),
    "metric.resolution_time": ("解决时长", "resolution time"),
    "metric.sla_attainment": ("SLA 达成率", "SLA attainment"),
    "metric.ticket_csat": ("工单满意度", "ticket CSAT"),
    "metric.retention_rate": ("客户保留率", "retention rate"),
    "metric.repurchase_rate": ("复购率", "repurchase rate"),
    "col.value": ("值", "value"),
    "col.n": ("样本量 n", "n"),
    "col.ci": ("95% 置信区间", "95% CI"),
    "col.period": ("周期", "period"),
    "col.change": ("变化", "change"),
    "col.p_val": ("p 值", "p"),
    "col.unit": ("单位", "unit"),
    "table.show": ("数据表", "table"),
    "table.csv": ("下载 CSV", "download CSV"),
    "overview.title": ("KPI 总览", "KPI overview"),
    "overview.trend": ("趋势", "trend"),
    "overview.slices": ("分维度", "by slice"),
    "dist.title": ("NPS / CSAT / CES 分布", "NPS / CSAT / CES distributions"),
    "dist.nps_mix": ("推荐者 / 被动者 / 贬损者", "promoters / passives / detractors"),
    "dist.promoters": ("推荐者 %", "promoters %"),
    "dist.passives": ("被动者 %", "passives %"),
    "dist.detractors": ("贬损者 %", "detractors %"),
    "dist.by_question": ("按题目", "by question"),
    "service.title": ("客服与团队绩效", "Service KPIs per agent and team"),
    "text.title": ("文本洞察:情感、方面与主题", "Text: sentiment, aspects and themes"),
    "text.none": (
        "尚无文本分析结果。请先运行 `cxlens text analyze {path}`。",
        "No text results yet. Run `cxlens text analyze {path}` first.",
    ),
    "text.texts": ("已分析文本", "texts analysed"),
    "text.source": ("文本来源", "source"),
    "text.aspects": ("方面情感(均值)随时间变化", "aspect sentiment (mean) over time"),
    "text.aspect_counts": ("方面提及次数", "aspect mentions"),
    "text.themes": ("主题(负面文本)", "themes (negative texts)"),
    "text.keywords": ("关键词", "keywords"),
    "text.emerging": ("新出现的词", "emerging terms"),
    "text.quotes": ("示例原文(已脱敏)", "example quotes (masked)"),
    "text.size": ("文本数", "texts"),
    "text.mean_score": ("平均情感", "mean sentiment"),
    "import.title": ("导入数据", "Import data"),
    "import.file": ("文件(CSV、XLSX、SAV 或问卷/工单系统导出)", "File (CSV, XLSX, SAV or a survey/helpdesk export)"),
    "import.kind": ("数据类型", "What the file holds"),
    "import.kind_auto": ("自动识别(厂商导出)", "detect (vendor export)"),
    "import.survey": ("问卷代码(答卷必填)", "Survey code (for responses)"),
    "import.preview": ("预览与检查", "Preview and check"),
    "import.mapping": ("列映射(可修改后重新检查)", "Column mapping (edit, then check again)"),
    "import.check_again": ("按此映射重新检查", "Check again with this mapping"),
    "import.confirm": ("确认导入", "Import"),
    "import.skip_invalid": ("跳过无效行,导入其余行", "Skip invalid rows and import the rest"),
    "import.detected": ("识别结果", "Detected"),
    "import.format": ("格式", "format"),
    "import.encoding": ("编码", "encoding"),
    "import.rows": ("行", "rows"),
    "import.read": ("读取", "read"),
    "import.rejected": ("拒绝", "rejected"),
    "import.dups": ("文件内重复", "duplicates in file"),
    "import.same_file": (
        "该文件此前已导入(批次 {run}),导入不会重复写入",
        "this file was imported before (run {run}); nothing will be added twice",
    ),
    "import.issues": ("被拒绝的行及原因", "Rejected rows and why"),
    "import.row": ("行号", "row"),
    "import.column": ("列", "column"),
    "import.value": ("值", "value"),
    "import.reason": ("原因", "reason"),
    "import.done": ("导入完成", "Imported"),
    "import.refused": ("未导入任何数据", "Nothing was imported"),
    "import.sample": ("前几行", "first rows"),
    "import.progress": ("正在导入,请稍候…", "Importing, please wait…"),
    "import.recent": ("最近导入", "Recent imports"),
    "users.title": ("用户与角色", "Users and roles"),
    "users.add": ("添加用户", "Add a user"),
    "users.role": ("角色", "role"),
    "users.email": ("邮箱", "e-mail"),
    "users.name": ("显示名", "display name"),
    "users.active": ("启用", "active"),
    "users.last_login": ("最近登录", "last sign-in"),
    "users.save": ("保存", "Save"),
    "users.deactivate": ("停用", "Deactivate"),
    "users.activate": ("启用", "Activate"),
    "users.reset_password": ("重设密码", "Reset password"),
    "users.created": ("已创建用户 {name}", "Created user {name}"),
    "tokens.title": ("API 令牌", "API tokens"),
    "tokens.create": ("创建令牌", "Create a token"),
    "tokens.name": ("用途", "name"),
    "tokens.user": ("所属用户", "user"),
    "tokens.days": ("有效天数(留空=永久)", "valid for days (empty = no expiry)"),
    "tokens.revoke": ("吊销", "Revoke"),
    "tokens.revoked": ("已吊销", "revoked"),
    "tokens.shown_once": ("请立即复制此令牌,它只显示这一次:", "Copy this token now; it is shown only once:"),
    "tokens.expires": ("到期", "expires"),
    "audit.title": ("审计日志", "Audit log"),
    "audit.at": ("时间(UTC)", "time (UTC)"),
    "audit.actor": ("操作人", "who"),
    "audit.action": ("操作", "action"),
    "audit.target": ("对象", "target"),
    "audit.detail": ("详情", "detail"),
    "page.next": ("下一页", "next"),
    "page.prev": ("上一页", "previous"),
    "api.title": ("REST API 文档", "REST API reference"),
}


def add_messages(messages: Mapping[str, tuple[str, str]]) -> None:
    """Add words for a page module; a key defined twice with different words raises ``ValueError``."""
    for key, pair in messages.items():
        if len(pair) != 2:
            raise ValueError(f"message {key!r} needs (zh, en), got {pair!r}")
        if key in MESSAGES and MESSAGES[key] != tuple(pair):
            raise ValueError(f"message {key!r} is already defined as {MESSAGES[key]!r}")
        MESSAGES[key] = (pair[0], pair[1])


def translate(key: str, lang: str, **fmt: object) -> str:
    """The words for ``key`` in ``lang`` (the key itself if unknown, so a missing word shows, not hides)."""
    zh, en = MESSAGES.get(key, (key, key))
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text


def _accept_language(header: str) -> str | None:
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None


def negotiate(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The language of a request: ``?lang=``, then the cookie, then Accept-Language, then English."""
    for choice in (query, cookie):
        if choice in LANGS:
            return str(choice)
    return (_accept_language(accept) if accept else None) or "en"
