"""The canonical fields of each kind of record that can be imported.

This is the contract between a source file and the workspace: a mapping (written by hand in YAML, inferred
from the header, or supplied by a vendor adapter) says which source column feeds which canonical field.
Column names are matched case-, space- and punctuation-insensitively against each field's synonyms, in
Chinese and English.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "FEEDBACK_SOURCE_TYPES",
    "FIELDS",
    "KINDS",
    "TICKET_EVENT_TYPES",
    "TICKET_STATUSES",
    "Field",
    "Kind",
    "normalise_header",
]

Kind = Literal["customers", "orders", "tickets", "ticket_events", "feedback", "responses"]
KINDS: tuple[Kind, ...] = ("customers", "orders", "tickets", "ticket_events", "feedback", "responses")
FieldType = Literal["id", "text", "timestamp", "number", "integer", "enum"]

#: every free text lands in ``feedback`` with one of these source types (ARCHITECTURE.md)
FEEDBACK_SOURCE_TYPES: dict[str, tuple[str, ...]] = {
    "complaint": ("complaint", "complaints", "投诉", "客诉", "抱怨"),
    "suggestion": ("suggestion", "suggestions", "建议", "意见", "意见建议"),
    "review": ("review", "reviews", "评价", "评论", "点评", "商品评价", "online review"),
    "social": ("social", "social media", "社交媒体", "微博", "微信", "小红书", "抖音", "weibo", "wechat"),
    "email": ("email", "e-mail", "mail", "邮件", "电子邮件"),
    "call": ("call", "phone", "hotline", "call note", "电话", "热线", "来电", "通话记录"),
    "interview": ("interview", "focus group", "访谈", "座谈", "焦点小组", "面访"),
    "survey_text": ("survey_text", "survey", "open answer", "问卷", "问卷开放题"),
}

TICKET_STATUSES: dict[str, tuple[str, ...]] = {
    "new": ("new", "新建", "待处理"),
    "open": ("open", "打开", "处理中", "进行中", "in progress"),
    "pending": (
        "pending",
        "on hold",
        "hold",
        "waiting on third party",
        "waiting on customer",
        "awaiting customer",
        "挂起",
        "等待中",
        "待回复",
    ),
    "resolved": ("resolved", "solved", "已解决", "解决"),
    "closed": ("closed", "已关闭", "关闭", "完成"),
}

#: what a row of a ticket-events file says happened (``ticket_events.kind``)
TICKET_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "created": ("created", "create", "opened", "new", "创建", "新建", "提交"),
    "first_response": ("first_response", "first response", "first reply", "首次响应", "首次回复"),
    "agent_reply": ("agent_reply", "agent reply", "reply", "public reply", "客服回复", "回复"),
    "customer_reply": ("customer_reply", "customer reply", "requester reply", "客户回复", "用户回复"),
    "status_change": ("status_change", "status change", "status", "状态变更", "状态变化"),
    "reopened": ("reopened", "reopen", "re-opened", "重开", "重新打开"),
    "resolved": ("resolved", "solved", "resolve", "closed", "已解决", "解决", "关闭"),
}

TICKET_PRIORITIES: dict[str, tuple[str, ...]] = {
    "low": ("low", "低", "1"),
    "normal": ("normal", "medium", "中", "普通", "2"),
    "high": ("high", "高", "3"),
    "urgent": ("urgent", "紧急", "critical", "4"),
}


@dataclass(frozen=True, slots=True)
class Field:
    """One canonical field: its type, whether a row without it is rejected, and the names it goes by."""

    name: str
    type: FieldType
    required: bool = False
    synonyms: tuple[str, ...] = ()
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    help: str = ""


_CUSTOMER_ID = (
    "customer_id",
    "customer",
    "客户编号",
    "客户id",
    "客户代码",
    "会员编号",
    "会员id",
    "用户id",
    "cust_id",
    "client_id",
    "requester_id",
    "contact_id",
    "顾客编号",
)

FIELDS: dict[Kind, tuple[Field, ...]] = {
    "customers": (
        Field("customer_id", "id", True, _CUSTOMER_ID + ("id", "编号"), help="the customer's id in your systems"),
        Field(
            "name",
            "text",
            synonyms=("name", "customer_name", "客户名称", "客户姓名", "姓名", "名称", "company"),
        ),
        Field(
            "segment",
            "text",
            synonyms=("segment", "客户分群", "客户类型", "客户等级", "分群", "tier", "level"),
        ),
        Field("region", "text", synonyms=("region", "city", "province", "地区", "区域", "城市", "省份")),
        Field("industry", "text", synonyms=("industry", "行业", "所属行业")),
        Field(
            "signed_up_at",
            "timestamp",
            synonyms=(
                "signed_up_at",
                "created_at",
                "signup_date",
                "join_date",
                "since",
                "注册时间",
                "注册日期",
                "开户日期",
                "入会时间",
                "创建时间",
            ),
        ),
    ),
    "orders": (
        Field(
            "order_id",
            "id",
            True,
            ("order_id", "order", "order_no", "order_number", "订单编号", "订单号", "订单id"),
        ),
        Field("customer_id", "id", True, _CUSTOMER_ID),
        Field(
            "ordered_at",
            "timestamp",
            True,
            (
                "ordered_at",
                "order_date",
                "order_time",
                "date",
                "下单时间",
                "下单日期",
                "订单日期",
                "购买日期",
                "购买时间",
            ),
        ),
        Field(
            "amount",
            "number",
            True,
            (
                "amount",
                "total",
                "order_amount",
                "value",
                "revenue",
                "金额",
                "订单金额",
                "实付金额",
                "销售额",
                "消费金额",
            ),
        ),
        Field(
            "fulfilled_at",
            "timestamp",
            synonyms=(
                "fulfilled_at",
                "delivered_at",
                "shipped_at",
                "发货时间",
                "送达时间",
                "完成时间",
                "签收时间",
            ),
        ),
        Field(
            "product",
            "text",
            synonyms=("product", "product_name", "item", "sku", "商品", "商品名称", "产品", "产品名称"),
        ),
        Field(
            "category",
            "text",
            synonyms=("category", "product_category", "品类", "类别", "商品类别", "产品类别"),
        ),
        Field("quantity", "integer", synonyms=("quantity", "qty", "数量", "件数")),
        Field("channel", "text", synonyms=("channel", "sales_channel", "渠道", "销售渠道", "store", "门店")),
        Field("promotion", "text", synonyms=("promotion", "campaign", "coupon", "促销", "活动", "优惠券")),
    ),
    "tickets": (
        Field("ticket_id", "id", True, ("ticket_id", "ticket", "case_id", "工单编号", "工单号", "工单id")),
        Field(
            "created_at",
            "timestamp",
            True,
            (
                "created_at",
                "created",
                "created_time",
                "create_time",
                "creation_time",
                "date_created",
                "opened_at",
                "创建时间",
                "提交时间",
                "受理时间",
                "开单时间",
            ),
        ),
        Field("customer_id", "id", synonyms=_CUSTOMER_ID),
        Field("agent_id", "id", synonyms=("agent_id", "assignee_id", "客服编号", "坐席编号", "工号")),
        Field(
            "agent_name",
            "text",
            synonyms=("agent_name", "agent", "assignee", "客服", "客服姓名", "坐席", "处理人"),
        ),
        Field("team", "text", synonyms=("team", "group", "department", "班组", "小组", "部门", "团队")),
        Field("channel", "text", synonyms=("channel", "via", "source", "渠道", "来源", "受理渠道")),
        Field("priority", "enum", synonyms=("priority", "优先级", "紧急程度"), choices=TICKET_PRIORITIES),
        Field("category", "text", synonyms=("category", "type", "issue_type", "问题类型", "问题分类", "类别")),
        Field("subject", "text", synonyms=("subject", "title", "主题", "标题")),
        Field("description", "text", synonyms=("description", "body", "content", "描述", "问题描述", "内容")),
        Field(
            "first_response_at",
            "timestamp",
            synonyms=("first_response_at", "first_reply_at", "首次响应时间", "首次回复时间"),
        ),
        Field(
            "resolved_at",
            "timestamp",
            synonyms=(
                "resolved_at",
                "solved_at",
                "closed_at",
                "resolved_time",
                "solved_time",
                "closed_time",
                "解决时间",
                "关闭时间",
                "结案时间",
            ),
        ),
        Field("status", "enum", synonyms=("status", "state", "状态", "工单状态"), choices=TICKET_STATUSES),
        Field("csat", "number", synonyms=("csat", "satisfaction", "satisfaction_score", "满意度", "满意度评分")),
        Field(
            "reopen_count",
            "integer",
            synonyms=("reopen_count", "reopens", "reopened_count", "times_reopened", "重开次数", "重新打开次数"),
            help="how often the ticket was reopened after being resolved (0 = never)",
        ),
        Field(
            "agent_replies",
            "integer",
            synonyms=("agent_replies", "replies", "agent_interactions", "客服回复次数", "回复次数"),
            help="how many replies agents sent the customer on the ticket (1 = answered in one contact)",
        ),
    ),
    "ticket_events": (
        Field("ticket_id", "id", True, ("ticket_id", "ticket", "case_id", "工单编号", "工单号", "工单id")),
        Field(
            "occurred_at",
            "timestamp",
            True,
            ("occurred_at", "at", "time", "timestamp", "event_time", "created_at", "时间", "发生时间", "操作时间"),
        ),
        Field(
            "event",
            "enum",
            True,
            ("event", "kind", "type", "event_type", "action", "事件", "事件类型", "操作"),
            choices=TICKET_EVENT_TYPES,
        ),
        Field("from_status", "enum", synonyms=("from_status", "old_status", "原状态"), choices=TICKET_STATUSES),
        Field("to_status", "enum", synonyms=("to_status", "new_status", "status", "新状态"), choices=TICKET_STATUSES),
        Field("actor", "text", synonyms=("actor", "author", "agent", "user", "操作人", "处理人")),
    ),
    "feedback": (
        Field(
            "text",
            "text",
            True,
            (
                "text",
                "comment",
                "content",
                "feedback",
                "review",
                "message",
                "内容",
                "反馈内容",
                "评价内容",
                "意见",
                "留言",
                "投诉内容",
                "文本",
            ),
        ),
        Field(
            "collected_at",
            "timestamp",
            True,
            (
                "collected_at",
                "date",
                "time",
                "created_at",
                "时间",
                "日期",
                "反馈时间",
                "评价时间",
                "提交时间",
            ),
        ),
        Field(
            "source_type",
            "enum",
            True,
            ("source_type", "type", "channel_type", "类型", "反馈类型"),
            choices=FEEDBACK_SOURCE_TYPES,
        ),
        Field("feedback_id", "id", synonyms=("feedback_id", "id", "编号", "反馈编号", "review_id")),
        Field("customer_id", "id", synonyms=_CUSTOMER_ID),
        Field("source", "text", synonyms=("source", "platform", "channel", "来源", "平台", "渠道")),
        Field("rating", "number", synonyms=("rating", "stars", "score", "评分", "星级", "打分")),
        Field("language", "text", synonyms=("language", "lang", "语言")),
        Field("product", "text", synonyms=("product", "商品", "产品")),
        Field("competitor", "text", synonyms=("competitor", "brand", "竞品", "竞争对手", "品牌")),
    ),
    "responses": (
        Field(
            "submitted_at",
            "timestamp",
            True,
            (
                "submitted_at",
                "recorded_date",
                "end_date",
                "提交时间",
                "提交答卷时间",
                "答题时间",
                "completed_at",
            ),
        ),
        Field("response_id", "id", synonyms=("response_id", "respondent_id", "responseid", "答卷编号", "序号")),
        Field("customer_id", "id", synonyms=_CUSTOMER_ID),
        Field("started_at", "timestamp", synonyms=("started_at", "start_date", "开始时间")),
        Field("channel", "text", synonyms=("channel", "collector", "source", "来源", "渠道")),
        Field("language", "text", synonyms=("language", "lang", "userlanguage", "语言")),
    ),
}

_PUNCT = re.compile(r"[\s_\-\.:：/\\()（）\[\]【】#]+")


def normalise_header(name: str) -> str:
    """Fold a column name for matching: NFKC, lower case, no spaces or punctuation.

    >>> normalise_header("Customer ID")
    'customerid'
    >>> normalise_header("客户 编号（必填）")
    '客户编号必填'
    """
    return _PUNCT.sub("", unicodedata.normalize("NFKC", name).strip().lower())
