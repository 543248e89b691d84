"""The API's request and response shapes (Pydantic), kept apart from the tables (model/tables.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "AuditEntry",
    "CustomerOut",
    "DistributionResult",
    "DistributionRow",
    "ErrorOut",
    "FeedbackOut",
    "ImportIssue",
    "ImportReportOut",
    "MetricInfo",
    "MetricResult",
    "OrderOut",
    "Page",
    "ResponseOut",
    "TicketOut",
    "TokenCreate",
    "TokenCreated",
    "TokenOut",
    "UserCreate",
    "UserOut",
    "UserUpdate",
]

T = TypeVar("T")


def _as_utc(value: datetime) -> datetime:
    """Timestamps are stored as naive UTC: answer them with their offset, so every date-time in JSON is an
    RFC 3339 ``date-time`` (``…Z``) as the OpenAPI schema says."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: a stored (naive UTC) or aware timestamp, answered in UTC with its offset
UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]


class ErrorOut(BaseModel):
    """The error envelope every API error answers with."""

    ok: bool = False
    status: int
    error: str
    message: str
    errors: list[dict[str, Any]] = []


class Page(BaseModel, Generic[T]):
    """One page of records, newest first, and how many match in all."""

    items: list[T]
    total: int
    limit: int
    offset: int


class MetricInfo(BaseModel):
    name: str
    family: str
    source: str
    unit: str
    direction: str
    definition: str
    reference: str
    dimensions: list[str] = Field(description="what the metric can be sliced and filtered by")


class MetricResult(BaseModel):
    """A metric's tidy result: one record per slice and period with value, n, ci_low, ci_high and extras."""

    ok: bool = True
    metric: str
    rows: list[dict[str, Any]]


class DistributionRow(BaseModel):
    """One scale point of one slice (the ``by`` columns come as extra keys): its count of the slice's n
    answers, the share (%) and its 95 % Wilson interval (``cxlens.metrics.distribution``)."""

    model_config = ConfigDict(extra="allow")

    question: str
    period: UtcDateTime | None = Field(None, description="the period's start (with every=), else null")
    score: int | float
    band: str | None = Field(description="NPS group: detractor (0–6), passive (7–8), promoter (9–10); else null")
    count: int
    n: int = Field(description="answers in the slice")
    share: float | None = Field(description="100 × count / n (%); null when n = 0")
    ci_low: float | None
    ci_high: float | None
    off_scale: int = Field(description="answers of the slice between scale points (counted in n only)")


class DistributionResult(BaseModel):
    """A question's score distribution: every scale point of every slice and period."""

    ok: bool = True
    question: str
    type: str
    scale_min: float
    scale_max: float
    surveys: list[str] = Field(description="the surveys whose question of this code is counted")
    by: list[str]
    every: str | None
    rows: list[DistributionRow]


class CustomerOut(BaseModel):
    id: int
    external_id: str
    name: str | None = None
    segment: str | None = None
    region: str | None = None
    industry: str | None = None
    signed_up_at: UtcDateTime | None = None
    created_at: UtcDateTime


class ResponseOut(BaseModel):
    id: int
    external_id: str | None = None
    survey_id: int
    customer_id: int | None = None
    channel: str | None = None
    language: str | None = None
    submitted_at: UtcDateTime | None = None


class TicketOut(BaseModel):
    id: int
    external_id: str
    customer_id: int | None = None
    agent_id: int | None = None
    team: str | None = None
    channel: str | None = None
    priority: str | None = None
    category: str | None = None
    status: str | None = None
    created_at: UtcDateTime
    first_response_at: UtcDateTime | None = None
    resolved_at: UtcDateTime | None = None
    csat: float | None = None


class OrderOut(BaseModel):
    id: int
    external_id: str
    customer_id: int
    ordered_at: UtcDateTime
    fulfilled_at: UtcDateTime | None = None
    amount: float
    quantity: int | None = None
    product: str | None = None
    category: str | None = None
    channel: str | None = None
    promotion: str | None = None


class FeedbackOut(BaseModel):
    id: int
    external_id: str | None = None
    customer_id: int | None = None
    source_type: str
    source: str | None = None
    language: str | None = None
    collected_at: UtcDateTime
    rating: float | None = None
    text: str


class ImportIssue(BaseModel):
    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str


class ImportReportOut(BaseModel):
    """What an import did (the same keys as ``cxlens import --json``)."""

    ok: bool = True
    file: str
    kind: str
    format: str
    encoding: str | None
    rows_read: int
    inserted: int
    updated: int
    duplicates_in_file: int
    already_stored: int
    rejected: int
    customers_created: int
    issue_count: int
    issues: list[ImportIssue]
    ignored_columns: list[str]
    mapping: dict[str, Any]
    run_id: int | None
    same_file_as_run: int | None
    dry_run: bool
    seconds: float


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str | None = None
    display_name: str | None = None
    role: str
    active: bool = True
    created_at: UtcDateTime | None = None
    last_login_at: UtcDateTime | None = None


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # JSON types as documented, no unknown keys

    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=10, max_length=1000)
    role: str = Field(pattern="^(admin|analyst|agent|viewer)$")
    email: str | None = Field(default=None, max_length=200)
    display_name: str | None = Field(default=None, max_length=200)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # JSON types as documented, no unknown keys

    role: str | None = Field(default=None, pattern="^(admin|analyst|agent|viewer)$")
    active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=1000)


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    user_id: int
    username: str
    created_at: UtcDateTime
    expires_at: UtcDateTime | None = None
    revoked_at: UtcDateTime | None = None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # JSON types as documented, no unknown keys

    user_id: int
    name: str = Field(min_length=1, max_length=200)
    days: int | None = Field(default=None, ge=1, le=3650)


class TokenCreated(BaseModel):
    """A new token: ``token`` is shown this once and never again."""

    id: int
    token: str


class AuditEntry(BaseModel):
    id: int
    created_at: UtcDateTime
    user_id: int | None
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any]
    ip: str | None
