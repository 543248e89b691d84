"""Jira Service Management issue exports (CSV, "Issue key, Issue id, Summary, …" headers, English or Chinese).

Columns: Issue key → ticket_id, Created → created_at, Resolved → resolved_at, Reporter Id (else Reporter) →
customer_id, Assignee Id → agent_id, Assignee → agent_name, Components → team, Custom field (Request Type)
(else Issue Type) → category, Summary → subject, Description, Status, Priority, Custom field (Satisfaction
rating) / Satisfaction → csat (1–5). Chinese headers (问题关键字, 摘要, 经办人, 报告人, 创建日期, 已解决, 状态,
优先级, 问题类型, 描述, 模块, 标签) map the same way.

Jira repeats a header once per value of a multi-valued field (``Labels, Labels, Components, Watchers``): the
values are joined with ``;`` into the first column of that name, so none is lost. Dates such as
``01/Mar/24 9:15 AM`` (month by name, so never ambiguous) become ISO text; any other text is left as it is
and refused with its row by the import if it is not a date. SLA cells (``Custom field (Time to first
response)``): a timestamp is when the SLA stopped, i.e. the first response → first_response_at (unless a
``[CHART] Date of First Response`` column gives it); a remaining time (``5h 12m``, breached ``-2h 30m``) says
nothing about when the response came, so it is not stored as one (the column is named in the report). Watchers
and request participants (people's names) are dropped.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from cxlens.ingest.adapters.base import Adapted, Head, with_column
from cxlens.ingest.adapters.tickets import recode, ticket_mapping
from cxlens.ingest.fields import normalise_header
from cxlens.ingest.mapping import Mapping
from cxlens.ingest.readers import RawTable, read_table

__all__ = ["ADAPTER", "parse_jira_date", "parse_sla"]

COLUMNS = {
    "ticket_id": ("Issue key", "问题关键字", "关键字"),
    "created_at": ("Created", "创建日期", "创建"),
    "resolved_at": ("Resolved", "已解决", "解决日期"),
    "first_response_at": ("Custom field ([CHART] Date of First Response)", "Custom field (Date of First Response)"),
    "customer_id": ("Reporter Id", "Reporter", "报告人"),
    "agent_id": ("Assignee Id",),
    "agent_name": ("Assignee", "经办人"),
    "team": ("Components", "Component/s", "模块"),
    "category": ("Custom field (Request Type)", "Issue Type", "问题类型"),
    "subject": ("Summary", "摘要"),
    "description": ("Description", "描述"),
    "status": ("Status", "状态"),
    "priority": ("Priority", "优先级"),
    "csat": ("Custom field (Satisfaction rating)", "Satisfaction", "Custom field (Satisfaction)", "满意度"),
}
DROPPED = ("Watchers", "关注者", "Custom field (Request participants)", "Reporter email", "Creator")
SLA_FIRST_RESPONSE = ("Custom field (Time to first response)", "Time to first response", "首次响应时间")
STATUS = {
    "to do": "new",
    "待办": "new",
    "waiting for support": "open",
    "等待支持": "open",
    "work in progress": "open",
    "escalated": "open",
    "waiting for customer": "pending",
    "等待客户": "pending",
    "done": "resolved",
    "已完成": "resolved",
    "completed": "resolved",
    "canceled": "closed",
    "cancelled": "closed",
    "declined": "closed",
    "已取消": "closed",
}
PRIORITY = {
    "highest": "urgent",
    "blocker": "urgent",
    "最高": "urgent",
    "major": "high",
    "medium": "normal",
    "minor": "low",
    "lowest": "low",
    "trivial": "low",
    "最低": "low",
}
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun"), start=1)} | {
    m: i for i, m in enumerate(("jul", "aug", "sep", "oct", "nov", "dec"), start=7)
}
_ZH_MONTHS = {m: i for i, m in enumerate(("一", "二", "三", "四", "五", "六", "七", "八", "九", "十"), start=1)} | {
    "十一": 11,
    "十二": 12,
}
_JIRA_DATE = re.compile(
    r"^(\d{1,2})/([^/\s]+)/(\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM|上午|下午)?)?$", re.I
)
_SLA = re.compile(r"^(-)?\s*(?:(\d+)\s*[wW]\s*)?(?:(\d+)\s*[dD]\s*)?(?:(\d+)\s*[hH]\s*)?(?:(\d+)\s*[mM])?$")


def _month(token: str) -> int | None:
    token = token.strip().lower().rstrip(".")
    if token[:3] in _MONTHS and token.isascii():
        return _MONTHS[token[:3]]
    token = token.removesuffix("月")
    if token.isdigit() and 1 <= int(token) <= 12:
        return int(token)
    return _ZH_MONTHS.get(token)


def parse_jira_date(text: str) -> str | None:
    """``01/Mar/24 9:15 AM`` (also ``01/三月/24 9:15 上午``) as ``2024-03-01 09:15:00``; None if not that
    layout or not a real date. ISO-like text (``2024-03-01 09:15``) is read by the import itself."""
    m = _JIRA_DATE.match(text.strip())
    if not m:
        return None
    day, month_token, year, hour, minute, second, half = m.groups()
    month = _month(month_token)
    if month is None:
        return None
    h = int(hour or 0)
    if half:
        if h < 1 or h > 12:
            return None
        h = h % 12 + (12 if half.upper() in ("PM", "下午") else 0)
    y = int(year) + (2000 if len(year) == 2 else 0)
    try:
        value = datetime(y, month, int(day), h, int(minute or 0), int(second or 0))
    except ValueError:
        return None
    return value.strftime("%Y-%m-%d %H:%M:%S")


def parse_sla(text: str) -> int | None:
    """A remaining-time SLA cell (``5h 12m``, ``-2h 30m``, ``1d 4h``) in signed minutes, else None."""
    m = _SLA.match(text.strip())
    if not m or not any(m.group(i) for i in range(2, 6)):
        return None
    weeks, days, hours, minutes = (int(m.group(i) or 0) for i in range(2, 6))
    total = ((weeks * 7 + days) * 24 + hours) * 60 + minutes
    return -total if m.group(1) else total


def join_repeated(raw: RawTable) -> list[str]:
    """Join the columns of a repeated header (read as ``Labels``, ``Labels.2``, …) into the first one, values
    ``;``-separated in column order; returns the joined names."""
    names = raw.columns
    groups: dict[str, list[str]] = {}
    for name in names:
        base = re.sub(r"\.\d+$", "", name)
        if base != name and base in names:
            groups.setdefault(base, [base]).append(name)
    for base, members in groups.items():
        cols = [raw.table[c].to_pylist() for c in members]
        joined = [";".join(v.strip() for v in values if v and v.strip()) for values in zip(*cols, strict=True)]
        with_column(raw, base, pa.array(joined, pa.string()))
        raw.table = raw.table.drop_columns(members[1:])
    return sorted(groups)


def _dates(raw: RawTable, column: str) -> None:
    values = raw.table[column].to_pylist()
    out = [parse_jira_date(v or "") or (v or "") for v in values]
    with_column(raw, column, pa.array(out, pa.string()))


def _first_response_from_sla(raw: RawTable, mapping: Mapping) -> None:
    """first_response_at from an SLA column's timestamp cells; remaining-time cells give none."""
    present = {c.lower(): c for c in raw.columns}
    src = next((present[n.lower()] for n in SLA_FIRST_RESPONSE if n.lower() in present), None)
    if src is None or "first_response_at" in mapping.columns:
        return
    out = []
    for value in raw.table[src].to_pylist():
        text = (value or "").strip()
        if parse_sla(text) is not None:
            out.append("")
        else:  # a timestamp (or text that the import then refuses with its row)
            out.append(parse_jira_date(text) or text)
    name = f"first_response_at (from {src})"
    with_column(raw, name, pa.array(out, pa.string()))
    mapping.columns["first_response_at"] = name


class JiraAdapter:
    name = "jira"
    label = "Jira Service Management"

    def detect(self, head: Head) -> float:
        norm = {normalise_header(c) for c in head.header}
        if {"issuekey", "summary"} <= norm and norm & {"issueid", "issuetype", "created"}:
            return 0.9
        if {"问题关键字", "摘要"} <= norm and norm & {"创建日期", "问题类型", "经办人"}:
            return 0.9
        return 0.0

    def read(self, path: Path, head: Head, *, sheet: str | None, encoding: str | None) -> Adapted:
        raw = read_table(path, sheet=sheet, encoding=encoding)
        join_repeated(raw)
        mapping, dropped = ticket_mapping(raw, COLUMNS, DROPPED)
        _first_response_from_sla(raw, mapping)
        for fld in ("created_at", "resolved_at", "first_response_at"):
            if fld in mapping.columns:
                _dates(raw, mapping.columns[fld])
        if "status" in mapping.columns:
            recode(raw, mapping.columns["status"], STATUS)
        if "priority" in mapping.columns:
            recode(raw, mapping.columns["priority"], PRIORITY)
        if "csat" in mapping.columns:
            _csat(raw, mapping.columns["csat"])
        return Adapted("tickets", raw, mapping, None, dropped)


def _csat(raw: RawTable, column: str) -> None:
    """``4``, ``4 stars``, ``4星`` → ``4``; other text stays and is refused by the import as not a number."""
    values = raw.table[column].to_pylist()
    out = [re.sub(r"^\s*(\d(?:\.\d+)?)\s*(stars?|星)?\s*$", r"\1", v or "", flags=re.I) for v in values]
    with_column(raw, column, pa.array(out, pa.string()))


ADAPTER = JiraAdapter()
